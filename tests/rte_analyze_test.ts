/**
 * Loads leave `rte_consumption` analysed, so the planner has statistics right after an ingest
 * even where autovacuum is slow or off. Autovacuum is off for the table in every test: what
 * analyses it is the load.
 */
import assert from "node:assert/strict";
import type { Sql } from "../db/client.ts";
import { loadRteSource } from "../ingest/rte/load.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { consecutiveDates, eco2mixXls, halfHourlyDay } from "./helpers/rte_fixtures.ts";

interface Statistics {
  /** pg_class.reltuples: -1 until the table is first analysed (or vacuumed). */
  reltuples: number;
  analyzeCount: number;
  lastAnalyze: Date | null;
  /** Columns with statistics in pg_stats. */
  columns: string[];
}

async function statistics(sql: Sql): Promise<Statistics> {
  const [row] = await sql<Statistics[]>`
    select c.reltuples, s.analyze_count::int as "analyzeCount", s.last_analyze as "lastAnalyze",
      array(
        select p.attname::text from pg_stats p
        where p.schemaname = n.nspname and p.tablename = c.relname
        order by 1
      ) as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_stat_user_tables s on s.relid = c.oid
    where c.oid = 'rte_consumption'::regclass`;
  return row;
}

async function databaseWithoutAutovacuum() {
  const db = await createTestDatabase();
  await db.sql`alter table rte_consumption set (autovacuum_enabled = false)`;
  return db;
}

/** A definitive file of `days` days from `first` on, every half-hour at `mw`. */
function definitiveFile(first: string, days: number, mw: number) {
  const rows = consecutiveDates(first, days).flatMap((date) => halfHourlyDay(date, () => mw));
  return { name: `${first}+${days}.xls`, bytes: eco2mixXls(rows) };
}

Deno.test("a first load analyses rte_consumption, and loading the same file again does not", async () => {
  await using db = await databaseWithoutAutovacuum();
  const before = await statistics(db.sql);
  assert.equal(before.reltuples, -1);
  assert.equal(before.analyzeCount, 0);

  const file = definitiveFile("2018-01-01", 10, 50_000);
  assert.equal((await loadRteSource(db.sql, file)).rowsChanged, 480);
  const analysed = await statistics(db.sql);
  assert.equal(analysed.reltuples, 480);
  assert.equal(analysed.analyzeCount, 1);
  assert.ok(analysed.lastAnalyze);
  // What the service's queries filter and order on.
  assert.deepEqual(analysed.columns, ["nature", "perimeter", "period_start"]);

  assert.equal((await loadRteSource(db.sql, file)).rowsChanged, 0);
  assert.deepEqual(await statistics(db.sql), analysed);
});

Deno.test("a load changing under a tenth of the rows does not analyse again; a larger one does", async () => {
  await using db = await databaseWithoutAutovacuum();
  await loadRteSource(db.sql, definitiveFile("2018-01-01", 60, 50_000));
  const analysed = await statistics(db.sql);
  assert.equal(analysed.reltuples, 2_880);
  assert.equal(analysed.analyzeCount, 1);

  // 48 new values: below 50 + 10 % of 2 880 rows.
  assert.equal(
    (await loadRteSource(db.sql, definitiveFile("2018-01-01", 1, 51_000))).rowsChanged,
    48,
  );
  assert.deepEqual(await statistics(db.sql), analysed);

  // Ten days rewritten and ten new ones: 960 rows, above.
  assert.equal(
    (await loadRteSource(db.sql, definitiveFile("2018-02-20", 20, 52_000))).rowsChanged,
    960,
  );
  const reanalysed = await statistics(db.sql);
  assert.equal(reanalysed.reltuples, 3_360);
  assert.equal(reanalysed.analyzeCount, 2);
});
