/**
 * Streaming unzip: yields the decompressed bytes of each entry as compressed chunks arrive,
 * so memory stays bounded by a chunk's expansion, not by the file size.
 */
import { Unzip, type UnzipFile, UnzipInflate } from "fflate";
import { RteFormatError } from "./errors.ts";

export interface ZipEntryChunk {
  entry: string;
  bytes: Uint8Array;
  /** True on the entry's last chunk. */
  final: boolean;
}

export async function* unzipStream(
  zipName: string,
  compressed: AsyncIterable<Uint8Array>,
): AsyncGenerator<ZipEntryChunk> {
  const ready: ZipEntryChunk[] = [];
  const open = new Set<string>();
  let failure: Error | undefined;
  let entries = 0;
  const unzip = new Unzip((file: UnzipFile) => {
    entries++;
    open.add(file.name);
    file.ondata = (error, bytes, final) => {
      if (error) {
        failure ??= new RteFormatError(
          zipName,
          `corrupt zip entry ${file.name}: ${error.message}`,
        );
        return;
      }
      ready.push({ entry: file.name, bytes, final });
      if (final) open.delete(file.name);
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  let sawBytes = false;
  for await (const chunk of compressed) {
    if (!sawBytes && chunk.length > 0) {
      sawBytes = true;
      if (chunk[0] !== 0x50 || chunk[1] !== 0x4b) {
        throw new RteFormatError(zipName, describeNotZip(chunk));
      }
    }
    pushOrFail(unzip, zipName, chunk, false);
    if (failure) throw failure;
    yield* ready.splice(0);
  }
  pushOrFail(unzip, zipName, new Uint8Array(0), true);
  if (failure) throw failure;
  yield* ready.splice(0);
  if (entries === 0) {
    throw new RteFormatError(
      zipName,
      "the zip holds no file (empty or truncated)",
    );
  }
  if (open.size > 0) {
    throw new RteFormatError(
      zipName,
      `truncated zip: ${[...open].join(", ")} ends early`,
    );
  }
}

function pushOrFail(
  unzip: Unzip,
  zipName: string,
  chunk: Uint8Array,
  final: boolean,
): void {
  try {
    unzip.push(chunk, final);
  } catch (error) {
    throw new RteFormatError(
      zipName,
      `corrupt zip: ${(error as Error).message}`,
    );
  }
}

function describeNotZip(start: Uint8Array): string {
  const text = new TextDecoder().decode(start.subarray(0, 200)).trimStart()
    .toLowerCase();
  return text.startsWith("<!doctype html") || text.startsWith("<html")
    ? "not a zip: got an HTML page"
    : "not a zip (no PK signature)";
}
