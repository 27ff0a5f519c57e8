/**
 * Conditional GET (RFC 9110 §13): weak entity tags derived from what an answer depends on,
 * `If-None-Match` read with the weak comparison a GET or HEAD calls for, and how /openapi.json
 * describes both.
 */
import { z } from "@hono/zod-openapi";
import { Digest } from "../lib/digest.ts";

/** The headers of an answer that can be revalidated, for `createRoute({ responses })`. */
export const REVALIDATION_HEADERS = z.object({
  ETag: z.string().openapi({
    description: "Weak validator of this answer: send it back in If-None-Match to get a 304 " +
      "when the data has not changed",
    example: 'W/"3f2a9c04b1d27e65"',
  }),
  "Cache-Control": z.string().openapi({
    description: "How long the answer may be reused without asking",
    example: "public, max-age=86400",
  }),
});

/** The 304 answer, for `createRoute({ responses })`. */
export const NOT_MODIFIED = {
  description: "Not modified: the If-None-Match validator is still the answer's; no body",
  headers: REVALIDATION_HEADERS,
};

/** `W/"…"` of a text naming everything the answer depends on. */
export function weakEntityTag(dependsOn: string): string {
  const digest = new Digest();
  digest.addText(dependsOn);
  return `W/"${digest.hex()}"`;
}

/** Whether `If-None-Match` names the answer's tag (or is `*`): then 304 instead of the body. */
export function noneMatchHits(ifNoneMatch: string | undefined, entityTag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = entityTag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === opaque;
  });
}
