/**
 * Turns quarter-hour records into half-hour values keyed by UTC instant.
 *
 * DST rules (see README "Time and DST"):
 * - only `:00` and `:30` rows carry half-hourly consumption (what the definitive files publish);
 * - spring-forward day: `02:00` and `02:30` do not exist in Europe/Paris; RTE fills them with
 *   copies of neighbouring rows, so they are dropped (46 half-hours);
 * - autumn day: the file has one `02:00` and one `02:30` for two real hours; they are stamped
 *   with the winter offset +01:00 (the second occurrence), as ODRÉ does, so file and ODRÉ data
 *   share keys. The first occurrence stays absent (48 half-hours), never invented.
 */
import { type Nature, PARIS } from "../../db/consumption.ts";
import { HOUR_MS, offsetMinutes, parseIsoInZone, zonedToEpochMs } from "../../lib/zoned_time.ts";
import { RteFormatError } from "./errors.ts";
import type { ConsumptionRecord } from "./parse.ts";

export interface HalfHour {
  perimeter: string;
  periodStartMs: number;
  consumptionMw: number;
  nature: Nature;
}

/** The half-hour this record stands for, or undefined when it carries none. */
export function toHalfHour(file: string, record: ConsumptionRecord): HalfHour | undefined {
  const { hour, minute } = record;
  if (minute !== 0 && minute !== 30) return undefined;
  const periodStartMs = record.instant === undefined
    ? parisInstant(record.date, hour, minute)
    : existsInParis(record.date, hour, minute) && instantOf(file, record.line, record.instant);
  if (periodStartMs === undefined || periodStartMs === false) return undefined; // DST gap
  return {
    perimeter: record.perimeter,
    periodStartMs,
    consumptionMw: record.consumptionMw,
    nature: record.nature,
  };
}

interface ParisDay {
  wallMidnightMs: number;
  /** The offset in ms when it is the same all day (every day but the two DST days). */
  steadyOffsetMs: number | undefined;
}

// A file repeats each date 96 times: work out each day's offset once, and keep the last day
// at hand (the next line is most likely on it).
const parisDays = new Map<string, ParisDay>();
let lastDate = "";
let lastDay: ParisDay = { wallMidnightMs: 0, steadyOffsetMs: undefined };

function parisDay(date: string): ParisDay {
  if (date === lastDate) return lastDay;
  let day = parisDays.get(date);
  if (!day) {
    const [year, month, dayOfMonth] = date.split("-").map(Number);
    const wallMidnightMs = Date.UTC(year, month - 1, dayOfMonth);
    const before = offsetMinutes(PARIS, wallMidnightMs - 12 * HOUR_MS);
    const after = offsetMinutes(PARIS, wallMidnightMs + 36 * HOUR_MS);
    day = { wallMidnightMs, steadyOffsetMs: before === after ? before * 60_000 : undefined };
    parisDays.set(date, day);
  }
  lastDate = date;
  lastDay = day;
  return day;
}

/**
 * The UTC instant of a Paris wall-clock time: a repeated (autumn) time takes its second
 * occurrence, a time that does not exist (spring) gives undefined.
 */
function parisInstant(date: string, hour: number, minute: number): number | undefined {
  const day = parisDay(date);
  const wallMs = day.wallMidnightMs + (hour * 60 + minute) * 60_000;
  if (day.steadyOffsetMs !== undefined) return wallMs - day.steadyOffsetMs;
  const wall = new Date(wallMs);
  const local = {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour,
    minute,
    second: 0,
  };
  const epochMs = zonedToEpochMs(PARIS, local, "later")!;
  return epochMs + offsetMinutes(PARIS, epochMs) * 60_000 === wallMs ? epochMs : undefined;
}

function existsInParis(date: string, hour: number, minute: number): boolean {
  return parisInstant(date, hour, minute) !== undefined;
}

function instantOf(file: string, line: number, text: string): number {
  try {
    return parseIsoInZone(text, PARIS);
  } catch (error) {
    throw new RteFormatError(file, (error as Error).message, line);
  }
}
