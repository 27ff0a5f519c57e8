/** Queries over `rte_consumption`. */
import type { Sql, Transaction } from "./client.ts";
import { distinctKeys } from "./distinct_keys.ts";

/** RTE publishes French wall-clock time; the API answers in it too. */
export const PARIS = "Europe/Paris";
/** This feed's name in the run log (`refresh_runs.source`). */
export const RTE_SOURCE = "rte";

export type Nature = "real_time" | "consolidated" | "definitive";

export interface ConsumptionRange {
  perimeter: string;
  /** Inclusive bounds on the half-hour's start instant. */
  start: Date;
  end: Date;
}

export interface ConsumptionRow {
  /** Epoch milliseconds: cheaper to decode than a Date, which adds a fifth to a year's read. */
  period_start_ms: number;
  consumption_mw: number;
  nature: Nature;
}

/** Half-hours whose start lies in [start, end] (SQL BETWEEN), oldest first. */
export async function listConsumption(
  sql: Sql,
  range: ConsumptionRange,
): Promise<ConsumptionRow[]> {
  return await sql<ConsumptionRow[]>`
    select extract(epoch from period_start)::float8 * 1000 as period_start_ms, consumption_mw, nature
    from rte_consumption
    where perimeter = ${range.perimeter}
      and period_start between ${range.start} and ${range.end}
    order by period_start`;
}

export interface LatestConsumption {
  perimeter: string;
  period_start: Date;
  nature: Nature;
}

/**
 * The newest stored half-hour per perimeter, for freshness reports (GET /api/status, which
 * anyone may call). A loose index scan over the primary key (perimeter, period_start): the
 * recursive part jumps from one perimeter to the next, then one backward probe per perimeter
 * finds its newest row, so the cost grows with the number of perimeters, not of rows. The
 * plain `distinct on (perimeter)` read and sorted the whole table on every call.
 */
export async function latestConsumption(
  sql: Sql,
): Promise<LatestConsumption[]> {
  return await sql<LatestConsumption[]>`
    ${distinctKeys(sql, "rte_consumption", "perimeter")}
    select keys.key as perimeter, newest.period_start, newest.nature
    from keys
    cross join lateral (
      select period_start, nature from rte_consumption
      where rte_consumption.perimeter = keys.key
      order by period_start desc
      limit 1
    ) newest
    order by keys.key`;
}

/** Definitive half-hours stored for `perimeter` with a start in [start, end). */
export async function countDefinitive(
  sql: Sql,
  perimeter: string,
  start: Date,
  end: Date,
): Promise<number> {
  const [row] = await sql<{ count: string }[]>`
    select count(*) as count from rte_consumption
    where perimeter = ${perimeter} and nature = 'definitive'
      and period_start >= ${start} and period_start < ${end}`;
  return Number(row.count);
}

/** Postgres channel announcing that `rte_consumption` changed (sent on commit). */
const CHANGED_CHANNEL = "rte_consumption_changed";

/** Called inside a loading transaction that changed rows; delivered when it commits. */
export async function notifyConsumptionChanged(tx: Transaction): Promise<void> {
  await tx`select pg_notify(${CHANGED_CHANNEL}, '')`;
}

/**
 * Calls `onChange` on every committed change, from any process, and `onListen` each time the
 * listening connection is (re)established, since changes may have been missed meanwhile.
 */
export async function watchConsumptionChanges(
  sql: Sql,
  onChange: () => void,
  onListen: () => void = onChange,
): Promise<void> {
  await sql.listen(CHANGED_CHANNEL, onChange, onListen);
}
