/**
 * `formatZonedIso`'s text (`2018-01-01T06:00:00+01:00`) written as ASCII bytes straight into
 * a buffer, for answers of thousands of times: the date and the offset are encoded once per
 * day and per offset, the clock digits per time. Equal to formatZonedIso byte for byte
 * (tests/zoned_time_test.ts compares them).
 */
import {
  DAY_MS,
  type DayOffsets,
  dayOffsets,
  formatOffset,
  HALF_HOUR_MS,
  MINUTE_MS,
} from "./zoned_time.ts";

const ZERO = 0x30;

export class ZonedIsoWriter {
  readonly #timeZone: string;
  #utcDay = NaN;
  #offsets: DayOffsets = { atStart: 0, after: 0 };
  #localDay = NaN;
  readonly #date = new Uint8Array(10);
  #offset = NaN;
  readonly #offsetBytes = new Uint8Array(6);

  constructor(timeZone: string) {
    this.#timeZone = timeZone;
  }

  /** Writes the time of `epochMs` (whole seconds) at `at` in `out`; returns where it ends. */
  write(out: Uint8Array, at: number, epochMs: number): number {
    const offsetMinutes = this.#offsetAt(epochMs);
    const wallMs = epochMs + offsetMinutes * MINUTE_MS;
    const localDay = Math.floor(wallMs / DAY_MS);
    if (localDay !== this.#localDay) {
      this.#localDay = localDay;
      ascii(this.#date, 0, new Date(localDay * DAY_MS).toISOString().slice(0, 10));
    }
    if (offsetMinutes !== this.#offset) {
      this.#offset = offsetMinutes;
      ascii(this.#offsetBytes, 0, formatOffset(offsetMinutes));
    }
    // Short copies by hand: `set` costs more than a loop under a dozen bytes.
    const date = this.#date;
    for (let i = 0; i < 10; i++) out[at + i] = date[i];
    const msOfDay = wallMs - localDay * DAY_MS;
    const clock = msOfDay % HALF_HOUR_MS === 0
      ? HALF_HOUR_CLOCKS[msOfDay / HALF_HOUR_MS]
      : undefined;
    if (clock) { for (let i = 0; i < 9; i++) out[at + 10 + i] = clock[i]; }
    else writeClock(out, at + 10, Math.floor(msOfDay / 1000));
    const offset = this.#offsetBytes;
    for (let i = 0; i < 6; i++) out[at + 19 + i] = offset[i];
    return at + 25;
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

/** Writes ASCII `text` at `at`; returns where it ends. */
function ascii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

/** `THH:MM:SS` of every half-hour of a day, the times answers are made of. */
const HALF_HOUR_CLOCKS = Array.from({ length: 48 }, (_, slot) => {
  const clock = new Uint8Array(9);
  writeClock(clock, 0, slot * 1800);
  return clock;
});

/** `THH:MM:SS` of a second of the day. */
function writeClock(out: Uint8Array, at: number, seconds: number): void {
  out[at] = 0x54; // T
  twoDigits(out, at + 1, Math.floor(seconds / 3600));
  out[at + 3] = 0x3a; // :
  twoDigits(out, at + 4, Math.floor(seconds / 60) % 60);
  out[at + 6] = 0x3a;
  twoDigits(out, at + 7, seconds % 60);
}

function twoDigits(out: Uint8Array, at: number, value: number): void {
  out[at] = ZERO + Math.floor(value / 10);
  out[at + 1] = ZERO + value % 10;
}
