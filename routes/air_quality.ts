/** GET /api/air-quality/*: AirQino stations, hourly values, daily means and forecasts. */
import { createRoute } from "@hono/zod-openapi";
import type { AppDeps } from "./deps.ts";
import {
  type DailyRow,
  HOURLY_PARAMETERS,
  type HourlyRow,
  latestForecasts,
  listDaily,
  listHourly,
  listStations,
  listUnits,
  type Queryable,
  type StationRow,
} from "../db/air_quality.ts";
import { toCsv } from "../lib/csv.ts";
import { DAY_MS, formatUtcSeconds, HOUR_MS, parseIsoInZone } from "../lib/zoned_time.ts";
import { ProblemError, problemResponses } from "./problem.ts";
import {
  checkRange,
  csvAttachment,
  dateRangeQuery,
  formatQuery,
  queryOf,
  required,
  requiredText,
} from "./query_params.ts";
import { createRouter, jsonAnswer, jsonOrCsvAnswer } from "./router.ts";
import {
  byParameter,
  DailyAnswer,
  type DailyEntry,
  type DailyValue,
  ForecastAnswer,
  HourlyAnswer,
  type Station,
  type StationRef,
  StationsAnswer,
} from "./air_quality_answers.ts";

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const DAY_BOUNDARY = "UTC day, hours starting 00:00 to 23:00 (Africa/Abidjan is UTC+0)";

const HOURLY_CSV_HEADER = ["hour_start", ...HOURLY_PARAMETERS, "provisional", "fetched_at"];

/** The station every endpoint but the list is about: its id, leading zeros dropped. */
const stationQuery = {
  station: requiredText().regex(/^\d{1,18}$/, {
    error: (issue) => `"station" must be a numeric AirQino station id, not "${issue.input}"`,
  }).transform((raw) => raw.replace(/^0+(?=\d)/, "")).openapi({
    example: "283164601",
    description: "AirQino station id (GET /api/air-quality/stations)",
  }),
};

const stationProblems = problemResponses(400, 404, 503);

const stationsRoute = createRoute({
  method: "get",
  path: "/stations",
  summary: "AirQino stations with their coverage and last ETL run",
  responses: {
    200: jsonAnswer("The stations the ETL has stored", StationsAnswer),
    ...problemResponses(503),
  },
});

const hourlyRoute = createRoute({
  method: "get",
  path: "/hourly",
  summary: "Hourly averages of one station, every parameter as the API returned it",
  description: "Hours whose start lies between `from` and `to`, both included. A value the " +
    "API omitted is null (an empty cell in CSV). `provisional` marks the newest hour of the " +
    "latest response: it was still filling and its values will change.",
  request: {
    query: queryOf({
      ...stationQuery,
      from: required((raw) => parseInstant(raw, false)).openapi({
        example: "2023-12-01",
        description: "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]; UTC unless an offset is given",
      }),
      to: required((raw) => parseInstant(raw, true)).openapi({
        example: "2023-12-02",
        description: "Same format; a date alone includes that whole day; " +
          "range at most MAX_RANGE_DAYS",
      }),
      format: formatQuery,
    }),
  },
  responses: {
    200: jsonOrCsvAnswer(
      `The hours, oldest first. CSV columns: ${HOURLY_CSV_HEADER.join(", ")}`,
      HourlyAnswer,
    ),
    ...stationProblems,
  },
});

const dailyRoute = createRoute({
  method: "get",
  path: "/daily",
  summary: "Daily means per UTC day (CO, PM2.5 and the other parameters)",
  description: "Mean of the hours present that day, with the number of hours behind it, " +
    "`valid` (at least 18 of 24 hours), `provisional` (the day was not over) and `flag` " +
    "(`negative_mean` when the mean is below zero: a sensor offset, not a concentration).",
  request: {
    query: queryOf({
      ...stationQuery,
      ...dateRangeQuery("2023-11-01", "2023-11-30"),
      format: formatQuery,
    }),
  },
  responses: {
    200: jsonOrCsvAnswer(
      "One entry per day (JSON) or one row per day and parameter (CSV)",
      DailyAnswer,
    ),
    ...stationProblems,
  },
});

const forecastRoute = createRoute({
  method: "get",
  path: "/forecast",
  summary: "CO and PM2.5 for the next two hours, with the model's backtest error",
  request: { query: queryOf(stationQuery) },
  responses: {
    200: jsonAnswer("The latest forecast and its rolling-origin backtest", ForecastAnswer),
    ...stationProblems,
  },
});

export function airQualityRoutes({ sql, config }: AppDeps) {
  const app = createRouter();
  // The unit catalogue only changes with a migration: read it once, retry after a failure.
  let units: Promise<Record<string, string>> | undefined;
  const unitsOnce = () =>
    units ??= listUnits(sql).catch((error) => {
      units = undefined;
      throw error;
    });

  app.openapi(stationsRoute, async (c) => {
    const stations = await listStations(sql);
    return c.json({ count: stations.length, stations: stations.map(stationJson) }, 200);
  });

  app.openapi(hourlyRoute, async (c) => {
    const { station: id, from, to, format } = c.req.valid("query");
    checkRange(c, ["from", "to"], [from, to], config.maxRangeDays);
    const station = await requireStation(sql, id);
    const rows = await listHourly(sql, station.station_id, new Date(from), new Date(to));
    if (format === "csv") {
      // ISO 8601 basic format: no colons in a file name.
      const [fromName, toName] = [from, to].map((ms) => formatUtcSeconds(ms).replace(/[-:]/g, ""));
      return csvAttachment(
        c,
        `air_quality_hourly_${station.station_id}_${fromName}_${toName}.csv`,
        hourlyCsv(rows),
      );
    }
    const units = await unitsOnce();
    const answer: HourlyAnswer = {
      station: stationRef(station),
      timezone: "UTC",
      from: formatUtcSeconds(from),
      to: formatUtcSeconds(to),
      units: byParameter(HOURLY_PARAMETERS, (parameter) => units[parameter]),
      count: rows.length,
      data: rows.map((row) => ({
        hour_start: formatUtcSeconds(row.hour_start),
        ...byParameter(HOURLY_PARAMETERS, (parameter) => row[parameter]),
        provisional: row.provisional,
        fetched_at: formatUtcSeconds(row.fetched_at),
      })),
    };
    return c.json(answer, 200);
  });

  app.openapi(dailyRoute, async (c) => {
    const { station: id, from, to, format } = c.req.valid("query");
    checkRange(c, ["from", "to"], [Date.parse(from), Date.parse(to)], config.maxRangeDays);
    const station = await requireStation(sql, id);
    const rows = await listDaily(sql, station.station_id, from, to);
    if (format === "csv") {
      return csvAttachment(
        c,
        `air_quality_daily_${station.station_id}_${from}_${to}.csv`,
        dailyCsv(station, rows),
      );
    }
    const days = groupByDay(rows);
    const answer: DailyAnswer = {
      station: stationRef(station),
      day_boundary: DAY_BOUNDARY,
      valid_rule: "valid when at least 18 of the 24 hours have a value",
      from,
      to,
      count: days.length,
      data: days,
    };
    return c.json(answer, 200);
  });

  return app.openapi(forecastRoute, async (c) => {
    const station = await requireStation(sql, c.req.valid("query").station);
    const rows = await latestForecasts(sql, station.station_id);
    if (rows.length === 0) {
      throw new ProblemError({
        type: "/problems/no-forecast",
        title: "No forecast yet",
        status: 404,
        detail: `Station ${station.station_id} has no forecast yet: ` +
          "the ETL issues one once the station has a complete hour",
      });
    }
    const issuedAt = Math.max(...rows.map((row) => row.issued_at.getTime()));
    const lastTarget = Math.max(...rows.map((row) => row.target_hour.getTime()));
    const parameters = [...new Set(rows.map((row) => row.parameter))];
    return c.json({
      station: stationRef(station),
      model: rows[0].model,
      issued_at: formatUtcSeconds(issuedAt),
      // The station stopped reporting: every forecast hour is already over.
      stale: lastTarget + HOUR_MS <= Date.now(),
      forecasts: Object.fromEntries(parameters.map((parameter) => {
        const own = rows.filter((row) => row.parameter === parameter);
        return [parameter, {
          unit: own[0].unit,
          base_hour: formatUtcSeconds(own[0].base_hour),
          values: own.map((row) => ({
            hour_start: formatUtcSeconds(row.target_hour),
            horizon_hours: row.horizon_hours,
            value: row.value,
            method: row.method,
          })),
          backtest: own.map((row) => ({
            horizon_hours: row.horizon_hours,
            from: row.backtest_from && formatUtcSeconds(row.backtest_from),
            to: row.backtest_to && formatUtcSeconds(row.backtest_to),
            n: row.backtest_n,
            model: { mae: row.backtest_mae, rmse: row.backtest_rmse },
            persistence: { mae: row.persistence_mae, rmse: row.persistence_rmse },
            same_hour_yesterday: {
              mae: row.same_hour_yesterday_mae,
              rmse: row.same_hour_yesterday_rmse,
            },
          })),
        }];
      })),
    }, 200);
  });
}

/** Checked after the other parameters: a bad query is a 400 whatever the station. */
async function requireStation(sql: Queryable, id: string): Promise<StationRow> {
  const [station] = await listStations(sql, id);
  if (!station) {
    throw new ProblemError({
      type: "/problems/unknown-station",
      title: "Unknown station",
      status: 404,
      detail: `No station ${id}; GET /api/air-quality/stations lists them`,
      parameter: "station",
    });
  }
  return station;
}

/** A date or date-time; without an offset it is UTC. A date as `to` means its last hour. */
function parseInstant(raw: string, endOfDay: boolean): number {
  const ms = parseIsoInZone(raw, "UTC");
  return endOfDay && DATE_ONLY.test(raw.trim()) ? ms + DAY_MS - HOUR_MS : ms;
}

function stationRef(station: StationRow): StationRef {
  return { id: station.station_id, name: station.station_name };
}

function stationJson(station: StationRow): Station {
  return {
    id: station.station_id,
    name: station.station_name,
    latitude: station.latitude,
    longitude: station.longitude,
    timezone: "Africa/Abidjan",
    first_hour: station.first_hour && formatUtcSeconds(station.first_hour),
    last_hour: station.last_hour && formatUtcSeconds(station.last_hour),
    hours: station.hours,
    fetched_at: formatUtcSeconds(station.fetched_at),
    last_run: station.last_run_at && {
      finished_at: formatUtcSeconds(station.last_run_at),
      status: station.last_run_status,
      error: station.last_run_error,
    },
  };
}

function groupByDay(rows: DailyRow[]): DailyEntry[] {
  const days = new Map<string, DailyEntry>();
  for (const row of rows) {
    const day = days.get(row.day) ?? { day: row.day, provisional: row.provisional, values: {} };
    day.values[row.parameter] = {
      unit: row.unit,
      mean: row.mean,
      min: row.min,
      max: row.max,
      hours: row.hours,
      valid: row.valid,
      nonpositive_hours: row.nonpositive_hours,
      flag: dailyFlag(row.mean),
    };
    days.set(row.day, day);
  }
  return [...days.values()];
}

/** A mean below zero is a sensor offset (2022–23 CO and O3), not a concentration: say so. */
function dailyFlag(mean: number | null): DailyValue["flag"] {
  return mean !== null && mean < 0 ? "negative_mean" : null;
}

function hourlyCsv(rows: HourlyRow[]): string {
  return toCsv(
    HOURLY_CSV_HEADER,
    rows.map((row) => [
      formatUtcSeconds(row.hour_start),
      ...HOURLY_PARAMETERS.map((parameter) => row[parameter]),
      row.provisional,
      formatUtcSeconds(row.fetched_at),
    ]),
  );
}

function dailyCsv(station: StationRow, rows: DailyRow[]): string {
  return toCsv(
    [
      "station_id",
      "station_name",
      "day",
      "parameter",
      "unit",
      "mean",
      "min",
      "max",
      "hours",
      "valid",
      "provisional",
      "nonpositive_hours",
      "flag",
    ],
    rows.map((row) => [
      station.station_id,
      station.station_name,
      row.day,
      row.parameter,
      row.unit,
      row.mean,
      row.min,
      row.max,
      row.hours,
      row.valid,
      row.provisional,
      row.nonpositive_hours,
      dailyFlag(row.mean),
    ]),
  );
}
