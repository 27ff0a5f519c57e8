/**
 * `formatZonedIso`'s text (`2018-01-01T06:00:00+01:00`) written as ASCII bytes straight into
 * a buffer, for answers of thousands of times, between fixed bytes of the caller's (`before`
 * and `after`: JSON's `{"time":"` and `","consumption_w":`, say). Written in two copies per
 * time: `before` and the date, made once per day, then the clock, the offset and `after`,
 * made once per half-hour of the day and offset. Equal to formatZonedIso byte for byte
 * (tests/zoned_time_test.ts compares them).
 */
import {
  DAY_MS,
  type DayOffsets,
  dayOffsets,
  formatOffset,
  HALF_HOUR_MS,
  isoDate,
  MINUTE_MS,
} from "./zoned_time.ts";

const ZERO = 0x30;
const HALF_HOURS_A_DAY = DAY_MS / HALF_HOUR_MS;
const EMPTY = new Uint8Array(0);

export interface Framing {
  before: Uint8Array;
  after: Uint8Array;
}

export class ZonedIsoWriter {
  readonly #timeZone: string;
  readonly #after: Uint8Array;
  #utcDay = NaN;
  #offsets: DayOffsets = { atStart: 0, after: 0 };
  #localDay = NaN;
  /** `before` and the current day's date. */
  readonly #dayPart: Uint8Array;
  /** Per offset, per half-hour of the day: the clock, the offset and `after`. */
  readonly #clockParts = new Map<number, Uint8Array[]>();

  constructor(timeZone: string, { before, after }: Framing = { before: EMPTY, after: EMPTY }) {
    this.#timeZone = timeZone;
    this.#after = after;
    this.#dayPart = new Uint8Array(before.length + 10);
    this.#dayPart.set(before);
  }

  /** Writes `before`, the time of `epochMs` (whole seconds) and `after`; returns the end. */
  write(out: Uint8Array, at: number, epochMs: number): number {
    const offsetMinutes = this.#offsetAt(epochMs);
    const wallMs = epochMs + offsetMinutes * MINUTE_MS;
    const localDay = Math.floor(wallMs / DAY_MS);
    const dayPart = this.#dayPart;
    if (localDay !== this.#localDay) {
      this.#localDay = localDay;
      ascii(dayPart, dayPart.length - 10, isoDate(localDay));
    }
    out.set(dayPart, at);
    at += dayPart.length;
    const msOfDay = wallMs - localDay * DAY_MS;
    const halfHour = msOfDay / HALF_HOUR_MS;
    const clockPart = Number.isInteger(halfHour)
      ? this.#clockPart(offsetMinutes, halfHour)
      : this.#makeClockPart(offsetMinutes, msOfDay / 1000);
    out.set(clockPart, at);
    return at + clockPart.length;
  }

  #clockPart(offsetMinutes: number, halfHour: number): Uint8Array {
    let parts = this.#clockParts.get(offsetMinutes);
    if (parts === undefined) {
      parts = Array.from(
        { length: HALF_HOURS_A_DAY },
        (_, slot) => this.#makeClockPart(offsetMinutes, slot * HALF_HOUR_MS / 1000),
      );
      this.#clockParts.set(offsetMinutes, parts);
    }
    return parts[halfHour];
  }

  /** `THH:MM:SS±HH:MM` and `after`, for a second of the day. */
  #makeClockPart(offsetMinutes: number, seconds: number): Uint8Array {
    const part = new Uint8Array(15 + this.#after.length);
    part[0] = 0x54; // T
    twoDigits(part, 1, Math.floor(seconds / 3600));
    part[3] = 0x3a; // :
    twoDigits(part, 4, Math.floor(seconds / 60) % 60);
    part[6] = 0x3a;
    twoDigits(part, 7, seconds % 60);
    ascii(part, 9, formatOffset(offsetMinutes));
    part.set(this.#after, 15);
    return part;
  }

  #offsetAt(epochMs: number): number {
    const utcDay = Math.floor(epochMs / DAY_MS);
    if (utcDay !== this.#utcDay) {
      this.#utcDay = utcDay;
      this.#offsets = dayOffsets(this.#timeZone, utcDay);
    }
    const { transitionMs, atStart, after } = this.#offsets;
    return transitionMs !== undefined && epochMs >= transitionMs ? after : atStart;
  }
}

/** Writes ASCII `text` at `at`. */
function ascii(out: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
}

function twoDigits(out: Uint8Array, at: number, value: number): void {
  out[at] = ZERO + Math.floor(value / 10);
  out[at + 1] = ZERO + value % 10;
}
