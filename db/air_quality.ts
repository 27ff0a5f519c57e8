/** Queries over the `airqino_*` tables (db/migrations/0003_air_quality.sql). */
import type postgres from "postgres";
import type { Sql, Transaction } from "./client.ts";
import { distinctKeys } from "./distinct_keys.ts";
import type { RunItem } from "./run_log.ts";

/** This feed's name in the run log (`refresh_runs.source`). */
export const AIRQINO_SOURCE = "airqino";

/** A pool or an open transaction: the ETL writes one station per transaction. */
export type Queryable = Sql | Transaction;

/** The value columns of airqino_hourly, in table order. */
export const HOURLY_PARAMETERS = ["co", "t", "t_int", "no2", "o3", "pm10", "pm25", "rh"] as const;
export type HourlyParameter = typeof HOURLY_PARAMETERS[number];

/** Daily means are kept for these hourly columns (not the board's raw temperature). */
export const DAILY_PARAMETERS = [
  "co",
  "no2",
  "o3",
  "pm10",
  "pm25",
  "t",
  "rh",
] as const;
export type DailyParameter = typeof DAILY_PARAMETERS[number];

export interface StationHeaderRow {
  stationId: string;
  name: string | null;
  latitude: number | null;
  longitude: number | null;
  header: Record<string, unknown>;
  fetchedAt: Date;
}

/** The header of the latest fetch, and its time: `fetched_at` moves on every successful run. */
export async function upsertStation(
  sql: Queryable,
  station: StationHeaderRow,
): Promise<void> {
  await sql`
    insert into airqino_stations as s
      (station_id, station_name, latitude, longitude, header, fetched_at)
    values (${station.stationId}, ${station.name}, ${station.latitude},
      ${station.longitude}, ${sql.json(toJson(station.header))}, ${station.fetchedAt})
    on conflict (station_id) do update set
      station_name = excluded.station_name, latitude = excluded.latitude,
      longitude = excluded.longitude, header = excluded.header,
      fetched_at = excluded.fetched_at`;
}

export interface HourlyInput {
  hourStart: Date;
  values: Partial<Record<string, number>>;
  raw: Record<string, unknown>;
}

export interface HourlyUpsert {
  /** Rows inserted or rewritten. */
  changed: number;
  /** UTC days (YYYY-MM-DD) of those rows. */
  days: string[];
}

/**
 * Inserts new hours and rewrites an hour only when the API now says something else or its
 * provisional flag changes. The newest hour of a response is the one still filling: it is
 * stored as provisional (unless a newer hour is already stored), and the flag is cleared once
 * a later fetch returns a newer hour, whether or not that fetch repeats the old one.
 */
export async function upsertHourly(
  sql: Queryable,
  stationId: string,
  rows: HourlyInput[],
  fetchedAt: Date,
): Promise<HourlyUpsert> {
  if (rows.length === 0) return { changed: 0, days: [] };
  const newestMs = rows.reduce((max, row) => Math.max(max, row.hourStart.getTime()), -Infinity);
  const records = rows.map((row) => ({
    hour_start: row.hourStart.toISOString(),
    ...row.values,
    raw: row.raw,
    newest: row.hourStart.getTime() === newestMs,
  }));
  const written = await sql<{ day: string }[]>`
    insert into airqino_hourly as h (station_id, hour_start, co, t, t_int, no2, o3, pm10,
      pm25, rh, raw, provisional, fetched_at)
    select ${stationId}, r.hour_start, r.co, r.t, r.t_int, r.no2, r.o3, r.pm10, r.pm25,
      r.rh, r.raw,
      r.newest and not exists (select from airqino_hourly n
        where n.station_id = ${stationId} and n.hour_start > r.hour_start),
      ${fetchedAt}
    from jsonb_to_recordset(${sql.json(toJson(records))}) as r(
      hour_start timestamptz, co float8, t float8, t_int float8, no2 float8, o3 float8,
      pm10 float8, pm25 float8, rh float8, raw jsonb, newest boolean)
    on conflict (station_id, hour_start) do update set
      co = excluded.co, t = excluded.t, t_int = excluded.t_int, no2 = excluded.no2,
      o3 = excluded.o3, pm10 = excluded.pm10, pm25 = excluded.pm25, rh = excluded.rh,
      raw = excluded.raw, provisional = excluded.provisional, fetched_at = excluded.fetched_at
    where (h.raw, h.provisional) is distinct from (excluded.raw, excluded.provisional)
    returning to_char(h.hour_start at time zone 'UTC', 'YYYY-MM-DD') as day`;
  const cleared = await sql<{ day: string }[]>`
    update airqino_hourly set provisional = false
    where station_id = ${stationId} and provisional and hour_start < ${new Date(newestMs)}
    returning to_char(hour_start at time zone 'UTC', 'YYYY-MM-DD') as day`;
  return {
    changed: written.length + cleared.length,
    days: [...new Set([...written, ...cleared].map((row) => row.day))].sort(),
  };
}

/**
 * Recomputes the daily means of `days` plus every day still marked provisional, from the
 * stored hours. A day is provisional while it is not over at `now` or holds a provisional
 * hour. Returns the days whose means changed.
 */
export async function recomputeDaily(
  sql: Queryable,
  stationId: string,
  days: string[],
  now: Date,
): Promise<string[]> {
  const rows = await sql<{ day: string }[]>`
    with days as (
      select d::date as day from unnest(${days}::text[]) as d
      union
      select day from airqino_daily where station_id = ${stationId} and provisional
    ), readings as (
      select d.day, h.provisional as hour_provisional, v.parameter, v.value
      from days d
      join airqino_hourly h on h.station_id = ${stationId}
        and h.hour_start >= d.day::timestamp at time zone 'UTC'
        and h.hour_start < (d.day + 1)::timestamp at time zone 'UTC'
      cross join lateral (values ('co', h.co), ('no2', h.no2), ('o3', h.o3),
        ('pm10', h.pm10), ('pm25', h.pm25), ('t', h.t), ('rh', h.rh)) as v(parameter, value)
    )
    insert into airqino_daily as a (station_id, day, parameter, mean, min, max, hours,
      nonpositive_hours, provisional, computed_at)
    select ${stationId}, day, parameter, avg(value), min(value), max(value), count(value),
      count(*) filter (where value <= 0),
      day >= (${now}::timestamptz at time zone 'UTC')::date or bool_or(hour_provisional), ${now}
    from readings
    group by day, parameter
    on conflict (station_id, day, parameter) do update set
      mean = excluded.mean, min = excluded.min, max = excluded.max, hours = excluded.hours,
      nonpositive_hours = excluded.nonpositive_hours, provisional = excluded.provisional,
      computed_at = excluded.computed_at
    where (a.mean, a.min, a.max, a.hours, a.nonpositive_hours, a.provisional)
      is distinct from (excluded.mean, excluded.min, excluded.max, excluded.hours,
        excluded.nonpositive_hours, excluded.provisional)
    returning to_char(day, 'YYYY-MM-DD') as day`;
  return [...new Set(rows.map((row) => row.day))].sort();
}

/** One station of an ETL run, as the run log keeps it; `name` is the station id. */
export interface StationRunItem extends RunItem {
  status: "ok" | "failed";
  hoursReceived?: number;
  /** Hours inserted or rewritten. */
  rowsChanged?: number;
  /** Days whose daily means changed. */
  daysChanged?: number;
  /** When the station's part ended (ISO), on the ETL's clock like the station's fetched_at. */
  finishedAt: string;
}

export interface SeriesRow {
  hour_start: Date;
  co: number | null;
  pm25: number | null;
}

/**
 * CO and PM2.5 of the complete (not provisional) hours among the `hours` hours that end with
 * the station's newest complete hour, oldest first. Counted from the data, not the clock: the
 * same stored hours give the same rows whenever this runs.
 */
export async function listLastCompleteHours(
  sql: Queryable,
  stationId: string,
  hours: number,
): Promise<SeriesRow[]> {
  return await sql<SeriesRow[]>`
    select hour_start, co, pm25
    from airqino_hourly
    where station_id = ${stationId} and not provisional
      and hour_start > (
        select max(hour_start) from airqino_hourly
        where station_id = ${stationId} and not provisional
      ) - make_interval(hours => ${hours})
    order by hour_start`;
}

export interface ForecastRow {
  parameter: string;
  base_hour: Date;
  horizon_hours: number;
  target_hour: Date;
  value: number;
  method: "ridge" | "persistence";
  model: string;
  issued_at: Date;
  backtest_from: Date | null;
  backtest_to: Date | null;
  backtest_n: number;
  backtest_mae: number | null;
  backtest_rmse: number | null;
  persistence_mae: number | null;
  persistence_rmse: number | null;
  same_hour_yesterday_mae: number | null;
  same_hour_yesterday_rmse: number | null;
}

/** Stores forecasts; one already issued from the same base hour is kept unless it differs. */
export async function upsertForecasts(
  sql: Queryable,
  stationId: string,
  rows: ForecastRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((row) => ({ ...row, station_id: stationId }));
  await sql`
    insert into airqino_forecasts ${sql(records)}
    on conflict (station_id, parameter, base_hour, horizon_hours) do update set
      target_hour = excluded.target_hour, value = excluded.value, method = excluded.method,
      model = excluded.model, issued_at = excluded.issued_at,
      backtest_from = excluded.backtest_from, backtest_to = excluded.backtest_to,
      backtest_n = excluded.backtest_n, backtest_mae = excluded.backtest_mae,
      backtest_rmse = excluded.backtest_rmse, persistence_mae = excluded.persistence_mae,
      persistence_rmse = excluded.persistence_rmse,
      same_hour_yesterday_mae = excluded.same_hour_yesterday_mae,
      same_hour_yesterday_rmse = excluded.same_hour_yesterday_rmse
    where (airqino_forecasts.value, airqino_forecasts.method, airqino_forecasts.model,
        airqino_forecasts.backtest_n, airqino_forecasts.backtest_mae,
        airqino_forecasts.backtest_rmse)
      is distinct from (excluded.value, excluded.method, excluded.model,
        excluded.backtest_n, excluded.backtest_mae, excluded.backtest_rmse)`;
}

/** The newest forecast per parameter and horizon, with the parameter's unit. */
export async function latestForecasts(
  sql: Queryable,
  stationId: string,
): Promise<Array<ForecastRow & { unit: string }>> {
  return await sql<Array<ForecastRow & { unit: string }>>`
    select distinct on (parameter, horizon_hours) parameter, p.unit, base_hour, horizon_hours,
      target_hour, value, method, model, issued_at, backtest_from, backtest_to, backtest_n,
      backtest_mae, backtest_rmse, persistence_mae, persistence_rmse,
      same_hour_yesterday_mae, same_hour_yesterday_rmse
    from airqino_forecasts
    join airqino_parameters p using (parameter)
    where station_id = ${stationId}
    order by parameter, horizon_hours, base_hour desc`;
}

export interface StationRow {
  station_id: string;
  station_name: string | null;
  latitude: number | null;
  longitude: number | null;
  fetched_at: Date;
  first_hour: Date | null;
  last_hour: Date | null;
  hours: number;
  last_run_at: Date | null;
  last_run_status: "ok" | "failed" | null;
  last_run_error: string | null;
}

/**
 * Stations with their coverage and the outcome of their latest ETL run. The run is read from
 * the run log by a probe from the newest end of refresh_runs_source_started, which passes over
 * only the runs since the station's last one: none or one for a configured station, however
 * long the history (a station dropped from AIRQINO_STATIONS costs the runs since it was).
 */
export async function listStations(
  sql: Queryable,
  stationId?: string,
): Promise<StationRow[]> {
  return await sql<StationRow[]>`
    select s.station_id::text, s.station_name, s.latitude, s.longitude, s.fetched_at,
      c.first_hour, c.last_hour, coalesce(c.hours, 0)::int as hours,
      r.finished_at as last_run_at, r.status as last_run_status, r.error as last_run_error
    from airqino_stations s
    left join lateral (
      select min(hour_start) as first_hour, max(hour_start) as last_hour, count(*) as hours
      from airqino_hourly h where h.station_id = s.station_id
    ) c on true
    left join lateral (
      select (item->>'finishedAt')::timestamptz as finished_at, item->>'status' as status,
        item->>'error' as error
      from refresh_runs run cross join lateral jsonb_array_elements(run.items) item
      where run.source = ${AIRQINO_SOURCE} and item->>'name' = s.station_id::text
      order by run.started_at desc, run.id desc
      limit 1
    ) r on true
    ${stationId === undefined ? sql`` : sql`where s.station_id = ${stationId}`}
    order by s.station_id`;
}

export interface StationFreshness {
  station_id: string;
  hour_start: Date;
}

/**
 * The newest stored hour per station, for GET /api/status: a loose index scan over the primary
 * key (station_id, hour_start), one backward probe per station, whatever the number of hours.
 */
export async function latestStationHours(sql: Sql): Promise<StationFreshness[]> {
  return await sql<StationFreshness[]>`
    ${distinctKeys(sql, "airqino_hourly", "station_id")}
    select keys.key::text as station_id, newest.hour_start
    from keys
    cross join lateral (
      select hour_start from airqino_hourly
      where airqino_hourly.station_id = keys.key
      order by hour_start desc
      limit 1
    ) newest
    order by keys.key`;
}

export type HourlyRow =
  & { hour_start: Date; provisional: boolean; fetched_at: Date }
  & Record<
    HourlyParameter,
    number | null
  >;

/** Hours whose start lies in [from, to], oldest first. */
export async function listHourly(
  sql: Queryable,
  stationId: string,
  from: Date,
  to: Date,
): Promise<HourlyRow[]> {
  return await sql<HourlyRow[]>`
    select hour_start, co, t, t_int, no2, o3, pm10, pm25, rh, provisional, fetched_at
    from airqino_hourly
    where station_id = ${stationId} and hour_start between ${from} and ${to}
    order by hour_start`;
}

export interface DailyRow {
  day: string;
  parameter: DailyParameter;
  unit: string;
  mean: number | null;
  min: number | null;
  max: number | null;
  hours: number;
  valid: boolean;
  provisional: boolean;
  nonpositive_hours: number;
}

/** Daily means of the days in [from, to] (YYYY-MM-DD, inclusive), by day then parameter. */
export async function listDaily(
  sql: Queryable,
  stationId: string,
  from: string,
  to: string,
): Promise<DailyRow[]> {
  return await sql<DailyRow[]>`
    select to_char(d.day, 'YYYY-MM-DD') as day, d.parameter, p.unit, d.mean, d.min, d.max,
      d.hours, d.valid, d.provisional, d.nonpositive_hours
    from airqino_daily d
    join airqino_parameters p using (parameter)
    where d.station_id = ${stationId} and d.day between ${from}::date and ${to}::date
    order by d.day, array_position(${DAILY_PARAMETERS as unknown as string[]}::text[],
      d.parameter)`;
}

/** Unit of every parameter, from the catalogue (the one place units are written down). */
export async function listUnits(sql: Queryable): Promise<Record<string, string>> {
  const rows = await sql<{ parameter: string; unit: string }[]>`
    select parameter, unit from airqino_parameters`;
  return Object.fromEntries(rows.map((row) => [row.parameter, row.unit]));
}

// postgres.js wants JSONValue; our records are plain JSON-safe objects.
function toJson(value: unknown): postgres.JSONValue {
  return value as postgres.JSONValue;
}
