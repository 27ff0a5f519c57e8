/**
 * The database failing under our feet: backends terminated in the middle of queries,
 * transactions and reserved connections, and a scheduled job losing the database mid-run.
 * None of it may crash the process, leave the pool unusable, or commit part of a transaction.
 * (A crash would end this test process, failing every test after it.)
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { loadConfig } from "../config.ts";
import { createSql, type Sql, type Transaction } from "../db/client.ts";
import { listRuns } from "../db/run_log.ts";
import { inTransaction, TransactionEndedError } from "../db/transaction.ts";
import { sleep } from "../ingest/http.ts";
import { rteRefreshJob } from "../ingest/rte/refresh.ts";
import { startScheduler } from "../ingest/scheduler.ts";
import { waitFor } from "./helpers/wait.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { FAST_HTTP, publishCurrentFiles, startRteStub } from "./helpers/rte_stub.ts";
import { startTcpProxy } from "./helpers/tcp_proxy.ts";

async function withAdmin<T>(url: string, work: (admin: Sql) => Promise<T>): Promise<T> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function terminate(admin: Sql, pid: number): Promise<void> {
  await admin`select pg_terminate_backend(${pid})`;
}

async function backendPid(sql: Sql | Transaction): Promise<number> {
  const [{ pid }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return pid;
}

Deno.test("a pooled connection terminated in the middle of a query fails that query only; the pool goes on and closes cleanly", async () => {
  await using db = await createTestDatabase();
  const sql = createSql(db.url, { schema: db.schema, max: 1 });
  await withAdmin(db.url, async (admin) => {
    const pid = await backendPid(sql);
    const sleeping = sql`select pg_sleep(5)`.execute();
    await sleep(100);
    await terminate(admin, pid);
    await assert.rejects(sleeping);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual([...await sql`select ${i}::int as i`], [{ i }]);
    }
    assert.notEqual(await backendPid(sql), pid, "a new session replaced the dead one");
  });
  await sql.end(); // never returned with the library unpatched
});

Deno.test("a transaction whose connection is terminated fails, writes nothing, and leaves the pool usable", async () => {
  await using db = await createTestDatabase();
  await db.sql`create table faults (n integer)`;
  await withAdmin(db.url, async (admin) => {
    await assert.rejects(
      inTransaction(db.sql, async (tx) => {
        await tx`insert into faults values (1)`;
        const pid = await backendPid(tx);
        await terminate(admin, pid);
        await sleep(100);
        await tx`insert into faults values (2)`;
      }),
    );
    await assert.rejects(
      inTransaction(db.sql, async (tx) => {
        await tx`insert into faults values (3)`;
        await terminate(admin, await backendPid(tx));
        await sleep(100);
        throw new Error("a parse error after the connection died");
      }),
    );
  });
  assert.deepEqual([...await db.sql`select count(*)::int as n from faults`], [{ n: 0 }]);
});

Deno.test("a query started on a transaction after its work failed is refused instead of committing on its own", async () => {
  await using db = await createTestDatabase();
  await db.sql`create table faults (n integer)`;
  let late: Promise<unknown> | undefined;
  await assert.rejects(
    inTransaction(db.sql, (tx) => {
      late = (async () => {
        await sleep(50); // still preparing a write when the work fails
        await tx`insert into faults values (1)`;
      })();
      late.catch(() => {});
      return Promise.reject(new Error("Cannot parse consumption"));
    }),
    /Cannot parse consumption/,
  );
  await assert.rejects(late!, TransactionEndedError);
  assert.deepEqual([...await db.sql`select count(*)::int as n from faults`], [{ n: 0 }]);
});

Deno.test("a reserved connection terminated while held fails its queries, and releasing it leaves the pool working", async () => {
  await using db = await createTestDatabase();
  const sql = createSql(db.url, { schema: db.schema, max: 1 });
  await withAdmin(db.url, async (admin) => {
    const reserved = await sql.reserve();
    await terminate(admin, await backendPid(reserved));
    await sleep(100);
    await assert.rejects(reserved`select 1`);
    reserved.release();
    assert.deepEqual([...await sql`select 1 as one`], [{ one: 1 }]);
  });
  await sql.end();
});

for (const mode of ["refuse", "reset"] as const) {
  const how = mode === "refuse" ? "refuses connections" : "accepts and closes connections";
  Deno.test(`a scheduled refresh whose database ${how} mid-run fails without crashing, is recorded, and the next run succeeds`, async () => {
    await using db = await createTestDatabase();
    await using stub = startRteStub();
    publishCurrentFiles(stub);
    stub.delayMs = 300; // the run is waiting for RTE when the database goes away
    await using proxy = startTcpProxy(db.url);
    const sql = createSql(proxy.url, { schema: db.schema });
    const config = loadConfig({
      DATABASE_URL: db.url,
      RTE_BASE_URL: stub.url,
      RTE_BACKFILL_YEARS: "0",
    });
    const lines: string[] = [];
    const scheduler = startScheduler(sql, [
      rteRefreshJob({ sql, config }, {
        intervalMs: 50,
        http: FAST_HTTP,
        log: (l) => lines.push(l),
      }),
    ], (line) => lines.push(line));
    try {
      await waitFor(async () => (await listRuns(db.sql, "rte")).length === 1, "a run to start");
      await proxy.setMode(mode);
      await waitFor(
        () => lines.some((line) => /rte-refresh: .*CONNECTION|ECONN/.test(line)),
        "the failure",
      );
      stub.delayMs = 0;
      await proxy.setMode("forward");
      await waitFor(
        async () => (await listRuns(db.sql, "rte")).some((run) => run.outcome === "succeeded"),
        "a successful run",
      );
    } finally {
      await scheduler.stop();
      await sql.end({ timeout: 1 });
    }
    const runs = (await listRuns(db.sql, "rte")).reverse();
    assert.equal(runs[0].outcome, "failed", JSON.stringify(runs[0]));
    assert.match(runs[0].error ?? "", /CONNECTION|abandoned/);
    assert.ok(runs.some((run) => run.outcome === "succeeded"));
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from rte_consumption`;
    assert.ok(n > 0, "the successful run loaded the files");
  });
}
