/**
 * `deno task ingest` killed with SIGKILL in the middle of a file commits nothing, on a first
 * load and over stored rows: the server rolls back a transaction whose client vanished. The
 * CLI runs as a real process on a throwaway database of its own.
 */
import assert from "node:assert/strict";
import type { Sql } from "../db/client.ts";
import { withDatabase } from "../db/migrate.ts";
import { openDatabase } from "../db/open.ts";
import { sleep } from "../ingest/http.ts";
import { loadRteSource } from "../ingest/rte/load.ts";
import { consumptionDigest } from "./helpers/database.ts";
import { consecutiveDates, eco2mixXls, halfHourlyDay } from "./helpers/rte_fixtures.ts";

const FILE_NAME = "eCO2mix_RTE_En-cours-Consolide.xls";
const DAYS = 600; // 28 800 half-hours: the load takes long enough to be killed in its middle

function consolidatedFile(mw: number): Uint8Array<ArrayBuffer> {
  const rows = consecutiveDates("2017-01-01", DAYS).flatMap((date) =>
    halfHourlyDay(date, () => mw)
  );
  return eco2mixXls(rows, { nature: "consolidated" });
}

function ingest(databaseUrl: string, path: string): Deno.ChildProcess {
  const dir = path.slice(0, path.lastIndexOf("/"));
  return new Deno.Command("deno", {
    args: [
      "run",
      "--allow-net=127.0.0.1:5432,localhost:5432",
      "--allow-env=DATABASE_URL,PG*,RTE_BASE_URL",
      `--allow-read=.,${dir}`,
      "ingest/rte/cli.ts",
      path,
    ],
    env: { DATABASE_URL: databaseUrl, NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits until the CLI's load is writing: it holds the loads' advisory lock. */
async function waitUntilLoading(sql: Sql): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [{ writing }] = await sql`
      select exists (
        select 1 from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and query ilike '%insert into rte_consumption%'
      ) as writing`;
    if (writing) return;
    await sleep(10);
  }
  throw new Error("the CLI never started writing");
}

async function withThrowawayDatabase(test: (sql: Sql, url: string) => Promise<void>) {
  const base = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `opendata_feeds_kill_${crypto.randomUUID().slice(0, 8)}`;
  const url = withDatabase(base, name);
  const sql = await openDatabase(url, { max: 2 });
  try {
    await test(sql, url);
  } finally {
    await sql.end();
    const admin = await openDatabase(withDatabase(base, "postgres"), { max: 1 });
    await admin.unsafe(`drop database "${name}" with (force)`);
    await admin.end();
  }
}

for (const stored of [false, true]) {
  const path = stored ? "over stored rows (upsert)" : "on an empty table (first load)";
  Deno.test(`deno task ingest killed with SIGKILL mid-file commits nothing ${path}, and the file then loads`, async () => {
    await withThrowawayDatabase(async (sql, url) => {
      if (stored) {
        await loadRteSource(sql, { name: "stored.xls", bytes: consolidatedFile(40_000) });
      }
      const before = await consumptionDigest(sql);
      const dir = await Deno.makeTempDir();
      try {
        await Deno.writeFile(`${dir}/${FILE_NAME}`, consolidatedFile(50_000));
        const killed = ingest(url, `${dir}/${FILE_NAME}`);
        await waitUntilLoading(sql);
        killed.kill("SIGKILL");
        assert.equal((await killed.status).signal, "SIGKILL");
        // The loads' lock is free once the server has rolled the dead client's transaction back.
        await sql`select pg_advisory_lock(hashtextextended('rte_consumption loads', 0))`;
        await sql`select pg_advisory_unlock(hashtextextended('rte_consumption loads', 0))`;
        assert.equal(await consumptionDigest(sql), before, "rte_consumption is byte-identical");

        const status = await ingest(url, `${dir}/${FILE_NAME}`).status;
        assert.equal(status.code, 0);
        const [{ loaded, other }] = await sql<{ loaded: number; other: number }[]>`
          select count(*) filter (where consumption_mw = 50000)::int as loaded,
                 count(*) filter (where consumption_mw <> 50000)::int as other
          from rte_consumption`;
        assert.equal(loaded, DAYS * 48 - 2 * 2, "every half-hour (two spring DST days of 46)");
        assert.equal(other, 0);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  });
}
