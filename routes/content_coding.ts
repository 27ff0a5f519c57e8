/**
 * Which content coding (RFC 9110 §8.4) to send a client, from its Accept-Encoding: shared by
 * the precompressed web UI files (routes/web.ts) and the compressed API answers
 * (routes/compression.ts).
 */
import { parseAccept } from "hono/utils/accept";

/** The codings this service sends, best first: brotli is the smaller. */
const CODINGS = ["br", "gzip"] as const;

export type ContentCoding = typeof CODINGS[number];

/**
 * The codings the client accepts, the one it wants most first: by q-value, then in our order.
 * `q=0` refuses a coding and `*` stands for every coding it does not name; without the
 * header, the client gets the identity.
 */
export function acceptedCodings(acceptEncoding: string | undefined): ContentCoding[] {
  const accepts = parseAccept(acceptEncoding ?? "");
  const wildcard = accepts.find(({ type }) => type === "*")?.q ?? 0;
  const quality = (coding: ContentCoding) =>
    accepts.find(({ type }) => type.toLowerCase() === coding)?.q ?? wildcard;
  return CODINGS.filter((coding) => quality(coding) > 0)
    .sort((a, b) => quality(b) - quality(a)); // stable: equal q-values keep our order
}
