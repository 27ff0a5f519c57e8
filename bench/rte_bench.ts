/**
 * `deno task bench`, in one run on a database of its own (dropped at the end):
 * 1. ingest of the six real annual files into an empty table next to a plain COPY of the same
 *    rows (the floor), five interleaved runs;
 * 2. GET /api/consumption for a day, a month and a year, a window never asked before on every
 *    request (bench/windows.ts), cache off and on, next to pgbench on the same SELECT and to a
 *    static body of the same size through the same app; GET /api/status;
 * 3. the service's peak memory under 64 and 256 connections, next to the deployed limits;
 * 4. the reads again with 10× the rows (synthetic years): their cost must follow the range.
 * The service runs as deployed: service.ts with the Dockerfile's SERVE_THREADS and
 * DENO_V8_FLAGS, in a process of its own (bench/served.ts).
 * Prints Markdown tables on stdout, progress on stderr. Needs ../shared/data/rte, and `wrk`,
 * `pgbench` and `psql` (Debian: apt-get install -y wrk postgresql-client).
 */
import { createSql } from "../db/client.ts";
import { ensureDatabase, migrate, withDatabase } from "../db/migrate.ts";
import { composeMib, heapLimitOf } from "../deploy/validate.ts";
import {
  addSyntheticCopies,
  countRows,
  dropDatabase,
  loadIslands,
  postgresVersion,
  vacuumAnalyze,
} from "./data.ts";
import { benchIngest } from "./ingest_bench.ts";
import { count, markdownTable, times } from "./markdown.ts";
import { listConsumptionSelect } from "./pgbench.ts";
import {
  type BenchContext,
  benchMemory,
  benchReads,
  benchStatus,
  readsTable,
  type SizeResult,
  windowsLine,
} from "./reads_bench.ts";
import { WRK_CONNECTIONS, WRK_SECONDS, WRK_THREADS } from "./wrk.ts";

const ANNUAL_DIR = "../shared/data/rte/national/annuel-definitif";
const BENCH_URL = withDatabase(
  Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres",
  "opendata_feeds_bench",
);
const INGEST_RUNS = 5;
const SYNTHETIC_COPIES = 9;
const GIB = 2 ** 30;

const tools = await toolVersions();
await ensureDatabase(BENCH_URL);
const admin = createSql(BENCH_URL, { max: 2 });
const workDir = await Deno.makeTempDir({ prefix: "rte_bench_" });
try {
  await migrate(admin);
  const memoryGib = Deno.systemMemoryInfo().total / GIB;
  console.log(
    `Machine: ${navigator.hardwareConcurrency} cores, ${memoryGib.toFixed(0)} GiB RAM, ` +
      `Deno ${Deno.version.deno}, PostgreSQL ${await postgresVersion(admin)}, ${tools}, ` +
      "loopback.\n",
  );
  console.log(
    await benchIngest(admin, { url: BENCH_URL, annualDir: ANNUAL_DIR, runs: INGEST_RUNS, workDir }),
  );
  await vacuumAnalyze(admin);
  const ctx: BenchContext = {
    admin,
    url: BENCH_URL,
    select: await listConsumptionSelect(),
    workDir,
  };
  const baseRows = await countRows(admin);
  const wrk = `wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS} -d${WRK_SECONDS}s --latency`;
  console.log(
    `\nGET /api/consumption under \`${wrk}\`, each run after a 2 s warm-up, over the ` +
      `${count(baseRows)} loaded half-hours (after \`VACUUM ANALYZE\`). Every request asks for ` +
      "a window nobody asked before in the run: a start to the second, drawn over all the " +
      "loaded years where the whole window lies in the data, bounds in UTC " +
      "(bench/windows.ts, bench/unique_windows.lua). Response cache off and on. Next to it: " +
      `\`pgbench -M prepared -c${WRK_CONNECTIONS} -j${WRK_THREADS} -T${WRK_SECONDS}\` on ` +
      "listConsumption's SELECT over random windows of the same length, and a prebuilt body " +
      "of the same size from a route mounted on the same app (every middleware), asked the " +
      "same way. A window holds days × 48 half-hours, 2 fewer for each autumn changeover it " +
      "spans (RTE's files give the repeated hour once). The service runs as deployed " +
      "(the Dockerfile's SERVE_THREADS serving threads and DENO_V8_FLAGS) in a process of " +
      "its own; peak RSS is that process's.\n",
  );
  const base = await benchReads(ctx);
  console.log(readsTable(base));
  console.log(`\n${windowsLine(base)}\n`);
  console.log(await benchStatus(ctx));
  const limits = await deployedLimits();
  console.log(`\n${limits.text}\n`);
  console.log(
    "Peak RSS of the service's process while 64 and 256 clients ask for years nobody " +
      "asked before, cache off, wrk waiting up to 5 s (past the service's 2.5 s deadline, so " +
      "requests it cannot take on in time show as non-2xx, not as time-outs):\n",
  );
  console.log(await benchMemory(ctx, limits.containerMib));

  const spanDays = await addSyntheticCopies(admin, await loadIslands(admin), SYNTHETIC_COPIES);
  await vacuumAnalyze(admin);
  const tenfoldRows = await countRows(admin);
  console.log(
    `\nThe same with ${SYNTHETIC_COPIES + 1}× the rows (${count(tenfoldRows)}): ` +
      `${SYNTHETIC_COPIES} copies of the loaded rows shifted back by multiples of ${spanDays} ` +
      "days (the loaded span, so copies never overlap), nature kept; windows drawn over all " +
      "of it:\n",
  );
  const tenfold = await benchReads(ctx);
  console.log(readsTable(tenfold));
  console.log(`\n${windowsLine(tenfold)}\n`);
  console.log(await benchStatus(ctx));
  console.log(
    `\nCost against the table's size (req/s):\n\n${
      scaleTable(base, tenfold, [baseRows, tenfoldRows])
    }`,
  );
} finally {
  await admin.end();
  await dropDatabase(BENCH_URL);
  await Deno.remove(workDir, { recursive: true });
}

/** What the deploy files allow the service, which the bench runs it with. */
async function deployedLimits(): Promise<{ text: string; containerMib?: number }> {
  const heap = heapLimitOf(await Deno.readTextFile("Dockerfile"));
  // The compose file's limit, which deploy/validate.ts keeps equal to Kubernetes' (a regex:
  // the yaml package reads environment variables this task may not).
  const containerMib = composeMib(
    /^\s*mem_limit:\s*(\S+)/m.exec(await Deno.readTextFile("docker-compose.yml"))?.[1],
  );
  const text = `Deployed, and run so here: ${heap?.isolates} serving threads (SERVE_THREADS), V8 ` +
    `heap limit ${heap?.mib} MiB in all (DENO_V8_FLAGS=${heap?.flags} each), in a ` +
    `${containerMib} MiB container.`;
  return { text, containerMib };
}

function scaleTable(
  base: SizeResult[],
  tenfold: SizeResult[],
  [baseRows, tenfoldRows]: [number, number],
): string {
  const rows = base.flatMap((size, i) => {
    const big = tenfold[i];
    const line = (what: string, pick: (result: SizeResult) => number) => [
      size.label,
      what,
      count(pick(size)),
      count(pick(big)),
      times(pick(big) / pick(size)),
    ];
    return [
      ...size.ours.map((_, cache) =>
        line(`ours, cache ${cache ? "on" : "off"}`, (r) => r.ours[cache].requestsPerSecond)
      ),
      line("pgbench, same SELECT", (r) => r.pgbench.requestsPerSecond),
    ];
  });
  return markdownTable(
    ["range", "server", `${count(baseRows)} rows`, `${count(tenfoldRows)} rows`, "ratio"],
    rows,
  );
}

/** The external tools' versions; a missing one stops the bench before it starts. */
async function toolVersions(): Promise<string> {
  const versions = [];
  for (
    const [tool, flag, install] of [
      ["wrk", "-v", "apt-get install -y wrk"],
      ["pgbench", "--version", "apt-get install -y postgresql-client"],
      ["psql", "--version", "apt-get install -y postgresql-client"],
    ]
  ) {
    try {
      const output = await new Deno.Command(tool, { args: [flag], stdin: "null" }).output();
      const version = /\d+\.\d+(\.\d+)?/.exec(new TextDecoder().decode(output.stdout))?.[0];
      versions.push(version ? `${tool} ${version}` : tool);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      console.error(`error: ${tool} is missing; the bench needs it (Debian: ${install})`);
      Deno.exit(1);
    }
  }
  return versions.join(", ");
}
