/**
 * JSON and CSV answers (the API, /openapi.json) compressed on the fly for clients that accept
 * br or gzip: a year of half-hours is megabytes of repetitive text. Answers that are already
 * encoded (the web UI's precompressed files) pass untouched, and so do those under 1 KiB,
 * where a coding saves next to nothing. HEAD answers are compressed like GET, so that the
 * length `countHeadBody` announces is the one GET sends with the same Accept-Encoding.
 */
import type { Context } from "hono";
import { isCompleteAnswer } from "./answer_headers.ts";
import { acceptedCodings, type ContentCoding } from "./content_coding.ts";

export const MIN_COMPRESSED_BYTES = 1024;

type Bytes = Uint8Array<ArrayBuffer>;

const COMPRESSED_TYPES = /^\s*(application\/json|text\/csv)\s*(;|$)/i;

// Deno's native CompressionStream: for 7 MB of consumption JSON its brotli took 140 ms, twice
// gzip's time, for a quarter of gzip's size (220 KB); maximum quality would take 13 s.
const STREAM_FORMAT: Record<ContentCoding, CompressionFormat> = { br: "brotli", gzip: "gzip" };

/** Compresses the route's answer in place (`c.res`) when the client accepts a coding. */
export async function compressAnswer(c: Context): Promise<void> {
  const coding = acceptedCodings(c.req.header("Accept-Encoding"))[0];
  // A complete answer carries its Vary already: read it only to compress it.
  if (!coding && isCompleteAnswer(c.res)) return;
  const { headers } = c.res;
  const type = headers.get("Content-Type") ?? "";
  if (headers.has("Content-Encoding") || !COMPRESSED_TYPES.test(type)) return;
  varyOnAcceptEncoding(headers); // small answers too: the same URL may answer more later
  // Reading `body` turns a text body into a stream: only when it will be compressed.
  const body = coding ? c.res.body : null;
  if (!coding || !body) return;
  const opening = await readUpTo(body, MIN_COMPRESSED_BYTES);
  if (opening instanceof Blob) {
    c.res = new Response(opening, c.res);
    return;
  }
  c.res = new Response(opening.pipeThrough(new CompressionStream(STREAM_FORMAT[coding])), c.res);
  c.res.headers.delete("Content-Length");
  c.res.headers.set("Content-Encoding", coding);
}

function varyOnAcceptEncoding(headers: Headers): void {
  const vary = headers.get("Vary") ?? "";
  if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) {
    headers.append("Vary", "Accept-Encoding");
  }
}

/**
 * The whole body when it ends within `limit` bytes; else the body as a stream again, replaying
 * what was read, so a long or streamed answer is never held whole in memory.
 */
async function readUpTo(
  body: ReadableStream<Bytes>,
  limit: number,
): Promise<Blob | ReadableStream<Bytes>> {
  const reader = body.getReader();
  const read: Bytes[] = [];
  for (let size = 0; size < limit;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(read);
    read.push(value);
    size += value.byteLength;
  }
  return new ReadableStream({
    start(controller) {
      for (const chunk of read) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
