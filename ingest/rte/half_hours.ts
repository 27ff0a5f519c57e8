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
import type { Nature } from "../../db/consumption.ts";
import { epochMsToZoned, parseIsoInZone, zonedToEpochMs } from "../../lib/zoned_time.ts";
import { RteFormatError } from "./errors.ts";
import type { ConsumptionRecord } from "./parse.ts";

export const PARIS = "Europe/Paris";

export interface HalfHour {
  perimeter: string;
  periodStartMs: number;
  consumptionMw: number;
  nature: Nature;
}

/** The half-hour this record stands for, or undefined when it carries none. */
export function toHalfHour(
  file: string,
  record: ConsumptionRecord,
): HalfHour | undefined {
  if (record.consumptionMw === null) return undefined;
  const [hour, minute] = record.time.split(":").map(Number);
  if (minute !== 0 && minute !== 30) return undefined;
  const [year, month, day] = record.date.split("-").map(Number);
  const local = { year, month, day, hour, minute, second: 0 };
  const periodStartMs = zonedToEpochMs(PARIS, local, "later")!;
  if (!sameWallClock(epochMsToZoned(PARIS, periodStartMs), local)) {
    return undefined; // DST gap
  }
  return {
    perimeter: record.perimeter,
    periodStartMs: record.instant === undefined
      ? periodStartMs
      : instantOf(file, record.line, record.instant),
    consumptionMw: record.consumptionMw,
    nature: record.nature,
  };
}

function instantOf(file: string, line: number, text: string): number {
  try {
    return parseIsoInZone(text, PARIS);
  } catch (error) {
    throw new RteFormatError(file, (error as Error).message, line);
  }
}

function sameWallClock(
  a: { year: number; month: number; day: number; hour: number; minute: number },
  b: { year: number; month: number; day: number; hour: number; minute: number },
): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute;
}
