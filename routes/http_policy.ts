/**
 * The service's HTTP policy, applied before every route so 404s and errors follow it too:
 * security headers on every response, CORS for the read-only open-data API, 405 for any
 * method a read-only path does not serve, large JSON and CSV answers compressed, and HEAD
 * answers that tell the GET body's length as sent.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { compressAnswers } from "./compression.ts";
import { DOCS_STYLE_SOURCE } from "./docs_page.ts";
import { methodNotAllowed } from "./problem.ts";

/** Readable from any origin: the open-data API and its OpenAPI document. */
const CORS_PATHS = ["/api/*", "/openapi.json"];
/** Read-only too, but only for this origin's pages and for probes. */
const SAME_ORIGIN_PATHS = ["/healthz", "/docs"];

const CORS_ALLOW = "GET, HEAD, OPTIONS";
const SAME_ORIGIN_ALLOW = "GET, HEAD";

/**
 * Browsers cap a preflight's max-age (Chromium at 2 h); a day lets each browser use its own
 * cap, and the policy only changes with a deploy.
 */
const PREFLIGHT_MAX_AGE_S = 86_400;

const CONTENT_SECURITY_POLICY = {
  // Everything the web UI (web/dist) and /docs load comes from this origin.
  defaultSrc: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // The UI's favicon is `data:,` (no request); Firefox checks favicons against img-src.
  imgSrc: ["'self'", "data:"],
  // The UI's styles are one Vite-built file, and uPlot and Svelte only style through the
  // CSSOM (`element.style.x = …`), which CSP does not restrict: no 'unsafe-inline'. /docs
  // has a single inline <style>, allowed by its hash.
  styleSrc: ["'self'", DOCS_STYLE_SOURCE],
};

const securityHeaders = secureHeaders({
  contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  xFrameOptions: "DENY",
  // The service speaks plain HTTP behind whatever terminates TLS; browsers ignore HSTS over
  // HTTP, and only the TLS front knows whether `includeSubDomains` is safe for its domain.
  strictTransportSecurity: false,
  // Headers only obsolete browsers read (IE8's download prompt, Flash's cross-domain policy,
  // the XSS auditor Chromium removed in 2019, DNS prefetch hints, origin-keyed agent
  // clusters, which browsers now decide themselves): each costs every answer its set and its
  // bytes, for no browser in use.
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  originAgentCluster: false,
  // Other defaults kept: nosniff, Referrer-Policy: no-referrer, COOP and CORP same-origin
  // (CORP only binds no-cors loads; the API's CORS reads are unaffected).
});

/** Any origin may read, never with credentials: the data is public and nothing is written. */
const CORS_OPTIONS = {
  origin: "*",
  allowMethods: CORS_ALLOW.split(", "),
  // The CSV exports' file name, when to retry after a 503, and the validator to revalidate with.
  exposeHeaders: ["Content-Disposition", "Retry-After", "ETag"],
  maxAge: PREFLIGHT_MAX_AGE_S,
};

const preflightCors = cors(CORS_OPTIONS);

/**
 * Hono's cors middleware answers every OPTIONS with 204 itself. A plain OPTIONS (not a
 * preflight) asks what the resource supports, so its 204 also carries `Allow`, as RFC 9110
 * §9.3.7 suggests; 405 would contradict the `Allow` that lists OPTIONS.
 *
 * Other methods get their two headers on the final answer instead: Hono's cors sets them on a
 * placeholder response before the route runs, which makes Hono rebuild every answer and copy
 * its headers (a fifth of a small answer's cost, measured).
 */
const openDataCors: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "OPTIONS") {
    const optionsAnswer = await preflightCors(c, next);
    optionsAnswer?.headers.set("Allow", CORS_ALLOW);
    return optionsAnswer;
  }
  await next();
  c.res.headers.set("Access-Control-Allow-Origin", CORS_OPTIONS.origin);
  c.res.headers.set("Access-Control-Expose-Headers", CORS_OPTIONS.exposeHeaders.join(","));
};

/** Every method but GET and HEAD (TRACE and extension methods included) gets the 405 problem. */
function readOnly(allow: string): MiddlewareHandler {
  const refuse = methodNotAllowed(allow);
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return await next();
    return refuse(c);
  };
}

/**
 * Hono answers HEAD by running the GET route and dropping its body, and Deno.serve then
 * announces `content-length: 0`. Count the GET body instead (RFC 9110 §9.3.2), which also
 * closes what it held, such as a static file's handle.
 */
const headWithLength: MiddlewareHandler = async (c, next) => {
  await next();
  const body = c.req.method === "HEAD" ? c.res.body : null;
  if (!body) return;
  const length = c.res.headers.get("Content-Length") ?? String(await byteLength(body));
  await body.cancel();
  c.res = new Response(null, c.res);
  c.res.headers.set("Content-Length", length);
};

async function byteLength(body: ReadableStream<Uint8Array>): Promise<number> {
  let length = 0;
  for await (const chunk of body) length += chunk.byteLength;
  return length;
}

export function useHttpPolicy(app: Hono): void {
  // headWithLength first: it sees the final response, compressed by compressAnswers.
  app.use(headWithLength, compressAnswers, securityHeaders);
  for (const path of CORS_PATHS) app.use(path, openDataCors, readOnly(CORS_ALLOW));
  for (const path of SAME_ORIGIN_PATHS) app.use(path, readOnly(SAME_ORIGIN_ALLOW));
}
