/**
 * A load that fails, wherever in the file and however, leaves `rte_consumption` byte for byte
 * as it was: on a first load (plain INSERT) and over stored rows (upsert), from the CLI and
 * from a refresh. The files span several batches, so a write is under way when a load fails.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createSql, type Sql } from "../db/client.ts";
import { sleep } from "../ingest/http.ts";
import { main } from "../ingest/rte/cli.ts";
import { loadRteSource, loadRteStream } from "../ingest/rte/load.ts";
import { consumptionDigest, createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import { consecutiveDates, eco2mixXls, halfHourlyDay, zipOf } from "./helpers/rte_fixtures.ts";
import { CONSOLIDATED_ZIP, refreshFromStub, startRteStub } from "./helpers/rte_stub.ts";

const XLS = "eCO2mix_RTE_En-cours-Consolide.xls";
const BASE_MW = 30_000;
/** 28 800 half-hours: eleven batches of 2 500 and a last one. */
const SWEEP_DAYS = 600;
/** Four batches, from 2017-01-01 to 2017-07-19. */
const SHORT_DAYS = 200;

/**
 * A consolidated file from 2017-01-01 on in which every value is BASE_MW + edition + its line
 * number: a stored value tells which line it came from.
 */
function numberedFile(days: number, edition: number): Uint8Array<ArrayBuffer> {
  const rows = consecutiveDates("2017-01-01", days)
    .flatMap((date) => halfHourlyDay(date, () => 0))
    .map((row, i) =>
      row.consumption === "" ? row : { ...row, consumption: String(BASE_MW + edition + i + 2) }
    );
  return eco2mixXls(rows, { nature: "consolidated" });
}

/** The last data line of a numbered file (23:45 of its last day, without consumption). */
function lastLine(days: number): number {
  return days * 96 + 1;
}

/** `file` with "12a4" as the Consommation (fifth field) of line `line`. */
function withBadValue(file: Uint8Array, line: number): Uint8Array<ArrayBuffer> {
  const TAB = 9;
  let start = 0;
  for (let n = 1; n < line; n++) start = file.indexOf(10, start) + 1;
  for (let field = 1; field < 5; field++) start = file.indexOf(TAB, start) + 1;
  const end = file.indexOf(TAB, start);
  const bad = new TextEncoder().encode("12a4");
  const patched = new Uint8Array(file.length - (end - start) + bad.length);
  patched.set(file.subarray(0, start));
  patched.set(bad, start);
  patched.set(file.subarray(end), start + bad.length);
  return patched;
}

async function withTempFile<T>(bytes: Uint8Array, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/${XLS}`, bytes);
    return await use(`${dir}/${XLS}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Loads a file through an entry point; returns its error, or undefined when it loaded. */
type EntryPoint = (sql: Sql, xls: Uint8Array) => Promise<string | undefined>;

const loadWithCli: EntryPoint = (sql, xls) =>
  withTempFile(xls, async (path) => {
    const errors: string[] = [];
    const { log, error } = console;
    console.log = () => {};
    console.error = (line: string) => errors.push(line);
    try {
      return await main([path], { sql }) === 0 ? undefined : errors.join("\n");
    } finally {
      Object.assign(console, { log, error });
    }
  });

/** A refresh from a stub of RTE serving the file as its En-cours-Consolide zip. */
const loadWithRefresh: EntryPoint = async (sql, xls) => {
  await using stub = startRteStub();
  stub.publish(CONSOLIDATED_ZIP, zipOf(XLS, xls));
  const { report } = await refreshFromStub(sql, stub.url);
  if (report.outcome === "skipped") throw new Error("the refresh was skipped");
  const file = report.files.find((file) => file.name === CONSOLIDATED_ZIP);
  assert.ok(file);
  return file.status === "loaded" ? undefined : file.error ?? file.status;
};

const ENTRY_POINTS = [["the CLI", loadWithCli], ["a refresh", loadWithRefresh]] as const;
const PATHS = ["first load", "upsert"] as const;

/**
 * A database where loading the short numbered file is a first load (the table holds one
 * unrelated day) or an upsert (the file's edition 0 is stored).
 */
async function databaseFor(path: typeof PATHS[number], load: EntryPoint) {
  const db = await createTestDatabase();
  if (path === "upsert") {
    assert.equal(await load(db.sql, numberedFile(SHORT_DAYS, 0)), undefined);
  } else {
    const other = eco2mixXls(halfHourlyDay("2016-06-01", () => 45_000));
    await loadRteSource(db.sql, { name: "other.xls", bytes: other });
  }
  return db;
}

interface Batch {
  firstLine: number;
  lastLine: number;
}

/** Loads a file as the CLI reads it (same chunks); returns the lines each batch spans. */
async function loadInBatches(sql: Sql, xls: Uint8Array): Promise<Batch[]> {
  const flushedAt: number[] = [];
  await withTempFile(xls, async (path) => {
    using file = await Deno.open(path);
    await loadRteStream(sql, XLS, file.readable, (_, rowsRead) => flushedAt.push(rowsRead));
  });
  const lines = (await sql<{ mw: number }[]>`
    select consumption_mw as mw from rte_consumption
    where source_file = ${XLS} order by period_start`).map((row) => row.mw - BASE_MW);
  return flushedAt.map((end, k) => ({
    firstLine: lines[k === 0 ? 0 : flushedAt[k - 1]],
    lastLine: lines[end - 1],
  }));
}

Deno.test("a bad value on the first line, the last line or either side of any batch boundary leaves rte_consumption byte-identical", async () => {
  await using db = await createTestDatabase();
  const batches = await loadInBatches(db.sql, numberedFile(SWEEP_DAYS, 0));
  assert.ok(batches.length >= 10, `only ${batches.length} batches`);
  // Every other batch's rows go: the write under way when a load fails is then a first load
  // of its range (plain INSERT) on one side of each boundary, an upsert on the other.
  for (const [k, batch] of batches.entries()) {
    if (k % 2 === 1) {
      await db.sql`delete from rte_consumption
        where consumption_mw between ${BASE_MW + batch.firstLine} and ${BASE_MW + batch.lastLine}`;
    }
  }
  const badLines = [
    2,
    ...batches.slice(1).flatMap((batch, k) => [batches[k].lastLine, batch.firstLine]),
    lastLine(SWEEP_DAYS),
  ];
  const edition1 = numberedFile(SWEEP_DAYS, 1);
  const before = await consumptionDigest(db.sql);
  for (const badLine of badLines) {
    assert.equal(
      await loadWithCli(db.sql, withBadValue(edition1, badLine)),
      `error: ${XLS}: line ${badLine}: Cannot parse consumption "12a4": expected whole MW`,
    );
    assert.equal(await consumptionDigest(db.sql), before, `bad line ${badLine}`);
  }
  // The same file without the bad value does change the table.
  assert.equal(await loadWithCli(db.sql, edition1), undefined);
  assert.notEqual(await consumptionDigest(db.sql), before);
});

for (const [entry, load] of ENTRY_POINTS) {
  Deno.test(`a file that fails to parse on its first, a middle or its last line through ${entry} leaves rte_consumption byte-identical, on a first load and on an upsert`, async () => {
    for (const path of PATHS) {
      await using db = await databaseFor(path, load);
      const before = await consumptionDigest(db.sql);
      const edition1 = numberedFile(SHORT_DAYS, 1);
      for (const badLine of [2, 9_000, lastLine(SHORT_DAYS)]) {
        const error = await load(db.sql, withBadValue(edition1, badLine));
        const expected = `: line ${badLine}: Cannot parse consumption "12a4": expected whole MW`;
        assert.ok(error?.endsWith(expected), `${path}: ${error}`);
        assert.equal(await consumptionDigest(db.sql), before, `${path}, bad line ${badLine}`);
      }
    }
  });
}

/**
 * Runs `load` and terminates its backend in the middle of the file: once it waits on a row
 * that another transaction holds (2017-05-15 12:00, in the third of four batches).
 */
async function killedMidFile(
  db: TestDatabase,
  load: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const admin = postgres(db.url, { max: 2, onnotice: () => {} });
  const holder = await admin.reserve();
  try {
    await holder`begin`;
    await holder`
      insert into ${holder(db.schema)}.rte_consumption
        (perimeter, period_start, consumption_mw, nature, source_file)
      values ('France', '2017-05-15T10:00:00Z', 1, 'real_time', 'holder')
      on conflict (perimeter, period_start) do update set source_file = 'holder'`;
    const [{ pid: holderPid }] = await holder`select pg_backend_pid() as pid`;
    const loading = load();
    for (let tries = 0;; tries++) {
      const [blocked] = await admin`
        select pid from pg_stat_activity where ${holderPid} = any(pg_blocking_pids(pid))`;
      if (blocked) {
        await admin`select pg_terminate_backend(${blocked.pid}, 5000)`;
        break;
      }
      if (tries === 500) throw new Error("the load never reached the held row");
      await sleep(10);
    }
    return await loading;
  } finally {
    await holder`rollback`;
    holder.release();
    await admin.end();
  }
}

for (const [entry, load] of ENTRY_POINTS) {
  Deno.test(`a load through ${entry} whose connection is killed mid-file fails, leaves rte_consumption byte-identical, and the same file then loads`, async () => {
    for (const path of PATHS) {
      await using db = await databaseFor(path, load);
      const before = await consumptionDigest(db.sql);
      const edition1 = numberedFile(SHORT_DAYS, 1);
      // The loads get a pool of their own, to check that it still closes afterwards.
      const sql = createSql(db.url, { schema: db.schema });
      try {
        // A crash of the process (a library error thrown from a timer) would fail the test too.
        const error = await killedMidFile(db, () => load(sql, edition1));
        assert.match(
          error ?? "loaded",
          /terminating connection|CONNECTION_CLOSED|ECONNRESET/,
          path,
        );
        assert.equal(await consumptionDigest(db.sql), before, path);
        assert.equal(await load(sql, edition1), undefined, path);
        assert.notEqual(await consumptionDigest(db.sql), before, path);
      } finally {
        const started = performance.now();
        await sql.end({ timeout: 5 });
        assert.ok(
          performance.now() - started < 5_000,
          `${path}: the pool closed only by force: a query it sent never settled`,
        );
      }
    }
  });
}
