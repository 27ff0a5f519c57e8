/**
 * The body of `GET /v3/getStationHourlyAvg/{id}`: `{header, data}`, validated with zod.
 * A missing value is an omitted key, and it stays missing: nothing is filled in.
 */
import { z } from "zod";
import { parseIsoInZone } from "../../lib/zoned_time.ts";

/** API key → column. `T. int.` is the board's raw internal temperature, kept but not a pollutant. */
export const API_KEYS = {
  "CO": "co",
  "T": "t",
  "T. int.": "t_int",
  "NO2": "no2",
  "O3": "o3",
  "PM10": "pm10",
  "PM2.5": "pm25",
  "RH": "rh",
} as const;

export type Column = typeof API_KEYS[keyof typeof API_KEYS];

/** One `data` row as parsed (db/air_quality.ts's HourlyRow is a stored row, with its flags). */
export interface ParsedHour {
  /** Start of the hour, UTC. */
  hourStart: Date;
  /** Only the keys the API sent. */
  values: Partial<Record<Column, number>>;
  /** The row exactly as received, original key names included. */
  raw: Record<string, unknown>;
}

export interface StationHeader {
  name: string | null;
  latitude: number | null;
  longitude: number | null;
  raw: Record<string, unknown>;
}

export interface StationPayload {
  header: StationHeader;
  rows: ParsedHour[];
}

/** The payload is not what the API documents; the message says what is wrong. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadError";
  }
}

const RowSchema = z.object({ timestamp: z.string() }).catchall(
  z.number().nullable(),
);
const HeaderSchema = z.looseObject({
  station_name: z.string().nullish(),
  station_lat: z.number().nullish(),
  station_lon: z.number().nullish(),
});
const PayloadSchema = z.object({
  header: HeaderSchema,
  data: z.array(RowSchema),
});

/** Parses a response body; throws PayloadError for HTML, non-JSON or the wrong shape. */
export function parsePayload(text: string): StationPayload {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PayloadError(`response is not JSON (starts with ${preview(text)})`);
  }
  if (isEmptyObject(json)) {
    throw new PayloadError(
      "response is an empty object {}, the API's answer when authentication is required",
    );
  }
  const result = PayloadSchema.safeParse(json);
  if (!result.success) throw new PayloadError(describe(result.error));
  const { header, data } = result.data;
  return {
    header: {
      name: header.station_name ?? null,
      latitude: header.station_lat ?? null,
      longitude: header.station_lon ?? null,
      raw: header,
    },
    rows: parseRows(data),
  };
}

/** Validates the `data` array alone (the shared files hold only that). */
export function parseDataArray(json: unknown): ParsedHour[] {
  const result = z.array(RowSchema).safeParse(json);
  if (!result.success) throw new PayloadError(describe(result.error, "data"));
  return parseRows(result.data);
}

function parseRows(data: z.infer<typeof RowSchema>[]): ParsedHour[] {
  const seen = new Set<number>();
  return data.map((row, index) => {
    const hourStart = parseHourStart(row.timestamp, index);
    if (seen.has(hourStart.getTime())) {
      throw new PayloadError(
        `data[${index}].timestamp: "${row.timestamp}" appears twice`,
      );
    }
    seen.add(hourStart.getTime());
    const values: Partial<Record<Column, number>> = {};
    for (const [key, column] of Object.entries(API_KEYS)) {
      const value = row[key];
      if (typeof value === "number") values[column] = value;
    }
    return { hourStart, values, raw: row };
  });
}

/**
 * `YYYY-MM-DD HH:00:00`, the start of an hour in UTC (Abidjan has no offset and no DST).
 * Errors say what is wrong: `data[3].timestamp: Cannot parse "2023-02-30 10:00:00": day out
 * of range`.
 */
export function parseHourStart(label: string, index = 0): Date {
  const at = `data[${index}].timestamp`;
  if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/.test(label)) {
    throw new PayloadError(`${at}: Cannot parse "${label}": expected YYYY-MM-DD HH:00:00`);
  }
  let ms: number;
  try {
    ms = parseIsoInZone(label, "UTC");
  } catch (error) {
    throw new PayloadError(`${at}: ${error instanceof Error ? error.message : error}`);
  }
  if (!label.endsWith(":00:00")) {
    throw new PayloadError(`${at}: Cannot parse "${label}": not the start of an hour`);
  }
  return new Date(ms);
}

function describe(error: z.ZodError, prefix = ""): string {
  const issues = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.reduce<string>(
      (text, key) =>
        typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
      prefix,
    );
    return `${path || "body"}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return `response has the wrong shape: ${issues.join("; ")}${more}`;
}

function isEmptyObject(json: unknown): boolean {
  return typeof json === "object" && json !== null && !Array.isArray(json) &&
    Object.keys(json).length === 0;
}

/** The start of a body on one line, quoted, for error messages. */
export function preview(text: string): string {
  const head = text.trimStart().slice(0, 40).replace(/\s+/g, " ");
  return head ? JSON.stringify(head) : "nothing (empty body)";
}
