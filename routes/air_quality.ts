/** GET /api/air-quality/*: AirQino stations, hourly values, daily means and forecasts. */
import { type Context, Hono } from "hono";
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
import { ProblemError } from "./problem.ts";
import { parseCalendarDate } from "../lib/calendar_date.ts";
import {
  checkRange,
  csvAttachment,
  dateRangeParameters,
  outputFormat,
  parseQuery,
  requiredQuery,
} from "./query_params.ts";

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const DAY_BOUNDARY = "UTC day, hours starting 00:00 to 23:00 (Africa/Abidjan is UTC+0)";

export function airQualityRoutes({ sql, config }: AppDeps): Hono {
  const app = new Hono();
  // The unit catalogue only changes with a migration: read it once, retry after a failure.
  let units: Promise<Record<string, string>> | undefined;
  const unitsOnce = () =>
    units ??= listUnits(sql).catch((error) => {
      units = undefined;
      throw error;
    });

  app.get("/stations", async (c) => {
    const stations = await listStations(sql);
    return c.json({ count: stations.length, stations: stations.map(stationJson) });
  });

  app.get("/hourly", async (c) => {
    const id = stationParam(c);
    const from = parseQuery("from", requiredQuery(c, "from"), (raw) => parseInstant(raw, false));
    const to = parseQuery("to", requiredQuery(c, "to"), (raw) => parseInstant(raw, true));
    checkRange(c, ["from", "to"], [from, to], config.maxRangeDays);
    const format = outputFormat(c);
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
    return c.json({
      station: stationRef(station),
      timezone: "UTC",
      from: formatUtcSeconds(from),
      to: formatUtcSeconds(to),
      units: Object.fromEntries(
        HOURLY_PARAMETERS.map((parameter) => [parameter, units[parameter]]),
      ),
      count: rows.length,
      data: rows.map((row) => ({
        hour_start: formatUtcSeconds(row.hour_start),
        ...Object.fromEntries(HOURLY_PARAMETERS.map((parameter) => [parameter, row[parameter]])),
        provisional: row.provisional,
        fetched_at: formatUtcSeconds(row.fetched_at),
      })),
    });
  });

  app.get("/daily", async (c) => {
    const id = stationParam(c);
    const from = parseQuery("from", requiredQuery(c, "from"), parseCalendarDate);
    const to = parseQuery("to", requiredQuery(c, "to"), parseCalendarDate);
    checkRange(c, ["from", "to"], [Date.parse(from), Date.parse(to)], config.maxRangeDays);
    const format = outputFormat(c);
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
    return c.json({
      station: stationRef(station),
      day_boundary: DAY_BOUNDARY,
      valid_rule: "valid when at least 18 of the 24 hours have a value",
      from,
      to,
      count: days.length,
      data: days,
    });
  });

  app.get("/forecast", async (c) => {
    const station = await requireStation(sql, stationParam(c));
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
    });
  });

  return app;
}

function stationParam(c: Context): string {
  return parseQuery("station", requiredQuery(c, "station"), (raw) => {
    if (!/^\d{1,18}$/.test(raw)) {
      throw new Error(`"station" must be a numeric AirQino station id, not "${raw}"`);
    }
    return raw.replace(/^0+(?=\d)/, "");
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

function stationRef(station: StationRow) {
  return { id: station.station_id, name: station.station_name };
}

function stationJson(station: StationRow) {
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

function groupByDay(rows: DailyRow[]) {
  const days = new Map<string, { day: string; provisional: boolean; values: object }>();
  for (const row of rows) {
    const day = days.get(row.day) ??
      { day: row.day, provisional: row.provisional, values: {} };
    Object.assign(day.values, {
      [row.parameter]: {
        unit: row.unit,
        mean: row.mean,
        min: row.min,
        max: row.max,
        hours: row.hours,
        valid: row.valid,
        nonpositive_hours: row.nonpositive_hours,
      },
    });
    days.set(row.day, day);
  }
  return [...days.values()];
}

const HOURLY_CSV_HEADER = ["hour_start", ...HOURLY_PARAMETERS, "provisional", "fetched_at"];

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
    ]),
  );
}

const stationParameter = {
  name: "station",
  in: "query",
  required: true,
  schema: { type: "string", pattern: "^\\d+$" },
  example: "283164601",
  description: "AirQino station id (GET /api/air-quality/stations)",
};

const formatParameter = {
  name: "format",
  in: "query",
  required: false,
  schema: { type: "string", enum: ["json", "csv"], default: "json" },
};

const problems = {
  "400": { $ref: "#/components/responses/Problem" },
  "404": { $ref: "#/components/responses/Problem" },
  "503": { $ref: "#/components/responses/Problem" },
};

export const airQualityPaths = {
  "/api/air-quality/stations": {
    get: {
      summary: "AirQino stations with their coverage and last ETL run",
      responses: {
        "200": { description: "The stations the ETL has stored" },
        "503": problems["503"],
      },
    },
  },
  "/api/air-quality/hourly": {
    get: {
      summary: "Hourly averages of one station, every parameter as the API returned it",
      description: "Hours whose start lies between `from` and `to`, both included. A value the " +
        "API omitted is null (an empty cell in CSV). `provisional` marks the newest hour of the " +
        "latest response: it was still filling and its values will change.",
      parameters: [
        stationParameter,
        {
          name: "from",
          in: "query",
          required: true,
          schema: { type: "string" },
          example: "2023-12-01",
          description: "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]; UTC unless an offset is given",
        },
        {
          name: "to",
          in: "query",
          required: true,
          schema: { type: "string" },
          example: "2023-12-02",
          description: "Same format; a date alone includes that whole day; " +
            "range at most MAX_RANGE_DAYS",
        },
        formatParameter,
      ],
      responses: {
        "200": {
          description: `The hours, oldest first. CSV columns: ${HOURLY_CSV_HEADER.join(", ")}`,
          content: { "application/json": {}, "text/csv": {} },
        },
        ...problems,
      },
    },
  },
  "/api/air-quality/daily": {
    get: {
      summary: "Daily means per UTC day (CO, PM2.5 and the other parameters)",
      description: "Mean of the hours present that day, with the number of hours behind it, " +
        "`valid` (at least 18 of 24 hours) and `provisional` (the day was not over).",
      parameters: [
        stationParameter,
        ...dateRangeParameters("2023-11-01", "2023-11-30"),
        formatParameter,
      ],
      responses: {
        "200": {
          description: "One entry per day (JSON) or one row per day and parameter (CSV)",
          content: { "application/json": {}, "text/csv": {} },
        },
        ...problems,
      },
    },
  },
  "/api/air-quality/forecast": {
    get: {
      summary: "CO and PM2.5 for the next two hours, with the model's backtest error",
      parameters: [stationParameter],
      responses: {
        "200": { description: "The latest forecast and its rolling-origin backtest" },
        ...problems,
      },
    },
  },
};
