/**
 * `deno task events --from 2025-02-01 --to 2025-06-30 [--segment Music] [--out events.csv]`:
 * every Québec event whose local date is in the range → a CSV for spreadsheets, and an
 * upsert into Postgres (`--no-db` skips it). `--list-segments` prints the live segments.
 * Exit codes: 0 complete, 1 failure, 2 bad usage, 3 incomplete (what was fetched is kept).
 * The API key comes from TICKETMASTER_API_KEY and is never printed or written.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../../config.ts";
import { createSql, type Sql } from "../../db/client.ts";
import { upsertEvents } from "../../db/events.ts";
import { ensureDatabase, migrate } from "../../db/migrate.ts";
import { type ClientOptions, DEFAULT_MAX_REQUESTS, DiscoveryClient } from "./client.ts";
import { eventsCsv } from "./event_row.ts";
import { exportEvents, type ExportReport } from "./export_events.ts";
import { type LocalDateRange, parseLocalDateRange } from "./query_range.ts";
import { resolveSegment, type Segment } from "./segments.ts";

const USAGE = "usage: deno task events --from YYYY-MM-DD --to YYYY-MM-DD [--segment NAME|ID] " +
  "[--out FILE|-] [--exclude-archtics] [--no-db] [--max-requests N] | --list-segments";

export interface CliDeps {
  /** Defaults to the process environment, as `loadConfig` reads it. */
  env?: Record<string, string | undefined>;
  /** A database to use instead of DATABASE_URL; left open. */
  sql?: Sql;
  /** Client settings for tests (spacing, retry delays). */
  client?: Partial<ClientOptions>;
  stdout?: (text: string) => void | Promise<void>;
  stderr?: (line: string) => void;
}

interface CliOptions {
  range: LocalDateRange;
  segment?: Segment;
  out: string;
  excludeArchtics: boolean;
  store: boolean;
  maxRequests: number;
}

export async function main(args: string[], deps: CliDeps = {}): Promise<number> {
  const stderr = deps.stderr ?? ((line: string) => console.error(line));
  const stdout = deps.stdout ?? writeStdout;
  let parsed: CliOptions | "list-segments";
  try {
    parsed = parseCliArgs(args);
  } catch (error) {
    stderr(`error: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const config = deps.env ? loadConfig(deps.env) : loadConfig();
    if (!config.ticketmasterApiKey) {
      stderr(
        "error: TICKETMASTER_API_KEY is not set (get a key at https://developer.ticketmaster.com)",
      );
      return 2;
    }
    const client = new DiscoveryClient({
      apiKey: config.ticketmasterApiKey,
      baseUrl: config.ticketmasterBaseUrl,
      ...(parsed === "list-segments" ? {} : { maxRequests: parsed.maxRequests }),
      ...deps.client,
    });
    if (parsed === "list-segments") {
      const segments = await client.listSegments();
      await stdout(segments.map((s) => `${s.id}\t${s.name}\n`).join(""));
      return 0;
    }
    return await exportRun(client, parsed, config.databaseUrl, deps, stdout, stderr);
  } catch (error) {
    stderr(`error: ${(error as Error).message}`);
    return 1;
  }
}

async function exportRun(
  client: DiscoveryClient,
  options: CliOptions,
  databaseUrl: string,
  deps: CliDeps,
  stdout: (text: string) => void | Promise<void>,
  stderr: (line: string) => void,
): Promise<number> {
  const fetchedAt = new Date();
  const { rows, report } = await exportEvents(client, options);
  const label = `${options.range.from}..${options.range.to}` +
    (options.segment ? `, segment ${options.segment.name}` : "");
  // A stop before the first event must not replace a previous good file with an empty one.
  if (rows.length > 0 || report.complete) {
    const csv = eventsCsv(rows);
    if (options.out === "-") await stdout(csv);
    else await writeAtomically(options.out, csv);
    stderr(
      `${rows.length} Québec events (${label}) → ${options.out === "-" ? "stdout" : options.out}`,
    );
  }
  stderr(describeRequests(client, report));
  if (options.store && rows.length > 0) {
    try {
      await store(deps.sql, databaseUrl, rows, fetchedAt);
    } catch (error) {
      stderr(
        `error: cannot store the events in Postgres: ${(error as Error).message} ` +
          "(the CSV is written; --no-db skips storage)",
      );
      return 1;
    }
    stderr(`${rows.length} events upserted into Postgres (ticketmaster_events)`);
  }
  const problem = incompleteness(report);
  if (problem) {
    stderr(`INCOMPLETE: ${problem}`);
    return 3;
  }
  return 0;
}

function describeRequests(client: DiscoveryClient, report: ExportReport): string {
  const quota = client.quotaAvailable === undefined
    ? ""
    : `, ${client.quotaAvailable} calls left today`;
  return `${report.requests} API requests (${client.spikeArrests} spike-arrest retries${quota}) ` +
    `over ${report.windows} time windows (${report.splits} split); ` +
    `${report.fetched} events received, ${report.outsideRange} outside the local dates` +
    (report.unusable ? `, ${report.unusable} without id or date` : "");
}

/** One sentence saying what is missing, or undefined when the export is complete. */
function incompleteness(report: ExportReport): string | undefined {
  const parts: string[] = [];
  if (report.stopped) {
    parts.push(
      `${report.stopped}; events starting from ${report.unread?.from} to ${report.unread?.to} ` +
        "were not read",
    );
  }
  if (report.missing > 0) {
    parts.push(
      `${report.missing} of the ${report.expected} events the API reported could not be fetched ` +
        "(more than 1000 in one second, or the listing changed while paging)",
    );
  }
  return parts.length ? parts.join("; ") : undefined;
}

async function store(
  injected: Sql | undefined,
  databaseUrl: string,
  rows: Parameters<typeof upsertEvents>[1],
  fetchedAt: Date,
): Promise<void> {
  if (injected) {
    await upsertEvents(injected, rows, fetchedAt);
    return;
  }
  await ensureDatabase(databaseUrl);
  const sql = createSql(databaseUrl, { max: 1 });
  try {
    await migrate(sql);
    await upsertEvents(sql, rows, fetchedAt);
  } finally {
    await sql.end();
  }
}

function parseCliArgs(args: string[]): CliOptions | "list-segments" {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      segment: { type: "string" },
      out: { type: "string", default: "events.csv" },
      "exclude-archtics": { type: "boolean", default: false },
      "no-db": { type: "boolean", default: false },
      "max-requests": { type: "string" },
      "list-segments": { type: "boolean", default: false },
    },
  });
  if (values["list-segments"]) return "list-segments";
  if (!values.from || !values.to) throw new Error("--from and --to are required");
  return {
    range: parseLocalDateRange(values.from, values.to),
    segment: values.segment === undefined ? undefined : resolveSegment(values.segment),
    out: values.out,
    excludeArchtics: values["exclude-archtics"],
    store: !values["no-db"],
    maxRequests: positiveInteger("--max-requests", values["max-requests"]) ??
      DEFAULT_MAX_REQUESTS,
  };
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) {
    throw new Error(`Cannot parse ${name} "${text}": expected a positive integer`);
  }
  return Number(text);
}

// Write then rename: a crash never leaves a truncated CSV behind.
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.partial`;
  await Deno.writeTextFile(temporary, text);
  await Deno.rename(temporary, path);
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  for (let written = 0; written < bytes.length;) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
