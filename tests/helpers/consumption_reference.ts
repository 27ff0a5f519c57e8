/**
 * GET /api/consumption's answer as routes/consumption.ts and routes/consumption_csv.ts built it
 * from the SQL of db/consumption.ts: `JSON.stringify` of the answer, or `toCsv` of its points.
 * It is the reference the route's answers must equal byte for byte, whatever builds them; the
 * mapping is copied here, not imported from routes/, so a rewrite there cannot move both sides.
 */
import type { Sql } from "../../db/client.ts";
import {
  type ConsumptionRange,
  listConsumption,
  listConsumptionPeriods,
  PARIS,
  type Period,
} from "../../db/consumption.ts";
import { CSV_CONTENT_TYPE, toCsv } from "../../lib/csv.ts";
import { formatZonedIso, parseIsoInZone } from "../../lib/zoned_time.ts";

export type Resolution = "PT30M" | Period;

/** A request's parameters, defaults applied; the bounds as sent. */
export interface ConsumptionQuery {
  perimeter: string;
  start: string;
  end: string;
  resolution: Resolution;
  format: "json" | "csv";
}

export interface ReferenceAnswer {
  contentType: string;
  /** CSV only: the name Content-Disposition gives. */
  fileName?: string;
  body: string;
}

const WATTS_PER_MW = 1_000_000;
const HALF_HOUR_COLUMNS = ["time", "consumption_w", "nature"];
const PERIOD_COLUMNS = [...HALF_HOUR_COLUMNS, "half_hours", "expected_half_hours"];

type Point = Record<string, string | number>;

export async function referenceAnswer(sql: Sql, query: ConsumptionQuery): Promise<ReferenceAnswer> {
  // Paris wall-clock bounds read by wall-clock order: a start takes the earlier instant.
  const range: ConsumptionRange = {
    perimeter: query.perimeter,
    start: new Date(parseIsoInZone(query.start, PARIS, "earlier")),
    end: new Date(parseIsoInZone(query.end, PARIS, "later")),
  };
  const data = await points(sql, range, query.resolution);
  const echo = {
    perimeter: range.perimeter,
    start: formatZonedIso(PARIS, range.start.getTime()),
    end: formatZonedIso(PARIS, range.end.getTime()),
  };
  if (query.format === "json") {
    const answer = {
      unit: "W",
      resolution: query.resolution,
      timezone: PARIS,
      ...echo,
      count: data.length,
      data,
    };
    return { contentType: "application/json", body: JSON.stringify(answer) };
  }
  const columns = query.resolution === "PT30M" ? HALF_HOUR_COLUMNS : PERIOD_COLUMNS;
  const perimeter = echo.perimeter.normalize("NFD").replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z0-9-]+/g, "_");
  return {
    contentType: CSV_CONTENT_TYPE,
    fileName: `consumption_${perimeter}_${echo.start.slice(0, 10)}_${echo.end.slice(0, 10)}.csv`,
    body: toCsv(columns, data.map((point) => columns.map((column) => point[column]))),
  };
}

async function points(sql: Sql, range: ConsumptionRange, resolution: Resolution): Promise<Point[]> {
  if (resolution === "PT30M") {
    return (await listConsumption(sql, range)).map((row) => ({
      time: formatZonedIso(PARIS, row.period_start_ms),
      consumption_w: row.consumption_mw * WATTS_PER_MW,
      nature: row.nature,
    }));
  }
  return (await listConsumptionPeriods(sql, range, resolution)).map((row) => ({
    time: formatZonedIso(PARIS, row.period_start_ms),
    consumption_w: row.mean_w,
    nature: row.nature,
    half_hours: row.half_hours,
    expected_half_hours: row.expected_half_hours,
  }));
}
