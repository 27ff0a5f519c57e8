/**
 * The headers the HTTP policy gives every answer: security headers everywhere, and CORS on
 * the open-data paths. http_policy.ts sets them on answers after the route; a route may
 * instead build its answer complete (`completeAnswer`), which the middlewares leave as is.
 */
import type { Context } from "hono";
import { DOCS_STYLE_SOURCE } from "./docs_page.ts";

/** Readable from any origin: the open-data API and its OpenAPI document (Hono patterns). */
export const CORS_PATHS = ["/api/*", "/openapi.json"];

/** The policy of pages: the web UI (web/dist) and /docs. */
const PAGE_POLICY = [
  // Everything the web UI and /docs load comes from this origin.
  "default-src 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  // The UI's favicon is `data:,` (no request); Firefox checks favicons against img-src.
  "img-src 'self' data:",
  // The UI's styles are one Vite-built file, and uPlot and Svelte only style through the
  // CSSOM (`element.style.x = …`), which CSP does not restrict: no 'unsafe-inline'. /docs
  // has a single inline <style>, allowed by its hash.
  `style-src 'self' ${DOCS_STYLE_SOURCE}`,
].join("; ");

/**
 * The policy of the open-data paths' answers (JSON, CSV, problems): opened in a browser, they
 * are documents that load nothing and may not be framed. Short too: Deno checks every
 * character of every header of every answer (~8 ns each here), and the pages' policy is ~200.
 */
const DATA_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * The security headers of every answer, with its policy. Not sent: HSTS (the service speaks
 * plain HTTP behind whatever terminates TLS; browsers ignore HSTS over HTTP, and only the TLS
 * front knows whether `includeSubDomains` is safe for its domain), and the headers only
 * obsolete browsers read (X-XSS-Protection, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-DNS-Prefetch-Control, Origin-Agent-Cluster), each of
 * which would cost every answer.
 */
function securityHeaders(policy: string): ReadonlyArray<readonly [string, string]> {
  return [
    ["Content-Security-Policy", policy],
    // CORP only binds no-cors loads: the API's CORS reads are unaffected.
    ["Cross-Origin-Resource-Policy", "same-origin"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
    ["Referrer-Policy", "no-referrer"],
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
  ];
}

const PAGE_HEADERS = securityHeaders(PAGE_POLICY);
const DATA_HEADERS = securityHeaders(DATA_POLICY);

/** Any origin may read: the data is public. */
export const OPEN_DATA_ORIGIN = "*";
/** The CSV exports' file name, when to retry after a 503, and the validator to revalidate with. */
export const EXPOSED_HEADERS = ["Content-Disposition", "Retry-After", "ETag"];

/** The open-data paths' answers (OPTIONS aside): readable from any origin. */
const OPEN_DATA_HEADERS = [
  ...DATA_HEADERS,
  ["Access-Control-Allow-Origin", OPEN_DATA_ORIGIN],
  ["Access-Control-Expose-Headers", EXPOSED_HEADERS.join(",")],
] as const;

/** The headers the policy gives an answer to this request. */
export function policyHeadersOf(c: Context): ReadonlyArray<readonly [string, string]> {
  if (!isCorsPath(c.req.path)) return PAGE_HEADERS;
  return c.req.method === "OPTIONS" ? DATA_HEADERS : OPEN_DATA_HEADERS;
}

/** CORS_PATHS as paths matched exactly and prefixes (`/api/*`: `/api` and `/api/…`). */
const CORS_EXACT = CORS_PATHS.map((pattern) => pattern.replace(/\/\*$/, ""));
const CORS_PREFIXES = CORS_PATHS.filter((pattern) => pattern.endsWith("/*"))
  .map((pattern) => pattern.slice(0, -1));

function isCorsPath(path: string): boolean {
  return CORS_EXACT.includes(path) || CORS_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * Answers built with every header they will be sent with: the middlewares leave them as they
 * are. Deno prepares a response for sending when it is constructed; a header set afterwards
 * makes it drop that and start over, which cost a day's answer ~15 % of its time (measured).
 */
const completeAnswers = new WeakSet<Response>();

/**
 * An answer with the policy's headers added to `headers`, which must hold the rest: `Vary`
 * naming `Accept-Encoding` for JSON and CSV (compressAnswer only touches it to compress it).
 */
export function completeAnswer(
  c: Context,
  body: BodyInit | null,
  status: number,
  headers: Record<string, string>,
): Response {
  const all = { ...headers };
  for (const [name, value] of policyHeadersOf(c)) all[name] = value;
  const answer = new Response(body, { status, headers: all });
  completeAnswers.add(answer);
  return answer;
}

/** Whether the answer was built complete: no middleware needs to add a header to it. */
export function isCompleteAnswer(answer: Response): boolean {
  return completeAnswers.has(answer);
}
