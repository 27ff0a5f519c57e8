/**
 * A local stand-in for RTE's download server: serves real-format éCO2mix zips under
 * `/download/eco2mix/<name>` with ETag / Last-Modified and answers conditional GETs with
 * 304, and can fail the way the real one does (404, an HTML page, a truncated zip, no answer).
 */
import type { Sql } from "../../db/client.ts";
import { sleep } from "../../ingest/http.ts";
import { type RefreshOptions, type RefreshReport, refreshRte } from "../../ingest/rte/refresh.ts";
import {
  eco2mixXls,
  halfHourlyDay,
  quarterHourlyDay,
  type QuarterHourRow,
  V40_HEADER,
  zipOf,
} from "./rte_fixtures.ts";
import { serve } from "./server.ts";

export const TR_ZIP = "eCO2mix_RTE_En-cours-TR.zip";
export const CONSOLIDATED_ZIP = "eCO2mix_RTE_En-cours-Consolide.zip";

/** A date in the summer: no annual file is due (see `plannedFiles`). */
export const SUMMER = new Date("2026-07-01T10:00:00Z");

export type StubMode = "ok" | "not-found" | "html" | "truncated" | "hang";

export interface StubRequest {
  name: string;
  status: number;
  ifNoneMatch: string | null;
}

export interface RteStub extends AsyncDisposable {
  url: string;
  mode: StubMode;
  /** Added before every answer. */
  delayMs: number;
  requests: StubRequest[];
  /** Most requests in flight at once. */
  maxInFlight: number;
  /** Serves `bytes` as `name` from now on, with a new ETag (RTE re-issuing a file). */
  publish(name: string, bytes: Uint8Array): void;
}

export function startRteStub(): RteStub {
  const files = new Map<string, { bytes: Uint8Array; etag: string; lastModified: string }>();
  let version = 0;
  let inFlight = 0;
  // Ends hanging answers when the stub closes (not request.signal: see Deno.serve's docs).
  const closing = new AbortController();
  const stub: RteStub = {
    url: "",
    mode: "ok",
    delayMs: 0,
    requests: [],
    maxInFlight: 0,
    publish(name, bytes) {
      version++;
      const lastModified = new Date(Date.UTC(2026, 2, 1, 0, version)).toUTCString();
      files.set(name, { bytes, etag: `"v${version}"`, lastModified });
    },
    [Symbol.asyncDispose]() {
      closing.abort();
      return server[Symbol.asyncDispose]();
    },
  };

  async function answer(request: Request): Promise<Response> {
    const name = new URL(request.url).pathname.replace("/download/eco2mix/", "");
    const file = files.get(name);
    if (stub.delayMs > 0) await sleep(stub.delayMs);
    switch (stub.mode) {
      case "hang":
        await sleep(60_000, closing.signal).catch(() => {});
        return new Response(null, { status: 504 });
      case "not-found":
        return html(404, "<title>404 Not Found</title>");
      case "html":
        return html(200, "<title>Maintenance</title><p>Le site est en maintenance.</p>");
    }
    if (!file) return html(404, "<title>404 Not Found</title>");
    if (request.headers.get("if-none-match") === file.etag) {
      return new Response(null, { status: 304, headers: { etag: file.etag } });
    }
    const bytes = stub.mode === "truncated"
      ? file.bytes.slice(0, Math.floor(file.bytes.length / 2))
      : file.bytes;
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/zip",
        etag: file.etag,
        "last-modified": file.lastModified,
      },
    });
  }

  const server = serve(async (request) => {
    inFlight++;
    stub.maxInFlight = Math.max(stub.maxInFlight, inFlight);
    try {
      const response = await answer(request);
      stub.requests.push({
        name: new URL(request.url).pathname.split("/").pop()!,
        status: response.status,
        ifNoneMatch: request.headers.get("if-none-match"),
      });
      return response;
    } finally {
      inFlight--;
    }
  });
  stub.url = server.url;
  return stub;
}

function html(status: number, body: string): Response {
  return new Response(`<!DOCTYPE html><html>${body}</html>`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

/**
 * Publishes an En-cours-TR (one day, every quarter-hour) and an En-cours-Consolide (one
 * day, half-hourly) whose values depend on `edition`, so a re-issue changes them.
 */
export function publishCurrentFiles(stub: RteStub, edition = 1): void {
  const mw = (time: string) => 50_000 + edition * 100 + Number(time.slice(0, 2));
  stub.publish(TR_ZIP, zipped(TR_ZIP, quarterHourlyDay("2026-06-30", mw), "real_time"));
  stub.publish(
    CONSOLIDATED_ZIP,
    zipped(CONSOLIDATED_ZIP, halfHourlyDay("2026-05-31", mw), "consolidated"),
  );
}

export function zipped(
  zipName: string,
  rows: QuarterHourRow[],
  nature: "real_time" | "consolidated" | "definitive",
): Uint8Array {
  const header = nature === "real_time" ? V40_HEADER : undefined;
  return zipOf(zipName.replace(/\.zip$/, ".xls"), eco2mixXls(rows, { nature, header }));
}

/** Retries and back-off small enough for tests; the time-out still leaves room on a busy CI. */
export const FAST_HTTP = { timeoutMs: 2_000, retries: 1, baseDelayMs: 1, maxDelayMs: 5 };

/** One refresh against the stub at `baseUrl`, in summer, collecting its log lines. */
export async function refreshFromStub(
  sql: Sql,
  baseUrl: string,
  options: Partial<RefreshOptions> = {},
): Promise<{ report: RefreshReport; lines: string[] }> {
  const lines: string[] = [];
  const report = await refreshRte(sql, {
    baseUrl,
    backfillYears: 1,
    now: SUMMER,
    http: FAST_HTTP,
    log: (line) => lines.push(line),
    ...options,
  });
  return { report, lines };
}
