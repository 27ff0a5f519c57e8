/**
 * `deno task bench`: (1) ingest of every real annual file into an empty database, next to a
 * plain COPY of the same rows (the floor); (2) GET /api/consumption for 1 day, 1 month and
 * 1 year under wrk on loopback, next to the bare SQL query time, and GET /api/status; (3) the
 * peak memory of the service (this process) under 64 and 256 connections, next to the
 * deployed limits. Prints Markdown tables. Needs ../shared/data/rte, `wrk` and `psql` (Debian
 * packages). `DENO_V8_FLAGS=<the Dockerfile's> deno task bench` measures under the deployed
 * heap limit.
 */
import v8 from "node:v8";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createSql, type Sql } from "../db/client.ts";
import { listConsumption, PARIS } from "../db/consumption.ts";
import { parseIsoInZone } from "../lib/zoned_time.ts";
import { ensureDatabase, migrate, withDatabase } from "../db/migrate.ts";
import { loadRteStream } from "../ingest/rte/load.ts";
import { composeMib, heapLimitOf } from "../deploy/validate.ts";

const ANNUAL_DIR = "../shared/data/rte/national/annuel-definitif";
const BENCH_URL = withDatabase(
  Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres",
  "opendata_feeds_bench",
);
const WRK_SECONDS = 10;
const WRK_CONNECTIONS = 32;
const MIB = 2 ** 20;

await ensureDatabase(BENCH_URL);
const sql = createSql(BENCH_URL, { max: 8 });
try {
  await migrate(sql);
  console.log(`machine: ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}\n`);
  await benchIngest(sql);
  await benchEndpoint(sql);
  await benchStatus(sql);
  await benchMemory(sql);
} finally {
  await sql.end();
}

async function benchIngest(sql: Sql) {
  const files = [];
  for await (const entry of Deno.readDir(ANNUAL_DIR)) files.push(`${ANNUAL_DIR}/${entry.name}`);
  files.sort();
  await sql`truncate rte_consumption`;
  const started = performance.now();
  let rows = 0;
  for (const path of files) {
    using file = await Deno.open(path);
    rows += (await loadRteStream(sql, path.split("/").pop()!, file.readable)).rowsChanged;
  }
  const ingestSeconds = (performance.now() - started) / 1000;

  // The floor: the same rows, already parsed, written by one plain COPY.
  const csvPath = await Deno.makeTempFile({ suffix: ".csv" });
  await psql(`\\copy rte_consumption to '${csvPath}' csv`);
  await sql`truncate rte_consumption`;
  const copyStarted = performance.now();
  await psql(`\\copy rte_consumption from '${csvPath}' csv`);
  const copySeconds = (performance.now() - copyStarted) / 1000;
  await Deno.remove(csvPath);
  // Leave the data loaded for the endpoint benchmark.

  console.log("| ingest of all annual files | seconds | rows/s |");
  console.log("|---|---|---|");
  console.log(
    `| deno task ingest path (${files.length} zips, ${rows} rows) | ${ingestSeconds.toFixed(2)} | ${
      Math.round(rows / ingestSeconds)
    } |`,
  );
  console.log(
    `| plain COPY of the same rows (floor) | ${copySeconds.toFixed(2)} | ${
      Math.round(rows / copySeconds)
    } |`,
  );
  console.log(`| ratio | ${(ingestSeconds / copySeconds).toFixed(2)}× | |\n`);
}

async function benchEndpoint(sql: Sql) {
  // [label, start, end, wrk script]: the random-day script varies the day per request.
  const cases: Array<[string, string, string, string?]> = [
    ["1 day (same day)", "2018-03-15", "2018-03-15T23:30"],
    ["1 day (random day of 6 years)", "2018-03-15", "2018-03-15T23:30", "bench/random_day.lua"],
    ["1 month", "2018-03-01", "2018-03-31T23:30"],
    ["1 year", "2018-01-01", "2018-12-31T23:30"],
  ];
  console.log(
    "| GET /api/consumption | rows | cache | req/s | p50 ms | p99 ms | bare SQL query ms | peak RSS MiB |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const cacheMb of [0, 64]) {
    const config = { ...loadConfig({ DATABASE_URL: BENCH_URL }), consumptionCacheMb: cacheMb };
    const app = createApp({ sql, config });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    try {
      for (const [label, start, end, script] of cases) {
        const url =
          `http://127.0.0.1:${server.addr.port}/api/consumption?start=${start}&end=${end}`;
        const rows = (await (await fetch(url)).json()).count;
        const { result: wrk, peakMib } = await peakRss(() => runWrk(url, { script }));
        if (wrk.errors > 0) throw new Error(`wrk saw ${wrk.errors} error responses`);
        const sqlMs = await bareQueryMs(sql, start, end);
        console.log(
          `| ${label} | ${rows} | ${
            cacheMb ? "on" : "off"
          } | ${wrk.requestsPerSecond} | ${wrk.p50} | ${wrk.p99} | ${
            sqlMs.toFixed(2)
          } | ${peakMib} |`,
        );
      }
    } finally {
      await server.shutdown();
    }
  }
}

/** GET /api/status: its cost must not grow with the rows loaded (here, the six years). */
async function benchStatus(sql: Sql) {
  const app = createApp({ sql, config: loadConfig({ DATABASE_URL: BENCH_URL }) });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    const wrk = await runWrk(`http://127.0.0.1:${server.addr.port}/api/status`);
    if (wrk.errors > 0) throw new Error(`wrk saw ${wrk.errors} error responses`);
    const [{ rows }] = await sql<{ rows: string }[]>`select count(*) as rows from rte_consumption`;
    console.log(
      `\nGET /api/status over ${rows} rows: ${wrk.requestsPerSecond} req/s, p50 ${wrk.p50} ms, ` +
        `p99 ${wrk.p99} ms\n`,
    );
  } finally {
    await server.shutdown();
  }
}

/**
 * The service's peak resident memory (it runs in this process) while many clients ask for a
 * year without the cache, the heaviest request, next to the limits the deploy files set.
 */
async function benchMemory(sql: Sql) {
  const heap = heapLimitOf(await Deno.readTextFile("Dockerfile"));
  // The compose file's limit, which deploy/validate.ts keeps equal to Kubernetes' (a regex:
  // the yaml package reads environment variables this task may not).
  const containerMib = composeMib(
    /^\s*mem_limit:\s*(\S+)/m.exec(await Deno.readTextFile("docker-compose.yml"))?.[1],
  );
  const ownHeapMib = Math.round(v8.getHeapStatistics().heap_size_limit / MIB);
  const config = { ...loadConfig({ DATABASE_URL: BENCH_URL }), consumptionCacheMb: 0 };
  const app = createApp({ sql, config });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  console.log(
    `Deployed: V8 heap limit ${heap?.mib} MiB (DENO_V8_FLAGS=${heap?.flags}) in a ` +
      `${containerMib} MiB container. This process: V8 heap limit ${ownHeapMib} MiB` +
      `${ownHeapMib === heap?.mib ? "" : " (not the deployed one: set DENO_V8_FLAGS)"}.\n`,
  );
  console.log(
    "| GET /api/consumption | connections | req/s | non-2xx | time-outs | p99 ms | peak RSS MiB |",
  );
  console.log("|---|---|---|---|---|---|---|");
  try {
    const url =
      `http://127.0.0.1:${server.addr.port}/api/consumption?start=2018-01-01&end=2018-12-31T23:30`;
    for (const connections of [64, 256]) {
      const { result: wrk, peakMib } = await peakRss(() => runWrk(url, { connections }));
      console.log(
        `| 1 year, cache off | ${connections} | ${wrk.requestsPerSecond} | ${wrk.errors} | ` +
          `${wrk.timeouts} | ${wrk.p99} | ${peakMib} |`,
      );
    }
  } finally {
    await server.shutdown();
  }
  console.log(`| container limit | | | | | | ${containerMib} |`);
}

/** Runs `work` while sampling this process's resident memory; returns the highest sample. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMib: number }> {
  let peak = Deno.memoryUsage().rss;
  const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 50);
  try {
    const result = await work();
    return { result, peakMib: Math.round(Math.max(peak, Deno.memoryUsage().rss) / MIB) };
  } finally {
    clearInterval(sampler);
  }
}

async function runWrk(
  url: string,
  { script, connections = WRK_CONNECTIONS }: { script?: string; connections?: number } = {},
) {
  const output = await new Deno.Command("wrk", {
    args: [
      "-t2",
      `-c${connections}`,
      `-d${WRK_SECONDS}s`,
      "--latency",
      ...(script ? ["-s", script] : []),
      url,
    ],
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}`);
  const count = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const latency = (label: string) => toMs(new RegExp(`${label}\\s+([\\d.]+\\w+)`).exec(text)![1]);
  return {
    requestsPerSecond: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(text)![1])),
    p50: latency("50%"),
    p99: latency("99%"),
    errors: count(/Non-2xx or 3xx responses: (\d+)/),
    // Requests wrk gave up on after its 2 s time-out: their latency is not in the percentiles.
    timeouts: count(/Socket errors: .*timeout (\d+)/),
  };
}

function toMs(value: string): string {
  const number = parseFloat(value);
  const ms = value.endsWith("us") ? number / 1000 : value.endsWith("ms") ? number : number * 1000;
  return ms.toFixed(2);
}

/** Mean time of the endpoint's query alone, sequentially, after a warm-up. */
async function bareQueryMs(sql: Sql, start: string, end: string): Promise<number> {
  const range = {
    perimeter: "France",
    start: new Date(parseIsoInZone(start, PARIS, "earlier")),
    end: new Date(parseIsoInZone(end, PARIS, "later")),
  };
  for (let i = 0; i < 20; i++) await listConsumption(sql, range);
  const runs = 200;
  const started = performance.now();
  for (let i = 0; i < runs; i++) await listConsumption(sql, range);
  return (performance.now() - started) / runs;
}

async function psql(command: string) {
  const output = await new Deno.Command("psql", {
    args: [BENCH_URL, "-X", "-q", "-c", command],
  }).output();
  if (output.code !== 0) throw new Error(new TextDecoder().decode(output.stderr));
}
