/**
 * The one HTTP client for external APIs: per-attempt time-out, retries with exponential
 * backoff and jitter for network errors, 5xx and 429 (honouring Retry-After), and
 * conditional GET. Feeds with special rules (Ticketmaster's two kinds of 429) pass
 * `retryDelayMs` to decide per response; `fetchAndReadWithRetry` also retries a body that
 * cannot be read or parsed. A host this task's --allow-net excludes fails at once, never retried.
 */
import type { Validators } from "../db/http_validators.ts";

export class HttpError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * The process may not reach the host (Deno's --allow-net, Deno.errors.NotCapable): retrying
 * cannot help, the configuration or the task must change.
 */
export class HostNotAllowedError extends Error {
  constructor(readonly host: string, setting = "the feed's *_BASE_URL") {
    super(
      `Cannot reach "${host}": not allowed by this task's --allow-net (deno.json); ` +
        `point ${setting} at an allowed host or change the task`,
    );
    this.name = "HostNotAllowedError";
  }
}

/**
 * Why this process may not reach `url`'s host, or undefined when it may. CLIs check their
 * configured URLs before a run starts; a query never prompts, even on a terminal.
 */
export function unreachableHost(
  url: string | URL,
  setting: string,
): HostNotAllowedError | undefined {
  const host = netHost(url);
  const { state } = Deno.permissions.querySync({ name: "net", host });
  return state === "granted" ? undefined : new HostNotAllowedError(host, setting);
}

/** `host:port`, as --allow-net and Deno's permission errors spell it. */
function netHost(url: string | URL): string {
  const { hostname, port, protocol } = new URL(url);
  return `${hostname}:${port || (protocol === "https:" ? "443" : "80")}`;
}

export interface FetchRetryOptions {
  /** GET by default. */
  method?: string;
  /** Sent again on every attempt, so a string or URLSearchParams, never a stream. */
  body?: string | URLSearchParams;
  headers?: HeadersInit;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first one. */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /**
   * How long to wait before retrying this response, or undefined to return it as final.
   * Default: retry 5xx and 429 with backoff (or the Retry-After header). May be async
   * when the decision needs the body (read a `response.clone()`, never the response).
   */
  retryDelayMs?: (
    response: Response,
    attempt: number,
  ) => number | undefined | Promise<number | undefined>;
  /**
   * How long to wait before retrying after a network error, a time-out or a failed read,
   * or undefined to give up at once. Default: backoff.
   */
  errorDelayMs?: (error: unknown, attempt: number) => number | undefined;
  /** The setting `url` comes from (`AIRQINO_BASE_URL`), named when the task may not reach it. */
  setting?: string;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  retries: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Backoff for attempt n (0-based): base × 2ⁿ, capped, with ±25 % jitter. */
export function backoffMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
): number {
  const raw = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

/** Seconds or HTTP-date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * GETs `url` (or sends `method` with `body`). Returns the final response whatever its status
 * (the caller decides what a 404 means); throws HttpError when every attempt failed at the
 * network level.
 */
export async function fetchWithRetry(
  url: string | URL,
  options: FetchRetryOptions = {},
): Promise<Response> {
  return await fetchAndReadWithRetry(url, (response) => Promise.resolve(response), options);
}

/**
 * fetchWithRetry with the body read inside each attempt, under its time-out: when `read`
 * throws (the connection drops mid-body, a 200 that is an HTML error page), the attempt is
 * retried like a network error. `read` gets each attempt's final response, whatever its
 * status; throws HttpError when no attempt could be read, HostNotAllowedError at once when
 * the task may not reach the host.
 */
export async function fetchAndReadWithRetry<T>(
  url: string | URL,
  read: (response: Response) => Promise<T>,
  options: FetchRetryOptions = {},
): Promise<T> {
  const { timeoutMs, retries, baseDelayMs, maxDelayMs } = {
    ...DEFAULTS,
    ...options,
  };
  const retryDelay = options.retryDelayMs ??
    ((response: Response, attempt: number) =>
      response.status >= 500 || response.status === 429
        ? retryAfterMs(response) ?? backoffMs(attempt, baseDelayMs, maxDelayMs)
        : undefined);
  const errorDelay = options.errorDelayMs ??
    ((_: unknown, attempt: number) => backoffMs(attempt, baseDelayMs, maxDelayMs));
  for (let attempt = 0;; attempt++) {
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    const signal = AbortSignal.any(signals);
    let response: Response | undefined;
    let waitMs: number | undefined;
    try {
      response = countedBody(
        await fetch(url, {
          method: options.method,
          body: options.body,
          headers: options.headers,
          signal,
        }),
        signal,
      );
      waitMs = attempt < retries ? await retryDelay(response, attempt) : undefined;
      if (waitMs === undefined) return await read(response);
      await response.body?.cancel();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        // The refused host is named in the message (it may be a redirect's, not `url`'s).
        const host = /"([^"]+)"/.exec(error.message)?.[1] ?? netHost(url);
        throw new HostNotAllowedError(host, options.setting);
      }
      if (options.signal?.aborted) throw error;
      if (response && !response.bodyUsed) await response.body?.cancel().catch(() => {});
      waitMs = attempt < retries ? errorDelay(error, attempt) : undefined;
      if (waitMs === undefined) {
        throw new HttpError(
          `${options.method ?? "GET"} ${url} failed after ${attempt + 1} ` +
            `attempt${attempt === 0 ? "" : "s"}: ` +
            describeFetchError(error, timeoutMs),
        );
      }
    }
    await sleep(waitMs, options.signal);
  }
}

/** A response read to its end inside the attempt (for fetchAndReadWithRetry). */
export interface TextAnswer {
  status: number;
  ok: boolean;
  text: string;
}

export async function readText(response: Response): Promise<TextAnswer> {
  return { status: response.status, ok: response.ok, text: await response.text() };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no response within ${timeoutMs} ms`;
  }
  if (!(error instanceof Error)) return String(error);
  // fetch says only "fetch failed"; the reason (refused, DNS, TLS) is in its cause.
  const cause = error.cause instanceof Error
    ? `: ${error.cause.message.replace(/^error sending request for url \(.*?\): /, "")}`
    : "";
  return error.message + cause;
}

/** The body ended before its end: the peer closed the connection, or sent less than it said. */
class BodyCutError extends Error {
  constructor(received: number, expected: number | undefined) {
    super(`connection closed after ${received} bytes of ${expected ?? "the body"}`);
    this.name = "BodyCutError";
  }
}

/**
 * `response` with its body counted as it streams, so that a body cut short fails with
 * BodyCutError saying how far it got. A time-out or abort (`signal`) stays what it is.
 */
function countedBody(response: Response, signal: AbortSignal): Response {
  if (response.body === null) return response;
  // Content-Length counts the encoded bytes; the body arrives decoded.
  const encoded = (response.headers.get("content-encoding") ?? "identity") !== "identity";
  const declared = response.headers.get("content-length");
  const expected = declared === null || encoded ? undefined : Number(declared);
  const reader = response.body.getReader();
  let received = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw signal.aborted ? error : new BodyCutError(received, expected);
      }
      if (!chunk.done) {
        received += chunk.value.length;
        controller.enqueue(chunk.value);
      } else if (expected !== undefined && received < expected) {
        controller.error(new BodyCutError(received, expected));
      } else {
        controller.close();
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const { status, statusText, headers } = response;
  return new Response(body, { status, statusText, headers });
}

/** Resolves after `ms`, or rejects when `signal` aborts; never leaves a timer behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export type ConditionalResult =
  | { status: "not-modified" }
  | {
    status: "ok";
    /** The body, streamed; it fails once it passes `maxBytes`. Read it or cancel it. */
    body: ReadableStream<Uint8Array>;
    validators: Validators;
  };

/** Larger answers are refused: RTE's biggest file is a few megabytes. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * GET with If-None-Match / If-Modified-Since. A non-2xx, non-304 final response throws
 * HttpError naming the URL and status.
 */
export async function conditionalGet(
  url: string | URL,
  validators: Validators,
  options: FetchRetryOptions & { maxBytes?: number } = {},
): Promise<ConditionalResult> {
  const headers = new Headers(options.headers);
  if (validators.etag) headers.set("if-none-match", validators.etag);
  if (validators.lastModified) headers.set("if-modified-since", validators.lastModified);
  const response = await fetchWithRetry(url, { ...options, headers });
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: "not-modified" };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new HttpError(`GET ${url} answered HTTP ${response.status}`, response.status);
  }
  return {
    status: "ok",
    body: response.body.pipeThrough(byteLimit(url, options.maxBytes ?? DEFAULT_MAX_BYTES)),
    validators: {
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
    },
  };
}

function byteLimit(url: string | URL, maxBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > maxBytes) {
        controller.error(new HttpError(`GET ${url}: the answer is larger than ${maxBytes} bytes`));
      } else {
        controller.enqueue(chunk);
      }
    },
  });
}
