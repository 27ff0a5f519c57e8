/** Calendar dates as `YYYY-MM-DD` text (no time, no zone). */
import { parseIsoInZone } from "./zoned_time.ts";

/** The date itself, or a RangeError like `Cannot parse "2025-02-30": day out of range`. */
export function parseCalendarDate(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    throw new RangeError(`Cannot parse "${text}": expected YYYY-MM-DD`);
  }
  parseIsoInZone(text, "UTC"); // checks month and day
  return text;
}

/** `2025-02-28` + 1 → `2025-03-01`. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}
