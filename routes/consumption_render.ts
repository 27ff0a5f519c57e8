/**
 * GET /api/consumption's answer as bytes, written straight from the points: the UTF-8 of
 * `JSON.stringify` of a `ConsumptionAnswer` (keys in the schema's order), or its CSV (lib/csv.ts's
 * conventions: BOM, CRLF, nothing to quote in times, numbers and natures). No object or string
 * per point: a year of half-hours is ~1.5 MB written in a few milliseconds. Long answers are
 * streamed in pieces of at most `piecePoints` points; short ones are read out whole as a string.
 */
import { type Block, BLOCK_SLOTS, NATURES, NO_ROW, SLOT_MS } from "../db/consumption_store.ts";
import { PARIS } from "../db/consumption.ts";
import { ZonedIsoWriter } from "../lib/zoned_iso_bytes.ts";
import type { ConsumptionAnswer } from "./consumption_answers.ts";
import { CSV_COLUMNS } from "./consumption_csv.ts";
import {
  type PointCursor,
  pointsOf,
  type PointSource,
  type Resolution,
  WATTS_PER_MW,
} from "./consumption_points.ts";

export interface AnswerSource extends PointSource {
  resolution: Resolution;
  /** The answer's `count`: its points, counted beforehand. */
  count: number;
  /** The range as echoed: perimeter and Paris-time bounds. */
  echo: Pick<ConsumptionAnswer, "perimeter" | "start" | "end">;
}

export type Format = "json" | "csv";

export type Bytes = Uint8Array<ArrayBuffer>;

/** The longest point: a period, in JSON, with a 16-digit mean (far above any real one). */
const MAX_POINT_BYTES = 160;
const encoder = new TextEncoder();
// The CSV opens with a byte-order mark, which the text keeps.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const TAILS = { json: bytes("]}"), csv: bytes("") };
const ZERO = 0x30;

/**
 * Each format's fixed parts, as bytes: a point is `open time middle watts nature[n] close`
 * (`times` writes `open time middle`; `lastOf[n]` is `nature[n] close` in one part, for
 * half-hours, where they follow each other, and `wholeMwLastOf[n]` the same after the six
 * zeros of a whole number of MW), and `close` ends with `after`, dropped after the last point
 * (JSON's separating comma).
 */
const SHAPES = {
  json: shape({
    open: `{"time":"`,
    middle: `","consumption_w":`,
    natures: NATURES.map((nature) => `,"nature":"${nature}"`),
    halfHours: `,"half_hours":`,
    expected: `,"expected_half_hours":`,
    close: "},",
    after: ",",
  }),
  csv: shape({
    open: "",
    middle: ",",
    natures: NATURES.map((nature) => `,${nature}`),
    halfHours: ",",
    expected: ",",
    close: "\r\n",
    after: "",
  }),
};

type Shape = ReturnType<typeof shape>;

function shape(parts: {
  open: string;
  middle: string;
  natures: string[];
  halfHours: string;
  expected: string;
  close: string;
  after: string;
}) {
  return {
    /** `open`, the time and `middle`. */
    times: new ZonedIsoWriter(PARIS, { before: bytes(parts.open), after: bytes(parts.middle) }),
    natures: parts.natures.map(bytes),
    lastOf: parts.natures.map((nature) => bytes(nature + parts.close)),
    /** A whole number of MW's six zeros of watts, then `lastOf`: every stored half-hour. */
    wholeMwLastOf: parts.natures.map((nature) => bytes(`000000${nature}${parts.close}`)),
    halfHours: bytes(parts.halfHours),
    expected: bytes(parts.expected),
    close: bytes(parts.close),
    after: bytes(parts.after),
  };
}

/**
 * Points are written in one scratch buffer, reused by every answer (a piece is written without
 * a pause), and each piece is copied out at its exact size: one allocation per piece.
 */
let scratch = new Uint8Array(256 * 1024);
const textScratch = new Uint8Array(BLOCK_SLOTS * MAX_POINT_BYTES);

/**
 * The answer in pieces. Half-hours are copied from the texts of their blocks (`texts`), spans
 * of bytes rendered once per block and format: a year is six copies, not 17 500 points written.
 * Periods are written point by point, at most `piecePoints` per piece.
 */
export function* renderAnswer(
  source: AnswerSource,
  format: Format,
  texts: BlockTexts,
  piecePoints: number,
): Generator<Bytes> {
  const { after } = SHAPES[format];
  const pieces = source.resolution === "PT30M"
    ? halfHourPieces(source, format, texts)
    : periodPieces(source, SHAPES[format], piecePoints);
  yield encoder.encode(headOf(source, format));
  let last: Bytes | undefined;
  for (const piece of pieces) {
    if (piece.length === 0) continue; // the last point's `after` must be in `last`
    if (last) yield last;
    last = piece;
  }
  if (last) yield last.subarray(0, last.length - after.length);
  yield TAILS[format];
}

/**
 * The same text as `renderAnswer`'s pieces joined, written in one buffer and read out once as
 * a string, for answers of a few thousand points at most, sent whole. A string, not bytes:
 * Deno copies a byte body into a new buffer of its own, and a new buffer costs ~2 µs here,
 * where reading a day's ASCII as a string costs ~0.5 µs (a bare Deno.serve answer of a day's
 * size with our headers: ~33 µs of server CPU as bytes, ~26 µs as a string).
 */
export function renderWhole(source: AnswerSource, format: Format, texts: BlockTexts): string {
  const shape = SHAPES[format];
  const head = headOf(source, format);
  // A UTF-16 unit is at most 3 bytes of UTF-8.
  const out = scratchFor(head.length * 3 + source.count * MAX_POINT_BYTES + TAILS[format].length);
  let at = encoder.encodeInto(head, out).written;
  const pointsFrom = at;
  if (source.resolution === "PT30M") {
    for (const span of halfHourSpans(source, format, texts)) {
      if (span.text === undefined) {
        at = writeSlots(out, at, span.block, span.from, span.to, shape);
      } else {
        const bytes = spanBytes(span.text, span.from, span.to);
        out.set(bytes, at);
        at += bytes.length;
      }
    }
  } else {
    const point = pointsOf(source, source.resolution);
    while (point.next()) at = writePoint(out, at, point, shape);
  }
  if (at > pointsFrom) at -= shape.after.length; // the last point's
  return decoder.decode(out.subarray(0, put(out, at, TAILS[format])));
}

interface SlotSpan {
  block: Block;
  from: number;
  to: number;
  /** The block's text, when held. */
  text?: BlockText;
}

/** The slots of each block inside the range, with the block's text when there is one. */
function* halfHourSpans(
  source: PointSource,
  format: Format,
  texts: BlockTexts,
): Generator<SlotSpan> {
  const firstSlot = Math.ceil(source.startMs / SLOT_MS);
  const lastSlot = Math.floor(source.endMs / SLOT_MS);
  for (const block of source.blocks) {
    const blockSlot = Math.round(block.startMs / SLOT_MS);
    const from = Math.max(firstSlot - blockSlot, 0);
    const to = Math.min(lastSlot - blockSlot, BLOCK_SLOTS - 1);
    if (from > to) continue;
    yield { block, from, to, text: texts.of(block, format) };
  }
}

function* halfHourPieces(source: PointSource, format: Format, texts: BlockTexts) {
  for (const { block, from, to, text } of halfHourSpans(source, format, texts)) {
    if (text !== undefined) {
      yield spanBytes(text, from, to);
    } else {
      const out = scratchFor((to - from + 1) * MAX_POINT_BYTES);
      yield out.slice(0, writeSlots(out, 0, block, from, to, SHAPES[format]));
    }
  }
}

/** Slots from..to of a block's text: a view, no copy. */
function spanBytes(text: BlockText, from: number, to: number): Bytes {
  return text.bytes.subarray(text.starts[from], text.starts[to + 1]);
}

/**
 * Slots from..to of a block, written half-hour by half-hour at `at`; returns where they end.
 * With `starts`, records where each slot's text starts (an empty slot's is the next's).
 */
function writeSlots(
  out: Bytes,
  at: number,
  block: Block,
  from: number,
  to: number,
  shape: Shape,
  starts?: Uint32Array,
): number {
  const { startMs, mw, nature } = block;
  for (let slot = from; slot <= to; slot++) {
    if (starts) starts[slot] = at;
    const code = nature[slot];
    if (code !== NO_ROW) {
      at = writeHalfHour(out, at, startMs + slot * SLOT_MS, mw[slot], code, shape);
    }
  }
  return at;
}

/** A stored half-hour: its watts are its MW and six zeros, written after the MW's digits. */
function writeHalfHour(
  out: Bytes,
  at: number,
  timeMs: number,
  mw: number,
  natureCode: number,
  shape: Shape,
): number {
  at = shape.times.write(out, at, timeMs);
  if (mw > 0) {
    at = writeDigits(out, at, mw);
    return put(out, at, shape.wholeMwLastOf[natureCode - 1]);
  }
  at = writeInteger(out, at, mw * WATTS_PER_MW);
  return put(out, at, shape.lastOf[natureCode - 1]);
}

function* periodPieces(source: AnswerSource, shape: Shape, piecePoints: number) {
  const point = pointsOf(source, source.resolution);
  let left = source.count;
  while (left > 0) {
    const points = Math.min(left, piecePoints);
    const out = scratchFor(points * MAX_POINT_BYTES);
    let at = 0;
    for (let written = 0; written < points && point.next(); written++) {
      at = writePoint(out, at, point, shape);
    }
    left -= points;
    yield out.slice(0, at);
  }
}

/** A period: its mean in watts, nature, and half-hours present and expected. */
function writePoint(out: Bytes, at: number, point: PointCursor, shape: Shape): number {
  at = shape.times.write(out, at, point.timeMs);
  at = writeInteger(out, at, point.consumptionW);
  at = put(out, at, shape.natures[point.natureCode - 1]);
  at = put(out, at, shape.halfHours);
  at = writeInteger(out, at, point.halfHours);
  at = put(out, at, shape.expected);
  at = writeInteger(out, at, point.expectedHalfHours);
  return put(out, at, shape.close);
}

/** Copies a fixed part: by hand, as `set` costs more than a loop for a few dozen bytes. */
function put(out: Bytes, at: number, part: Bytes): number {
  const length = part.length;
  if (length > 16) {
    out.set(part, at);
    return at + length;
  }
  for (let i = 0; i < length; i++) out[at++] = part[i];
  return at;
}

/** A block's half-hours as text: slot i is bytes[starts[i], starts[i + 1]), empty if absent. */
interface BlockText {
  bytes: Bytes;
  starts: Uint32Array;
  readonly length: number;
}

export interface BlockTextsOptions {
  maxBytes: number;
  /** How long the store keeps a block (its TTL): an older text's block has been replaced. */
  blockLifetimeMs: number;
  now?: () => number;
}

/**
 * Texts of blocks, per format, bounded in bytes. A text is made for a block asked for while
 * the memory has room for it, and kept for the block's lifetime: a block is never changed (a
 * load replaces it), so its text is valid as long as the block is asked for. When the memory
 * is full, no text is pushed out for another: blocks without a text are written point by
 * point, which costs what making their text would, where making texts that are pushed out
 * before their next use (random ranges over more years than fit) would cost the copies too.
 */
export class BlockTexts {
  /** Oldest first. */
  readonly #texts = new Map<string, { text: BlockText; madeAtMs: number }>();
  readonly #ids = new WeakMap<Block, number>();
  readonly #options: Required<BlockTextsOptions>;
  #nextId = 0;
  #bytes = 0;
  /** The size of the last text made, as the next one's estimate. */
  #lastLength = 1;

  constructor(options: BlockTextsOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** The block's text, made now if the memory has room for it; undefined if it has none. */
  of(block: Block, format: Format): BlockText | undefined {
    const key = this.#keyOf(block, format);
    const held = this.#texts.get(key);
    if (held !== undefined) return held.text;
    if (!this.#hasRoom()) return undefined;
    const text = blockText(block, SHAPES[format]);
    this.#lastLength = text.length;
    if (!this.#hasRoom()) return text;
    this.#texts.set(key, { text, madeAtMs: this.#options.now() });
    this.#bytes += text.length;
    return text;
  }

  /** Whether a text like the last fits, once the texts older than any block are dropped. */
  #hasRoom(): boolean {
    const fits = () => this.#bytes + this.#lastLength <= this.#options.maxBytes;
    if (fits()) return true;
    const bornAfter = this.#options.now() - this.#options.blockLifetimeMs;
    for (const [key, { text, madeAtMs }] of this.#texts) {
      if (madeAtMs > bornAfter) break;
      this.#texts.delete(key);
      this.#bytes -= text.length;
    }
    return fits();
  }

  /** Blocks are keyed by identity: a load replaces a block, never changes it. */
  #keyOf(block: Block, format: Format): string {
    let id = this.#ids.get(block);
    if (id === undefined) this.#ids.set(block, id = this.#nextId++);
    return `${format}${id}`;
  }
}

function blockText(block: Block, shape: Shape): BlockText {
  const starts = new Uint32Array(BLOCK_SLOTS + 1);
  // Not the answers' scratch: a whole answer being written there may ask for a block's text.
  const end = writeSlots(textScratch, 0, block, 0, BLOCK_SLOTS - 1, shape, starts);
  starts[BLOCK_SLOTS] = end;
  const bytes = textScratch.slice(0, end);
  return { bytes, starts, length: bytes.length + starts.byteLength };
}

/** The scratch buffer, grown to hold `bytes` if it cannot. */
function scratchFor(bytes: number): Bytes {
  if (scratch.length < bytes) scratch = new Uint8Array(bytes);
  return scratch;
}

function headOf(source: AnswerSource, format: Format): string {
  return format === "json" ? jsonHead(source) : csvHead(source.resolution);
}

function jsonHead({ resolution, count, echo }: AnswerSource): string {
  return `{"unit":"W","resolution":"${resolution}","timezone":"${PARIS}",` +
    `"perimeter":${JSON.stringify(echo.perimeter)},"start":"${echo.start}",` +
    `"end":"${echo.end}","count":${count},"data":[`;
}

function csvHead(resolution: Resolution): string {
  return `\uFEFF${resolution === "PT30M" ? CSV_COLUMNS.halfHours : CSV_COLUMNS.periods}\r\n`;
}

function bytes(text: string): Bytes {
  return encoder.encode(text);
}

/**
 * The decimal digits of a non-negative integer, as `String(n)` (and so JSON) writes them. Cut
 * into millions so each part is a small integer: the remainder of a double above 2³¹ costs
 * a slow floating-point modulo, and watts are MW × 10⁶.
 */
function writeInteger(out: Bytes, at: number, n: number): number {
  if (n < 1_000_000) return writeDigits(out, at, n);
  const millions = Math.floor(n / 1_000_000);
  if (millions > 0x7fffffff) return at + encoder.encodeInto(String(n), out.subarray(at)).written;
  at = writeDigits(out, at, millions);
  return writePadded(out, at, n - millions * 1_000_000, 6);
}

/** Digits of a small integer (below 2³¹), written from the last. */
function writeDigits(out: Bytes, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
  return writePadded(out, at, n, digits);
}

/** A small integer on exactly `digits` digits, zeros first. */
function writePadded(out: Bytes, at: number, n: number, digits: number): number {
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    out[i] = ZERO + n % 10;
    n = (n / 10) | 0;
  }
  return end;
}
