/** The bench's database: what the table holds, and the synthetic years that make it 10×. */
import { createSql, type Sql } from "../db/client.ts";
import { notifyConsumptionChanged } from "../db/consumption.ts";
import { quoteIdentifier, withDatabase } from "../db/migrate.ts";
import { inTransaction } from "../db/transaction.ts";
import { DAY_S, HALF_HOUR_S, type Island } from "./windows.ts";

/** The perimeter every request and pgbench transaction asks for: the API's default. */
export const PERIMETER = "France";

/**
 * RTE's annual files give the autumn changeover's repeated hour once: a stretch of loaded data
 * may lack up to a day, and only a longer hole (2016, between the files) ends it.
 */
const LONGEST_HOLE = "1 day";

/** Stretches of loaded half-hours of the perimeter, oldest first. */
export async function loadIslands(sql: Sql): Promise<Island[]> {
  const rows = await sql<{ first_s: number; last_s: number }[]>`
    select extract(epoch from min(period_start))::float8 as first_s,
      extract(epoch from max(period_start))::float8 as last_s
    from (
      select period_start, count(*) filter (where hole) over (order by period_start) as stretch
      from (
        select period_start,
          period_start - lag(period_start) over (order by period_start)
            > ${LONGEST_HOLE}::interval as hole
        from rte_consumption
        where perimeter = ${PERIMETER}
      ) as holes
    ) as stretches
    group by stretch
    order by first_s`;
  return rows.map((row) => ({ firstS: row.first_s, lastS: row.last_s }));
}

export async function countRows(sql: Sql): Promise<number> {
  const [{ rows }] = await sql<{ rows: number }[]>`
    select count(*)::float8 as rows from rte_consumption`;
  return rows;
}

/**
 * Adds `copies` copies of every row, each shifted back by a whole number of days at least the
 * span of the loaded data (so copies never overlap, and the half-hour grid and the 2016 gap
 * repeat), with their nature kept: (copies + 1)× the rows. Announced as the loaders announce
 * their changes, so a service holding rows or answers hears of them. Returns the shift in days.
 */
export async function addSyntheticCopies(
  sql: Sql,
  islands: Island[],
  copies: number,
): Promise<number> {
  const firstS = islands[0].firstS;
  const lastS = islands.at(-1)!.lastS;
  const spanDays = Math.ceil((lastS + HALF_HOUR_S - firstS) / DAY_S);
  await inTransaction(sql, async (tx) => {
    await tx`
      insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
      select perimeter, period_start - make_interval(days => copy * ${spanDays}::int),
        consumption_mw, nature, 'bench: synthetic copy ' || copy
      from rte_consumption cross join generate_series(1, ${copies}::int) as copy
      where perimeter = ${PERIMETER}`;
    await notifyConsumptionChanged(tx, [{
      perimeter: PERIMETER,
      firstMs: (firstS - copies * spanDays * DAY_S) * 1000,
      lastMs: lastS * 1000,
    }]);
  });
  return spanDays;
}

/** Visibility map set and statistics fresh, as autovacuum leaves a table some time after a load. */
export async function vacuumAnalyze(sql: Sql): Promise<void> {
  await sql.unsafe("vacuum analyze rte_consumption");
}

export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = createSql(withDatabase(url, "postgres"), { max: 1 });
  try {
    await admin.unsafe(`drop database if exists ${quoteIdentifier(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

export async function postgresVersion(sql: Sql): Promise<string> {
  const [{ server_version }] = await sql<{ server_version: string }[]>`show server_version`;
  return server_version.split(" ")[0];
}
