/**
 * GET /api/status is public, so its queries must cost the same on a full table as on an empty
 * one. Each test fills its schema with generated rows (more than the real data holds), then
 * runs EXPLAIN (ANALYZE, BUFFERS) on the very SQL text the query function sends and bounds the
 * pages it touched, both before the table has statistics (right after a bulk load) and after
 * ANALYZE. No timings: page counts do not depend on the machine.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import { latestStationHours, listStations } from "../db/air_quality.ts";
import { latestConsumption } from "../db/consumption.ts";
import { newestSeenAt } from "../db/events.ts";
import { latestRuns } from "../db/run_log.ts";
import type { Sql } from "../db/client.ts";

const PERIMETERS = ["Auvergne-Rhône-Alpes", "Bretagne", "France", "Normandie", "Occitanie"];
const HALF_HOURS_PER_PERIMETER = 40_000; // 200 000 rows, about 2.3 years each
// A descent of the primary key is 3 pages at this size; a few per perimeter, whatever the rows.
const MAX_PAGES = 100;
const RUNS_PER_SOURCE = 5 * 365 * 24;
const STATIONS = 5;
const HOURS_PER_STATION = 40_000; // 200 000 rows, about 4.5 years each
const EVENTS = 200_000;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Shared Hit Blocks": number;
  "Shared Read Blocks": number;
  Plans?: PlanNode[];
}

Deno.test("the newest half-hour per perimeter reads a bounded number of pages of a 200 000-row table", async () => {
  await using db = await createTestDatabase();
  await db.sql`
    insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
    select perimeter, timestamptz '2020-01-01 00:00Z' + i * interval '30 minutes', 50000,
      case when i >= ${HALF_HOURS_PER_PERIMETER - 96} then 'real_time' else 'definitive' end
        ::rte_nature,
      'generated'
    from unnest(${PERIMETERS}::text[]) perimeter,
      generate_series(0, ${HALF_HOURS_PER_PERIMETER - 1}) i`;

  assert.deepEqual(
    [...await latestConsumption(db.sql)],
    [
      ...await db.sql`
        select distinct on (perimeter) perimeter, period_start, nature
        from rte_consumption order by perimeter, period_start desc`,
    ],
    "same rows as a DISTINCT ON over the whole table",
  );
  assert.ok(await tablePages(db.sql, "rte_consumption") > 10 * MAX_PAGES, "the table is large");
  await assertBoundedCost(db, latestConsumption, "rte_consumption");
  await db.sql`analyze rte_consumption`;
  await assertBoundedCost(db, latestConsumption, "rte_consumption");
});

Deno.test("the last run and last success per source read a bounded number of pages of a long history", async () => {
  await using db = await createTestDatabase();
  // Five years of hourly runs of two sources, one in ten failed, and failing for the last
  // three weeks (504 runs).
  await db.sql`
    insert into refresh_runs (source, started_at, finished_at, outcome, items, rows_changed)
    select source, timestamptz '2026-01-01Z' - i * interval '1 hour',
      timestamptz '2026-01-01Z' - i * interval '1 hour' + interval '1 minute',
      case when i < 504 or i % 10 = 0 then 'failed' else 'succeeded' end,
      '[{"name": "eCO2mix_RTE_En-cours-TR.zip", "status": "loaded", "rowsChanged": 4}]', 4
    from unnest(${["airqino", "rte"]}::text[]) source,
      generate_series(0, ${RUNS_PER_SOURCE - 1}) i`;

  const runs = await latestRuns(db.sql);
  assert.deepEqual(
    runs.map((run) => [run.source, run.lastRun?.started_at, run.lastSuccess?.started_at]),
    ["airqino", "rte"].map((source) => [
      source,
      new Date("2026-01-01T00:00:00Z"),
      new Date("2025-12-11T00:00:00Z"), // 504 runs back
    ]),
  );
  assert.ok(await tablePages(db.sql, "refresh_runs") > 10 * MAX_PAGES, "the table is large");
  await assertBoundedCost(db, latestRuns, "refresh_runs");
  await db.sql`analyze refresh_runs`;
  await assertBoundedCost(db, latestRuns, "refresh_runs");
});

Deno.test("the newest hour per AirQino station reads a bounded number of pages of a 200 000-row table", async () => {
  await using db = await createTestDatabase();
  await db.sql`
    insert into airqino_stations (station_id, header, fetched_at)
    select 283164600 + s, '{}', now() from generate_series(1, ${STATIONS}) s`;
  await db.sql`
    insert into airqino_hourly (station_id, hour_start, pm25, raw, fetched_at)
    select 283164600 + s, timestamptz '2023-01-01Z' + (h + s) * interval '1 hour', 20,
      '{"PM2.5": 20}', now()
    from generate_series(1, ${STATIONS}) s, generate_series(0, ${HOURS_PER_STATION - 1}) h`;

  assert.deepEqual(
    [...await latestStationHours(db.sql)],
    [
      ...await db.sql`
        select station_id::text, max(hour_start) as hour_start
        from airqino_hourly group by station_id order by station_id`,
    ],
    "same rows as a GROUP BY over the whole table",
  );
  await assertBoundedBeforeAndAfterAnalyze(db, latestStationHours, "airqino_hourly");
});

Deno.test("the newest stored event reads a bounded number of pages of a 200 000-row table", async () => {
  await using db = await createTestDatabase();
  await db.sql`
    insert into ticketmaster_events (id, title, local_date, segment_ids, last_seen_at)
    select 'G' || i, 'Spectacle ' || i, date '2025-01-01' + i % 365, '{}',
      timestamptz '2025-01-01Z' + (i % 1000) * interval '1 hour'
    from generate_series(1, ${EVENTS}) i`;

  assert.deepEqual(await newestSeenAt(db.sql), new Date("2025-02-11T15:00:00Z"));
  await assertBoundedBeforeAndAfterAnalyze(db, newestSeenAt, "ticketmaster_events");
});

Deno.test("a station's last run reads a bounded number of pages of a long run log", async () => {
  await using db = await createTestDatabase();
  // Five years of hourly AirQino runs of two stations, each with its item in every run.
  await db.sql`
    insert into airqino_stations (station_id, header, fetched_at)
    values (283164601, '{}', now()), (283181971, '{}', now())`;
  await db.sql`
    insert into refresh_runs (source, started_at, finished_at, outcome, items, rows_changed)
    select 'airqino', timestamptz '2026-01-01Z' - i * interval '1 hour',
      timestamptz '2026-01-01Z' - i * interval '1 hour' + interval '1 minute', 'succeeded',
      jsonb_build_array(
        jsonb_build_object('name', '283164601', 'status', 'ok', 'rowsChanged', 1,
          'finishedAt', timestamptz '2026-01-01Z' - i * interval '1 hour'),
        jsonb_build_object('name', '283181971', 'status', 'failed', 'error', 'HTTP 401',
          'finishedAt', timestamptz '2026-01-01Z' - i * interval '1 hour')), 1
    from generate_series(0, ${RUNS_PER_SOURCE - 1}) i`;

  const stations = await listStations(db.sql);
  assert.deepEqual(
    stations.map((s) => [s.station_id, s.last_run_at, s.last_run_status, s.last_run_error]),
    [
      ["283164601", new Date("2026-01-01T00:00:00Z"), "ok", null],
      ["283181971", new Date("2026-01-01T00:00:00Z"), "failed", "HTTP 401"],
    ],
  );
  // The two-row station table may be read whole; the run log may not.
  await assertBoundedBeforeAndAfterAnalyze(db, listStations, "refresh_runs", ["airqino_stations"]);
});

/** On a large `table`, the query's cost is bounded right after the load and after ANALYZE. */
async function assertBoundedBeforeAndAfterAnalyze(
  db: TestDatabase,
  query: (sql: Sql) => Promise<unknown>,
  table: string,
  smallTables: string[] = [],
) {
  assert.ok(await tablePages(db.sql, table) > 10 * MAX_PAGES, "the table is large");
  await assertBoundedCost(db, query, table, smallTables);
  await db.sql`analyze ${db.sql(table)}`;
  await assertBoundedCost(db, query, table, smallTables);
}

async function assertBoundedCost(
  db: TestDatabase,
  query: (sql: Sql) => Promise<unknown>,
  table: string,
  smallTables: string[] = [],
) {
  const plan = await explain(db, query, table);
  assert.deepEqual(
    seqScans(plan).filter((scanned) => !smallTables.includes(scanned)),
    [],
    "no sequential scan",
  );
  const pages = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]; // children included
  assert.ok(pages < MAX_PAGES, `${pages} pages read`);
}

/**
 * Runs `query` once to capture its SQL text and parameters, then returns EXPLAIN ANALYZE's plan
 * of that text with those parameters.
 */
async function explain(
  db: TestDatabase,
  query: (sql: Sql) => Promise<unknown>,
  table: string,
): Promise<PlanNode> {
  const sent: { text: string; parameters: postgres.ParameterOrJSON<never>[] }[] = [];
  const tracing = postgres(db.url, {
    max: 1,
    onnotice: () => {},
    connection: { search_path: db.schema },
    debug: (_connection, text, parameters) => sent.push({ text, parameters }),
  });
  try {
    await query(tracing);
  } finally {
    await tracing.end();
  }
  const [found] = sent.filter(({ text }) => text.includes(table));
  assert.ok(found, `no query on ${table} was sent`);
  const [row] = await db.sql.unsafe(
    `explain (analyze, buffers, format json) ${found.text}`,
    found.parameters,
  );
  return row["QUERY PLAN"][0].Plan;
}

function seqScans(node: PlanNode): string[] {
  const own = node["Node Type"] === "Seq Scan" ? [node["Relation Name"] ?? "?"] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

async function tablePages(sql: Sql, table: string): Promise<number> {
  const [row] =
    await sql`select pg_relation_size(${table}) / current_setting('block_size')::int as pages`;
  return Number(row.pages);
}
