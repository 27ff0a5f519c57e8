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

/**
 * Half-hours whose start lies in [start, end] (SQL BETWEEN), oldest first. GET /api/consumption
 * answers from memory (consumption_store.ts); this is the SQL definition its answers must equal
 * (tests/consumption_identity_test.ts) and the query `deno task bench` runs pgbench on.
 */
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

/** Periods coarser than the stored half-hour, by the zone and unit they are cut in. */
const PERIODS = {
  // Paris is always a whole number of hours off UTC, so its clock hours are UTC hours; cut
  // in UTC, the autumn day's two 02:00 hours (+02:00 then +01:00) stay two hours.
  PT1H: { zone: "UTC", unit: "hour" },
  P1D: { zone: PARIS, unit: "day" },
  P1M: { zone: PARIS, unit: "month" },
} as const;

export type Period = keyof typeof PERIODS;

export interface ConsumptionPeriodRow {
  /** Epoch milliseconds of the period's first instant. */
  period_start_ms: number;
  /** Mean of the half-hours present, in watts, rounded to the nearest watt. */
  mean_w: number;
  /** Stored half-hours in the period and in the range. */
  half_hours: number;
  /** Half-hours the whole period holds (46 or 50 on DST days). */
  expected_half_hours: number;
  /** The least final nature present. */
  nature: Nature;
}

/**
 * One row per period holding at least one half-hour whose start lies in [start, end], oldest
 * first: the SQL definition of the periods GET /api/consumption aggregates in memory
 * (routes/consumption_points.ts; tests/consumption_identity_test.ts holds them equal). A
 * period cut by a bound averages only its half-hours inside the range. Paris days and months
 * start at a local midnight, which DST never skips or repeats.
 */
export async function listConsumptionPeriods(
  sql: Sql,
  range: ConsumptionRange,
  period: Period,
): Promise<ConsumptionPeriodRow[]> {
  const { zone, unit } = PERIODS[period];
  return await sql<ConsumptionPeriodRow[]>`
    with found as (
      select date_trunc(${unit}::text, period_start at time zone ${zone}::text) as local_start,
        consumption_mw, nature
      from rte_consumption
      where perimeter = ${range.perimeter}
        and period_start between ${range.start} and ${range.end}
    ), periods as (
      select local_start at time zone ${zone}::text as first_instant,
        (local_start + ${`1 ${unit}`}::interval) at time zone ${zone}::text as next_instant,
        -- numeric average of integer MW, so the watts are exact before rounding
        round(avg(consumption_mw) * 1000000)::float8 as mean_w,
        count(*)::int as half_hours,
        min(nature) as nature
      from found
      group by local_start
    )
    select extract(epoch from first_instant)::float8 * 1000 as period_start_ms, mean_w, half_hours,
      (extract(epoch from next_instant - first_instant) / 1800)::int as expected_half_hours, nature
    from periods
    order by first_instant`;
}

export interface ConsumptionSummary {
  /** Stored half-hours in the range. */
  count: number;
  /** Rounded to the nearest watt; every figure below is null when `count` is 0. */
  mean_w: number | null;
  min_w: number | null;
  max_w: number | null;
  /** Sum of W × 0.5 h. */
  energy_wh: number | null;
  /** Epoch milliseconds; the earliest half-hour on a tie. */
  min_at_ms: number | null;
  max_at_ms: number | null;
  first_ms: number | null;
  last_ms: number | null;
}

/** Aggregates of the half-hours whose start lies in [start, end], in one pass of the range. */
export async function summarizeConsumption(
  sql: Sql,
  range: ConsumptionRange,
): Promise<ConsumptionSummary> {
  const [summary] = await sql<ConsumptionSummary[]>`
    select count(*)::int as count,
      -- numeric average of integer MW, so the watts are exact before rounding
      round(avg(consumption_mw) * 1000000)::float8 as mean_w,
      min(consumption_mw)::float8 * 1000000 as min_w,
      max(consumption_mw)::float8 * 1000000 as max_w,
      (sum(consumption_mw) * 500000)::float8 as energy_wh,
      extract(epoch from
        (array_agg(period_start order by consumption_mw, period_start))[1])::float8 * 1000
        as min_at_ms,
      extract(epoch from
        (array_agg(period_start order by consumption_mw desc, period_start))[1])::float8 * 1000
        as max_at_ms,
      extract(epoch from min(period_start))::float8 * 1000 as first_ms,
      extract(epoch from max(period_start))::float8 * 1000 as last_ms
    from rte_consumption
    where perimeter = ${range.perimeter}
      and period_start between ${range.start} and ${range.end}`;
  return summary;
}

export interface LatestConsumption {
  perimeter: string;
  period_start: Date;
  nature: Nature;
}

export interface PerimeterSpan {
  perimeter: string;
  /** Start of the oldest and of the newest stored half-hour. */
  first_start: Date;
  last_start: Date;
  /** The newest half-hour's nature. */
  last_nature: Nature;
}

/**
 * Every stored perimeter with its oldest and newest half-hour, by perimeter (byte order). A
 * loose index scan over the primary key (perimeter, period_start): the recursive part jumps
 * from one perimeter to the next, then one probe at each end of each perimeter, so the cost
 * grows with the number of perimeters, not of rows (anyone may call the endpoints using it).
 * The plain `distinct on (perimeter)` read and sorted the whole table on every call.
 */
export async function perimeterSpans(sql: Sql): Promise<PerimeterSpan[]> {
  return await sql<PerimeterSpan[]>`
    ${distinctKeys(sql, "rte_consumption", "perimeter")}
    select keys.key as perimeter, oldest.period_start as first_start,
      newest.period_start as last_start, newest.nature as last_nature
    from keys
    cross join lateral (
      select period_start from rte_consumption
      where rte_consumption.perimeter = keys.key
      order by period_start
      limit 1
    ) oldest
    cross join lateral (
      select period_start, nature from rte_consumption
      where rte_consumption.perimeter = keys.key
      order by period_start desc
      limit 1
    ) newest
    order by keys.key`;
}

/** The newest stored half-hour per perimeter, for freshness reports (GET /api/status). */
export async function latestConsumption(sql: Sql): Promise<LatestConsumption[]> {
  return (await perimeterSpans(sql)).map((span) => ({
    perimeter: span.perimeter,
    period_start: span.last_start,
    nature: span.last_nature,
  }));
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
/** Postgres refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_999;

/** Half-hours of one perimeter a load wrote, from the first to the last start (epoch ms). */
export interface ChangedSpan {
  perimeter: string;
  firstMs: number;
  lastMs: number;
}

/** What a change notification says changed: some spans, or anything (`"all"`). */
export type Changed = ChangedSpan[] | "all";

/**
 * Called inside a loading transaction that changed rows; delivered when it commits. Listeners
 * drop only what overlaps `spans`; when they do not fit in a notification, everything.
 */
export async function notifyConsumptionChanged(
  tx: Transaction,
  spans: ChangedSpan[],
): Promise<void> {
  const payload = JSON.stringify(spans.map((s) => [s.perimeter, s.firstMs, s.lastMs]));
  const fits = new TextEncoder().encode(payload).byteLength <= MAX_PAYLOAD_BYTES;
  await tx`select pg_notify(${CHANGED_CHANNEL}, ${fits ? payload : ""})`;
}

/**
 * Calls `onChange` on every committed change, from any process; `onListen` each time the
 * listening connection is (re)established, and `onLost` each time it closes: changes in
 * between are not heard.
 */
export async function watchConsumptionChanges(
  sql: Sql,
  onChange: (changed: Changed) => void,
  onListen: () => void,
  onLost: () => void,
): Promise<void> {
  await sql.listen(CHANGED_CHANNEL, (payload) => onChange(changedSpans(payload)), onListen, onLost);
}

/** Reads a notification's payload; anything unexpected (an older writer, by hand) means all. */
function changedSpans(payload: string): Changed {
  try {
    const spans = JSON.parse(payload);
    if (!Array.isArray(spans)) return "all";
    return spans.map(([perimeter, firstMs, lastMs]) => {
      if (typeof perimeter !== "string" || !Number.isFinite(firstMs) || !Number.isFinite(lastMs)) {
        throw new TypeError("not a span");
      }
      return { perimeter, firstMs, lastMs };
    });
  } catch {
    return "all";
  }
}
