/**
 * GET /api/consumption with a window never asked before on every request, cache off and on,
 * next to pgbench on the same SELECT and to a static body of the same size through the same
 * app; GET /api/status; the service's peak memory under many clients. The service runs as
 * deployed, in a process of its own (bench/served.ts), whose resident memory is sampled.
 */
import type { Sql } from "../db/client.ts";
import { sleep } from "../ingest/http.ts";
import { countRows, loadIslands, PERIMETER } from "./data.ts";
import { count, markdownTable, ms, times } from "./markdown.ts";
import {
  checkPgbenchWindows,
  MISSING_AT_MOST,
  pgbenchCheckScript,
  pgbenchScript,
  runPgbench,
} from "./pgbench.ts";
import {
  DAY_S,
  HALF_HOUR_S,
  type Island,
  windowBounds,
  windowQuery,
  type WindowSequence,
  windowSequence,
} from "./windows.ts";
import { assertAllAnswered, runWrk, WRK_SECONDS, type WrkResult } from "./wrk.ts";
import { type Served, serveForBench } from "./served.ts";
import { STATIC_PATH } from "./bench_routes.ts";

const WARM_UP_SECONDS = 2;
const CACHE_MB = [0, 64];

export const SIZES = [
  { label: "1 day", days: 1 },
  { label: "1 month (30 days)", days: 30 },
  { label: "1 year (365 days)", days: 365 },
];

export interface BenchContext {
  /** The bench's own queries. */
  admin: Sql;
  url: string;
  /** listConsumption's SELECT with pgbench variables. */
  select: string;
  workDir: string;
}

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakMib?: number;
}

export interface SizeResult {
  label: string;
  rows: number;
  bytes: number;
  ours: Measured[]; // by CACHE_MB
  pgbench: Measured;
  static: Measured;
  windowsAsked: number;
  windowsPossible: number;
}

/**
 * Per range: the service with the cache off, then on, then the static body (from the
 * cache-off service), then pgbench. Each of the two services serves every range of the run.
 */
export async function benchReads(ctx: BenchContext): Promise<SizeResult[]> {
  const islands = await loadIslands(ctx.admin);
  const rowsLoaded = await countRows(ctx.admin);
  await using cacheOff = await serveForBench(ctx.url, { cacheMb: CACHE_MB[0] });
  await using cacheOn = await serveForBench(ctx.url, { cacheMb: CACHE_MB[1] });
  const results: SizeResult[] = [];
  for (const size of SIZES) {
    console.error(`GET ${size.label} over ${count(rowsLoaded)} rows…`);
    const sequence = windowSequence(islands, size.days * DAY_S);
    let nextK = await checkLuaWindows(sequence);
    const sample = await sampleAnswer(ctx, cacheOff.origin, sequence, nextK++);
    const ours: Measured[] = [];
    for (const served of [cacheOff, cacheOn]) {
      const run = await measureWindows(served, "/api/consumption", sequence, nextK);
      ours.push(run.measured);
      nextK = run.nextK;
    }
    const staticPath = `${STATIC_PATH}/${sample.bytes}`;
    await checkStatic(`${cacheOff.origin}${staticPath}`, sample.bytes);
    const staticRun = await measureWindows(cacheOff, staticPath, sequence, nextK);
    nextK = staticRun.nextK;
    results.push({
      label: size.label,
      rows: sample.rows,
      bytes: sample.bytes,
      ours,
      pgbench: await measurePgbench(ctx, islands, size.days),
      static: staticRun.measured,
      windowsAsked: nextK,
      windowsPossible: sequence.permutation.modulus,
    });
  }
  return results;
}

export function readsTable(results: SizeResult[]): string {
  const rows = results.flatMap((size) => {
    const versus = (ours: Measured) => [
      times(ours.requestsPerSecond / size.pgbench.requestsPerSecond),
      times(ours.requestsPerSecond / size.static.requestsPerSecond),
    ];
    return [
      ...size.ours.map((ours, i) => [
        `ours, cache ${CACHE_MB[i] ? "on" : "off"}`,
        ...measuredCells(ours),
        ...versus(ours),
      ]),
      ["pgbench, same SELECT", ...measuredCells(size.pgbench), "", ""],
      ["static body, same size", ...measuredCells(size.static), "", ""],
    ].map((cells, i) =>
      i === 0 ? [size.label, count(size.rows), count(size.bytes), ...cells] : ["", "", "", ...cells]
    );
  });
  return markdownTable(
    [
      "range",
      "rows",
      "bytes",
      "server",
      "req/s",
      "p50 ms",
      "p99 ms",
      "peak RSS MiB",
      "ours ÷ pgbench",
      "ours ÷ static",
    ],
    rows,
  );
}

export function windowsLine(results: SizeResult[]): string {
  return "Windows asked (none twice; each run continues its range's sequence): " +
    results.map((size) =>
      `${size.label} ${count(size.windowsAsked)} of ${count(size.windowsPossible)} possible`
    ).join(", ") + ".";
}

function measuredCells(measured: Measured): string[] {
  return [
    count(measured.requestsPerSecond),
    ms(measured.p50Ms),
    ms(measured.p99Ms),
    measured.peakMib === undefined ? "" : count(measured.peakMib),
  ];
}

/** GET /api/status: its cost must not grow with the rows loaded. */
export async function benchStatus(ctx: BenchContext): Promise<string> {
  await using served = await serveForBench(ctx.url, { cacheMb: CACHE_MB[1] });
  const url = `${served.origin}/api/status`;
  await runWrk(url, { seconds: WARM_UP_SECONDS });
  const wrk = await runWrk(url, { seconds: WRK_SECONDS });
  assertAllAnswered(wrk, url);
  return `GET /api/status over ${count(await countRows(ctx.admin))} rows: ` +
    `${count(wrk.requestsPerSecond)} req/s, p50 ${ms(wrk.p50Ms)} ms, p99 ${ms(wrk.p99Ms)} ms.`;
}

/**
 * The peak resident memory while many clients ask for years nobody asked before (the heaviest
 * request), cache off. Answers beyond what the service takes on at once wait, then get 503
 * at its deadline: counted, not failed on. wrk waits 5 s, past that deadline.
 */
export async function benchMemory(ctx: BenchContext, containerMib?: number): Promise<string> {
  const islands = await loadIslands(ctx.admin);
  const sequence = windowSequence(islands, 365 * DAY_S);
  await using served = await serveForBench(ctx.url, { cacheMb: 0 });
  let nextK = 0;
  const rows = [];
  for (const connections of [64, 256]) {
    const { result: wrk, peakMib } = await peakRss(
      served,
      () =>
        runWrk(`${served.origin}/api/consumption`, {
          seconds: WRK_SECONDS,
          connections,
          timeoutSeconds: 5,
          windows: { sequence, firstK: nextK },
        }),
    );
    nextK = wrk.nextK!;
    const { connect, read, write, timeout } = wrk.socketErrors;
    if (connect + read + write > 0) assertAllAnswered(wrk, `${connections} connections`);
    rows.push([
      "1 year, cache off",
      String(connections),
      count(wrk.requestsPerSecond),
      count(wrk.non2xx),
      count(timeout),
      ms(wrk.p99Ms),
      count(peakMib),
    ]);
  }
  return markdownTable(
    [
      "GET /api/consumption",
      "connections",
      "req/s",
      "non-2xx",
      "time-outs",
      "p99 ms",
      "peak RSS MiB",
    ],
    [...rows, ["container limit", "", "", "", "", "", containerMib ? count(containerMib) : "?"]],
  );
}

/** Runs `work` while sampling the service's resident memory; returns the highest sample. */
async function peakRss<T>(
  served: Served,
  work: () => Promise<T>,
): Promise<{ result: T; peakMib: number }> {
  let peak = await served.rssMib();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await served.rssMib());
      await sleep(50);
    }
  })();
  try {
    return { result: await work(), peakMib: Math.max(peak, await served.rssMib()) };
  } finally {
    sampling = false;
    await sampler;
  }
}

/** A warm-up, then the measured run, both asking for windows from the k-th on. */
async function measureWindows(
  served: Served,
  path: string,
  sequence: WindowSequence,
  firstK: number,
) {
  const url = `${served.origin}${path}`;
  const warmUp = await runWrk(url, { seconds: WARM_UP_SECONDS, windows: { sequence, firstK } });
  assertAllAnswered(warmUp, url);
  const { result, peakMib } = await peakRss(
    served,
    () => runWrk(url, { seconds: WRK_SECONDS, windows: { sequence, firstK: warmUp.nextK! } }),
  );
  assertAllAnswered(result, url);
  return { measured: measuredOf(result, peakMib), nextK: result.nextK! };
}

function measuredOf(wrk: WrkResult, peakMib?: number): Measured {
  return { requestsPerSecond: wrk.requestsPerSecond, p50Ms: wrk.p50Ms, p99Ms: wrk.p99Ms, peakMib };
}

/**
 * The static body: a prebuilt JSON text as long as the answer, from a route mounted on the
 * served app (bench/bench_server.ts). wrk asks it with the same window queries, which it
 * ignores.
 */
async function checkStatic(url: string, bytes: number): Promise<void> {
  const response = await fetch(url);
  const length = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200 || length !== bytes) {
    throw new Error(
      `${url} answered ${response.status} with ${length} bytes, not 200 with ${bytes}`,
    );
  }
}

async function measurePgbench(
  ctx: BenchContext,
  islands: Island[],
  days: number,
): Promise<Measured> {
  await checkPgbenchWindows(ctx.url, pgbenchCheckScript(islands, days, ctx.select), {
    transactions: 200,
    workDir: ctx.workDir,
  });
  const result = await runPgbench(ctx.url, pgbenchScript(islands, days, ctx.select), {
    seconds: WRK_SECONDS,
    workDir: ctx.workDir,
  });
  return {
    requestsPerSecond: result.transactionsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
  };
}

/**
 * One answer through the app (cache off): 200, with every half-hour the table holds in the
 * window, which lies inside the data; its size.
 */
async function sampleAnswer(
  ctx: BenchContext,
  origin: string,
  sequence: WindowSequence,
  k: number,
) {
  const query = windowQuery(sequence, k);
  const response = await fetch(`${origin}/api/consumption?${query}`);
  const text = await response.text();
  const { startS, endS } = windowBounds(sequence, k);
  const [{ stored }] = await ctx.admin<{ stored: number }[]>`
    select count(*)::int as stored from rte_consumption
    where perimeter = ${PERIMETER}
      and period_start between ${new Date(startS * 1000)} and ${new Date(endS * 1000)}`;
  const rows = sequence.durationS / HALF_HOUR_S;
  const answered = response.status === 200 ? JSON.parse(text).count : undefined;
  if (answered !== stored || stored < rows - MISSING_AT_MOST) {
    throw new Error(
      `GET /api/consumption?${query} answered ${response.status} with ${answered} rows, ` +
        `the table holds ${stored} of ${rows}: ${text.slice(0, 200)}`,
    );
  }
  return { rows, bytes: new TextEncoder().encode(text).byteLength };
}

/**
 * One second of wrk with the Lua script against a server that only records the queries: each
 * must be new and be one of windows.ts's first windows. Returns the next unused k.
 */
async function checkLuaWindows(sequence: WindowSequence): Promise<number> {
  const asked: string[] = [];
  const recorder = (request: Request) => {
    asked.push(new URL(request.url).search.slice(1));
    return new Response(null, { status: 204 });
  };
  const { nextK } = await withServer(recorder, async (origin) => {
    const wrk = await runWrk(`${origin}/check`, { seconds: 1, windows: { sequence, firstK: 0 } });
    assertAllAnswered(wrk, "the window recorder");
    return wrk;
  });
  const expected = new Set(Array.from({ length: nextK! }, (_, k) => windowQuery(sequence, k)));
  const unexpected = asked.find((query) => !expected.has(query));
  if (unexpected !== undefined || new Set(asked).size !== asked.length || asked.length === 0) {
    throw new Error(
      `bench/unique_windows.lua and bench/windows.ts disagree: ${asked.length} queries, ` +
        `${new Set(asked).size} distinct, first unexpected: ${unexpected}`,
    );
  }
  return nextK!;
}

async function withServer<T>(
  handler: (request: Request) => Response | Promise<Response>,
  use: (origin: string) => Promise<T>,
): Promise<T> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    return await use(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}
