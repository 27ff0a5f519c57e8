/**
 * The service's HTTP policy, applied before every route so 404s and errors follow it too:
 * security headers on every response, CORS for the read-only open-data API, 405 for any
 * method a read-only path does not serve, large JSON and CSV answers compressed, and HEAD
 * answers that tell the GET body's length as sent.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { compressAnswer } from "./compression.ts";
import {
  CORS_PATHS,
  EXPOSED_HEADERS,
  isCompleteAnswer,
  OPEN_DATA_ORIGIN,
  policyHeadersOf,
} from "./answer_headers.ts";
import { methodNotAllowed } from "./problem.ts";

/** Read-only too, but only for this origin's pages and for probes. */
const SAME_ORIGIN_PATHS = ["/healthz", "/docs"];

const CORS_ALLOW = "GET, HEAD, OPTIONS";
const SAME_ORIGIN_ALLOW = "GET, HEAD";

/**
 * Browsers cap a preflight's max-age (Chromium at 2 h); a day lets each browser use its own
 * cap, and the policy only changes with a deploy.
 */
const PREFLIGHT_MAX_AGE_S = 86_400;

/** Any origin may read, never with credentials: the data is public and nothing is written. */
const CORS_OPTIONS = {
  origin: OPEN_DATA_ORIGIN,
  allowMethods: CORS_ALLOW.split(", "),
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: PREFLIGHT_MAX_AGE_S,
};

/** Sets the policy's headers on an answer not built complete (404s and errors included). */
function addPolicyHeaders(c: Context): void {
  if (isCompleteAnswer(c.res)) return;
  const { headers } = c.res;
  for (const [name, value] of policyHeadersOf(c)) headers.set(name, value);
}

const preflightCors = cors(CORS_OPTIONS);

/**
 * Hono's cors middleware answers every OPTIONS with 204 itself. A plain OPTIONS (not a
 * preflight) asks what the resource supports, so its 204 also carries `Allow`, as RFC 9110
 * §9.3.7 suggests; 405 would contradict the `Allow` that lists OPTIONS. Other methods get
 * their CORS headers from the policy, on the final answer: Hono's cors sets them on a
 * placeholder response before the route runs, which makes Hono rebuild every answer.
 */
const openDataOptions: MiddlewareHandler = async (c, next) => {
  const optionsAnswer = await preflightCors(c, next);
  optionsAnswer?.headers.set("Allow", CORS_ALLOW);
  return optionsAnswer;
};

/**
 * GET and HEAD are served, OPTIONS too where `answerOptions` is given; every other method
 * (TRACE and extension methods included) gets the 405 problem.
 */
function readOnly(allow: string, answerOptions?: MiddlewareHandler): MiddlewareHandler {
  const refuse = methodNotAllowed(allow);
  return (c, next) => {
    const { method } = c.req;
    if (method === "GET" || method === "HEAD") return next();
    if (method === "OPTIONS" && answerOptions) return answerOptions(c, next);
    return Promise.resolve(refuse(c));
  };
}

/**
 * Hono answers HEAD by running the GET route and dropping its body, and Deno.serve then
 * announces `content-length: 0`. Count the GET body instead (RFC 9110 §9.3.2), which also
 * closes what it held, such as a static file's handle.
 */
async function countHeadBody(c: Context): Promise<void> {
  const body = c.req.method === "HEAD" ? c.res.body : null;
  if (!body) return;
  const length = c.res.headers.get("Content-Length") ?? String(await byteLength(body));
  await body.cancel();
  c.res = new Response(null, c.res);
  c.res.headers.set("Content-Length", length);
}

async function byteLength(body: ReadableStream<Uint8Array>): Promise<number> {
  let length = 0;
  for await (const chunk of body) length += chunk.byteLength;
  return length;
}

/**
 * What every answer goes through once its route has made it, in this order: the policy's
 * headers, compression, then HEAD's length, which must be the compressed body's. One
 * middleware rather than one per step: each layer costs every request (~1 µs, measured).
 */
const finishAnswer: MiddlewareHandler = async (c, next) => {
  await next();
  addPolicyHeaders(c);
  await compressAnswer(c);
  await countHeadBody(c);
};

export function useHttpPolicy(app: Hono): void {
  app.use(finishAnswer);
  for (const path of CORS_PATHS) app.use(path, readOnly(CORS_ALLOW, openDataOptions));
  for (const path of SAME_ORIGIN_PATHS) app.use(path, readOnly(SAME_ORIGIN_ALLOW));
}
