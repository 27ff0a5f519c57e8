/**
 * Decodes byte chunks into numbered text lines (LF or CRLF), without holding the whole
 * file. Lines come in batches, one per decoded chunk: per-line async iteration would cost
 * more than the parsing itself.
 */
import { RteFormatError } from "./errors.ts";

export interface Line {
  number: number; // 1-based
  text: string;
}

export async function* decodeLines(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  encoding: "latin1" | "utf-8",
): AsyncGenerator<Line[]> {
  // Latin-1 decodes any byte; UTF-8 must be valid, so a Latin-1 CSV fails loudly.
  const decoder = new TextDecoder(encoding, { fatal: true });
  let pending = "";
  let number = 0;
  const decode = (bytes?: Uint8Array) => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      // Find the line: decode leniently and count the line breaks before the first bad byte.
      const lenient = pending + new TextDecoder(encoding).decode(bytes);
      const before = lenient.slice(0, Math.max(0, lenient.indexOf("\uFFFD")));
      const line = number + before.split("\n").length;
      throw new RteFormatError(file, "not valid UTF-8 (ODRÉ exports are UTF-8)", line);
    }
  };
  for await (const chunk of chunks) {
    pending += decode(chunk);
    const batch: Line[] = [];
    let start = 0;
    let newline: number;
    while ((newline = pending.indexOf("\n", start)) >= 0) {
      batch.push({ number: ++number, text: stripCr(pending.slice(start, newline)) });
      start = newline + 1;
    }
    pending = pending.slice(start);
    if (batch.length > 0) yield batch;
  }
  pending += decode();
  if (pending !== "") yield [{ number: ++number, text: stripCr(pending) }];
}

function stripCr(text: string): string {
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}
