/**
 * Streaming unzip of RTE's single-file zips: reads the local file header, then inflates
 * exactly the entry's compressed bytes with the runtime's native `DecompressionStream`, so
 * memory stays bounded by a chunk and not by the file. Only what RTE serves is accepted:
 * stored or deflated entries whose sizes and CRC-32 are in the local header. The CRC-32,
 * computed as the bytes go by, is the only check against altered data (raw deflate has none).
 */
import { crc32 } from "node:zlib";
import { RteFormatError } from "./errors.ts";

export interface ZipEntry {
  name: string;
  /** The entry's uncompressed bytes, chunk by chunk. */
  chunks: AsyncIterable<Uint8Array>;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const HEADER_SIZE = 30;

/** The zip's one entry. Errors name the zip: not a zip, truncated, corrupt, several files. */
export async function openZipEntry(
  zipName: string,
  compressed: AsyncIterable<Uint8Array>,
): Promise<ZipEntry> {
  const reader = new ByteReader(compressed[Symbol.asyncIterator]());
  const fail = (detail: string) => new RteFormatError(zipName, detail);
  const header = await reader.read(HEADER_SIZE);
  if (header.length === 0) throw fail("the zip is empty");
  if (header.length < 4 || view(header).getUint32(0, true) !== LOCAL_HEADER) {
    throw fail(describeNotZip(header));
  }
  if (header.length < HEADER_SIZE) throw fail("truncated zip: the header ends early");
  const fields = view(header);
  const flags = fields.getUint16(6, true);
  const method = fields.getUint16(8, true);
  const expectedCrc = fields.getUint32(14, true);
  const compressedSize = fields.getUint32(18, true);
  const size = fields.getUint32(22, true);
  const nameBytes = await reader.read(fields.getUint16(26, true) + fields.getUint16(28, true));
  const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1")
    .decode(nameBytes.subarray(0, fields.getUint16(26, true)));
  if (flags & 0x1) throw fail(`${name} is encrypted`);
  if (flags & 0x8) {
    throw fail(`${name}: sizes not in the local header (a streamed zip); unzip it first`);
  }
  if (method !== 0 && method !== 8) throw fail(`${name}: unsupported compression method ${method}`);

  async function* entryChunks(): AsyncGenerator<Uint8Array> {
    const raw = reader.take(compressedSize, () => fail(`truncated zip: ${name} ends early`));
    const inflated = method === 0 ? raw : ReadableStream.from(raw).pipeThrough(
      // Its writable side is typed BufferSource, which every Uint8Array is.
      new DecompressionStream("deflate-raw") as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
    let produced = 0;
    let crc = 0;
    try {
      for await (const chunk of inflated) {
        produced += chunk.length;
        crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (error) {
      if (error instanceof RteFormatError) throw error;
      throw fail(`corrupt zip entry ${name}: ${(error as Error).message}`);
    }
    if (produced !== size) {
      throw fail(`corrupt zip entry ${name}: ${produced} bytes inflated, header says ${size}`);
    }
    if (crc !== expectedCrc) {
      throw fail(
        `corrupt zip entry ${name}: CRC-32 is ${hex(crc)}, header says ${hex(expectedCrc)}`,
      );
    }
    const next = await reader.read(4);
    const signature = next.length === 4 ? view(next).getUint32(0, true) : undefined;
    if (signature === LOCAL_HEADER) throw fail("more than one file in the zip");
    if (signature !== CENTRAL_HEADER && signature !== END_OF_CENTRAL_DIRECTORY) {
      throw fail("truncated zip: the central directory is missing");
    }
  }
  return { name, chunks: entryChunks() };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(crc: number): string {
  return crc.toString(16).padStart(8, "0");
}

function describeNotZip(start: Uint8Array): string {
  const text = new TextDecoder().decode(start).trimStart().toLowerCase();
  return text.startsWith("<!doctype html") || text.startsWith("<html")
    ? "not a zip: got an HTML page"
    : "not a zip (no PK signature)";
}

/** Reads exact byte counts from a chunk iterator, keeping what it read ahead. */
class ByteReader {
  #pending: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(private source: AsyncIterator<Uint8Array>) {}

  /** Up to `count` bytes; fewer only at the end of the input. */
  async read(count: number): Promise<Uint8Array> {
    while (this.#pending.length < count && await this.#pull());
    const bytes = this.#pending.subarray(0, count);
    this.#pending = this.#pending.subarray(bytes.length);
    return bytes;
  }

  /** Exactly `count` bytes as chunks; `truncated()` is thrown if the input ends first. */
  async *take(count: number, truncated: () => Error): AsyncGenerator<Uint8Array> {
    let left = count;
    while (left > 0) {
      if (this.#pending.length === 0 && !await this.#pull()) throw truncated();
      const bytes = this.#pending.subarray(0, left);
      this.#pending = this.#pending.subarray(bytes.length);
      left -= bytes.length;
      yield bytes;
    }
  }

  async #pull(): Promise<boolean> {
    if (this.#done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.#done = true;
      return false;
    }
    this.#pending = this.#pending.length === 0 ? next.value : concat(this.#pending, next.value);
    return true;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
