/**
 * The one HTTP client for external APIs: per-attempt time-out, retries with exponential
 * backoff and jitter for network errors, 5xx and 429 (honouring Retry-After), and
 * conditional GET. Feeds with special rules (Ticketmaster's two kinds of 429) pass
 * `retryDelayMs` to decide per response.
 */

export class HttpError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "HttpError";
  }
}

export interface FetchRetryOptions {
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
 * GETs `url`. Returns the final response whatever its status (the caller decides what a
 * 404 means); throws HttpError when every attempt failed at the network level.
 */
export async function fetchWithRetry(
  url: string | URL,
  options: FetchRetryOptions = {},
): Promise<Response> {
  const { timeoutMs, retries, baseDelayMs, maxDelayMs } = {
    ...DEFAULTS,
    ...options,
  };
  const retryDelay = options.retryDelayMs ??
    ((response: Response, attempt: number) =>
      response.status >= 500 || response.status === 429
        ? retryAfterMs(response) ?? backoffMs(attempt, baseDelayMs, maxDelayMs)
        : undefined);
  let lastError = "";
  for (let attempt = 0;; attempt++) {
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    let waitMs: number | undefined;
    try {
      const response = await fetch(url, {
        headers: options.headers,
        signal: AbortSignal.any(signals),
      });
      waitMs = attempt < retries ? await retryDelay(response, attempt) : undefined;
      if (waitMs === undefined) return response;
      lastError = `HTTP ${response.status}`;
      await response.body?.cancel();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      lastError = describeFetchError(error, timeoutMs);
      if (attempt >= retries) {
        throw new HttpError(
          `GET ${url} failed after ${attempt + 1} attempts: ${lastError}`,
        );
      }
      waitMs = backoffMs(attempt, baseDelayMs, maxDelayMs);
    }
    await sleep(waitMs, options.signal);
  }
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

export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

export type ConditionalResult =
  | { status: "not-modified" }
  | {
    status: "ok";
    bytes: Uint8Array;
    validators: Validators;
    contentType: string | null;
  };

/**
 * GET with If-None-Match / If-Modified-Since. A non-2xx, non-304 final response throws
 * HttpError naming the URL and status.
 */
export async function conditionalGet(
  url: string | URL,
  validators: Validators,
  options: FetchRetryOptions = {},
): Promise<ConditionalResult> {
  const headers = new Headers(options.headers);
  if (validators.etag) headers.set("if-none-match", validators.etag);
  if (validators.lastModified) {
    headers.set("if-modified-since", validators.lastModified);
  }
  const response = await fetchWithRetry(url, { ...options, headers });
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: "not-modified" };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new HttpError(
      `GET ${url} answered HTTP ${response.status}`,
      response.status,
    );
  }
  return {
    status: "ok",
    bytes: new Uint8Array(await response.arrayBuffer()),
    validators: {
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
    },
    contentType: response.headers.get("content-type"),
  };
}
