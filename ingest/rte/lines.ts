/**
 * Decodes byte chunks into text lines (LF or CRLF), without holding the whole file. Lines
 * come in blocks of whole lines, one per chunk, and are walked in place: a string or an object
 * per line would cost more than the parsing itself (a year is 35 040 lines). A chunk is cut
 * at its last line break before it is decoded, so each block is decoded into one string once:
 * neither encoding has a line-break byte inside a character.
 */
import { RteFormatError } from "./errors.ts";

/** Whole lines: each ends with "\n", except the file's last when it has none. */
export interface LineBlock {
  text: string;
  /** Number (1-based) of the block's first line. */
  firstLine: number;
}

const LF = 10;

export async function* decodeLines(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  encoding: "latin1" | "utf-8",
): AsyncGenerator<LineBlock> {
  // Latin-1 decodes any byte; UTF-8 must be valid, so a Latin-1 CSV fails loudly.
  const decoder = new TextDecoder(encoding, { fatal: true });
  let number = 0; // lines yielded so far
  let tail: Uint8Array = new Uint8Array(0); // the bytes after the last line break
  const decode = (bytes: Uint8Array, stream: boolean) => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw notUtf8(file, encoding, bytes, number);
    }
  };
  for await (const chunk of chunks) {
    const lastBreak = chunk.lastIndexOf(LF);
    if (lastBreak < 0) {
      tail = joined(tail, chunk);
      checkStart(file, encoding, tail, number);
      continue;
    }
    const text = decode(joined(tail, chunk.subarray(0, lastBreak + 1)), true);
    const lines = countLines(text);
    tail = chunk.slice(lastBreak + 1);
    checkStart(file, encoding, tail, number + lines);
    yield { text, firstLine: number + 1 };
    number += lines;
  }
  const text = decode(tail, false);
  if (text !== "") yield { text, firstLine: number + 1 };
}

/**
 * Throws if `start`, the beginning of a line, already holds bytes that are not UTF-8: a bad
 * byte anywhere in a chunk is reported before any of its lines is read.
 */
function checkStart(file: string, encoding: string, start: Uint8Array, linesBefore: number) {
  if (encoding !== "utf-8") return;
  try {
    new TextDecoder(encoding, { fatal: true }).decode(start, { stream: true });
  } catch {
    throw notUtf8(file, encoding, start, linesBefore);
  }
}

/** The error for `bytes`, which follow `linesBefore` lines: it names the bad byte's line. */
function notUtf8(file: string, encoding: string, bytes: Uint8Array, linesBefore: number) {
  const lenient = new TextDecoder(encoding).decode(bytes);
  const before = lenient.slice(0, Math.max(0, lenient.indexOf("\uFFFD")));
  const line = linesBefore + before.split("\n").length;
  return new RteFormatError(file, "not valid UTF-8 (ODRÉ exports are UTF-8)", line);
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const bytes = new Uint8Array(a.length + b.length);
  bytes.set(a);
  bytes.set(b, a.length);
  return bytes;
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}
