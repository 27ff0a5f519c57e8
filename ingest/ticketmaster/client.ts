/**
 * Discovery API v2 client: one request at a time, spaced (spike arrest), counted against a
 * per-run budget and the daily quota the API reports, on top of the shared fetchWithRetry.
 * 429 SpikeArrestViolation, 5xx, network errors and unreadable answers (a body cut off, a 200
 * that is not JSON) wait and retry; 429 QuotaViolation, an exhausted budget and retries run
 * out throw StopFetching so the caller keeps what it has. A host the process may not reach
 * (HostNotAllowedError from the shared client; a redirect may lead there) is thrown as is:
 * it is fatal, nothing is kept. The API key travels in the query string (the API's only way)
 * and is redacted from every message.
 */
import { backoffMs, fetchAndReadWithRetry, HostNotAllowedError } from "../http.ts";
import type { EventsPage, PageInfo } from "./discovery_types.ts";
import type { Segment } from "../../db/event_segments.ts";
import { type Clock, RequestSpacer, systemClock } from "./spacer.ts";

export const DEFAULT_BASE_URL = "https://app.ticketmaster.com";
/**
 * The limit is 5 requests/second with a burst of 1, measured on arrival: 50 ms of slack
 * absorbs network jitter (210 ms still drew spike arrests in the benchmark).
 */
export const DEFAULT_SPACING_MS = 250;
/** Per run: a splitting bug must not burn the 5,000-call daily quota. */
export const DEFAULT_MAX_REQUESTS = 500;
/** Stop while the daily quota still has this many calls left, for other uses of the key. */
export const DEFAULT_QUOTA_RESERVE = 50;

export interface ClientOptions {
  apiKey: string;
  baseUrl?: string;
  spacingMs?: number;
  maxRequests?: number;
  quotaReserve?: number;
  /** Retries after the first attempt: 5xx, network errors, unreadable answers, spike arrests. */
  retries?: number;
  retryBaseDelayMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * The run cannot go on for now (quota, budget, or 429/5xx/network failures that outlasted
 * the retries): the caller keeps what was fetched and reports the run as incomplete.
 */
export class StopFetching extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StopFetching";
  }
}

/** A request the API refuses for good: a bad key (401/403) or a bad parameter (400). */
export class TicketmasterError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "TicketmasterError";
  }
}

const EVENTS_PATH = "/discovery/v2/events.json";
const CLASSIFICATIONS_PATH = "/discovery/v2/classifications.json";
const MAX_RETRY_DELAY_MS = 30_000;

/** A read answer: a 2xx's parsed value, or another status with its body. */
type Answer<T> = { ok: true; value: T } | { ok: false; status: number; text: string };

export class DiscoveryClient {
  /** Calls made, retries included: each one counts against the daily quota. */
  requests = 0;
  spikeArrests = 0;
  /** `Rate-Limit-Available` of the last answer that had it. */
  quotaAvailable?: number;
  /** `Rate-Limit-Reset` (epoch ms) of the last answer that had it. */
  quotaResetMs?: number;

  readonly #options: Required<Omit<ClientOptions, "signal" | "clock">>;
  readonly #signal?: AbortSignal;
  readonly #clock: Clock;
  readonly #spacer: RequestSpacer;

  constructor(options: ClientOptions) {
    this.#options = {
      baseUrl: DEFAULT_BASE_URL,
      spacingMs: DEFAULT_SPACING_MS,
      maxRequests: DEFAULT_MAX_REQUESTS,
      quotaReserve: DEFAULT_QUOTA_RESERVE,
      retries: 4,
      retryBaseDelayMs: 1000,
      timeoutMs: 30_000,
      // An option passed as undefined keeps its default.
      ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
      apiKey: options.apiKey,
    };
    this.#signal = options.signal;
    this.#clock = options.clock ?? systemClock;
    this.#spacer = new RequestSpacer(this.#options.spacingMs, this.#clock);
  }

  /** One page of `/discovery/v2/events.json`. */
  searchEvents(params: Record<string, string>): Promise<EventsPage> {
    return this.#get(EVENTS_PATH, params, (body) => {
      const events = body?._embedded?.events;
      return {
        events: Array.isArray(events) ? events : [],
        page: pageInfo(body?.page),
      };
    });
  }

  /** Every segment the live API knows, by name. */
  async listSegments(): Promise<Segment[]> {
    const segments = new Map<string, Segment>();
    for (let page = 0, pages = 1; page < pages; page++) {
      const { list, info } = await this.#get(CLASSIFICATIONS_PATH, {
        size: "100",
        page: String(page),
      }, (body) => ({ list: body?._embedded?.classifications, info: pageInfo(body?.page) }));
      pages = Math.min(info.totalPages, 10);
      for (const entry of Array.isArray(list) ? list : []) {
        const segment = entry?.segment;
        if (typeof segment?.id === "string" && typeof segment.name === "string") {
          segments.set(segment.id, { id: segment.id, name: segment.name });
        }
      }
    }
    return [...segments.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * One call, retried as needed. `parse` runs inside the attempt, so an answer it cannot
   * use is retried like a 5xx.
   */
  async #get<T>(
    path: string,
    params: Record<string, string>,
    parse: (body: DiscoveryBody) => T,
  ): Promise<T> {
    this.#checkBudget();
    await this.#spacer.acquire(this.#signal);
    this.requests++;
    const url = new URL(path, this.#options.baseUrl);
    for (const [name, value] of Object.entries(params)) {
      url.searchParams.set(name, value);
    }
    url.searchParams.set("apikey", this.#options.apiKey);
    let answer: Answer<T>;
    try {
      answer = await fetchAndReadWithRetry(url, (response) => this.#read(response, parse), {
        headers: { accept: "application/json" },
        retries: this.#options.retries,
        baseDelayMs: this.#options.retryBaseDelayMs,
        maxDelayMs: MAX_RETRY_DELAY_MS,
        timeoutMs: this.#options.timeoutMs,
        signal: this.#signal,
        retryDelayMs: (r, attempt) => this.#retryDelay(r, attempt),
        errorDelayMs: (_, attempt) => this.#scheduleRetry(attempt),
        setting: "TICKETMASTER_BASE_URL",
      });
    } catch (error) {
      if (this.#signal?.aborted) throw error;
      // The process may not reach the host (--allow-net): no retry or later run gets past it.
      if (error instanceof HostNotAllowedError) throw error;
      throw new StopFetching(
        this.#redact(`No usable answer from Ticketmaster: ${(error as Error).message}`),
      );
    }
    if (!answer.ok) throw this.#failure(answer.status, answer.text);
    return answer.value;
  }

  async #read<T>(
    response: Response,
    parse: (body: DiscoveryBody) => T,
  ): Promise<Answer<T>> {
    this.#noteQuota(response.headers);
    const text = await response.text();
    if (!response.ok) return { ok: false, status: response.status, text };
    let body: DiscoveryBody;
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy's or CDN's HTML page, or a truncated body: worth another try.
      throw new Error(
        `the ${response.status} answer is not JSON ` +
          `(${response.headers.get("content-type") ?? "no content type"}: ` +
          `${JSON.stringify(text.slice(0, 60))})`,
      );
    }
    return { ok: true, value: parse(body) };
  }

  async #retryDelay(
    response: Response,
    attempt: number,
  ): Promise<number | undefined> {
    if (response.status === 429) {
      // Only the body tells a spike arrest (retry) from the daily quota (stop).
      const code = faultCode(await response.clone().text());
      if (code.endsWith("QuotaViolation")) return undefined;
      this.spikeArrests++;
    } else if (response.status < 500) {
      return undefined;
    }
    return this.#scheduleRetry(attempt);
  }

  /** The wait before retry n, counted and reserved; undefined when the budget is spent. */
  #scheduleRetry(attempt: number): number | undefined {
    const { retryBaseDelayMs, spacingMs } = this.#options;
    if (this.#budgetProblem()) return undefined;
    const waitMs = Math.max(
      spacingMs,
      backoffMs(attempt, retryBaseDelayMs, MAX_RETRY_DELAY_MS),
    );
    this.requests++;
    this.#spacer.reserve(this.#clock.now() + waitMs);
    return waitMs;
  }

  #checkBudget(): void {
    const problem = this.#budgetProblem();
    if (problem) throw new StopFetching(problem);
  }

  #budgetProblem(): string | undefined {
    const { maxRequests, quotaReserve } = this.#options;
    if (this.requests >= maxRequests) {
      return `Request budget reached: ${maxRequests} requests in this run (--max-requests)`;
    }
    if (
      this.quotaAvailable !== undefined && this.quotaAvailable <= quotaReserve
    ) {
      return `Daily quota nearly used: ${this.quotaAvailable} calls left ` +
        `(Rate-Limit-Available), ${quotaReserve} kept in reserve${this.#resetNote()}`;
    }
    return undefined;
  }

  #noteQuota(headers: Headers): void {
    const available = Number(headers.get("rate-limit-available") ?? NaN);
    const reset = Number(headers.get("rate-limit-reset") ?? NaN);
    if (Number.isFinite(available)) this.quotaAvailable = available;
    if (Number.isFinite(reset) && reset > 0) this.quotaResetMs = reset;
  }

  #failure(status: number, body: string): Error {
    const detail = this.#redact(errorDetail(body));
    if (status === 429) {
      return faultCode(body).endsWith("QuotaViolation")
        ? new StopFetching(
          `Ticketmaster daily quota exhausted (QuotaViolation)${this.#resetNote()}`,
        )
        : new StopFetching(
          `Ticketmaster still refuses requests as too fast after ${this.#options.retries} retries (${detail})`,
        );
    }
    if (status >= 500) {
      return new StopFetching(
        `Ticketmaster still answers ${status} after ${this.#options.retries} retries (${detail})`,
      );
    }
    if (status === 401 || status === 403) {
      return new TicketmasterError(
        `Ticketmaster rejected the API key (${status} ${detail}); check TICKETMASTER_API_KEY`,
        status,
      );
    }
    return new TicketmasterError(
      `Ticketmaster answered ${status}: ${detail}`,
      status,
    );
  }

  #resetNote(): string {
    return this.quotaResetMs === undefined
      ? ""
      : `; it resets at ${new Date(this.quotaResetMs).toISOString()}`;
  }

  // The key appears in QuotaViolation bodies and in fetch error messages (the URL).
  #redact(text: string): string {
    const key = this.#options.apiKey;
    return text
      .replaceAll(key, "***")
      .replaceAll(encodeURIComponent(key), "***")
      .replace(/apikey=[^&\s]*/gi, "apikey=***");
  }
}

/** The parts of a Discovery answer the client reads; any of them may be missing. */
type DiscoveryBody = {
  _embedded?: { events?: unknown; classifications?: unknown };
  page?: Partial<PageInfo>;
} | null;

function pageInfo(page: Partial<PageInfo> | undefined): PageInfo {
  const number = (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) ? value : undefined;
  const totalElements = number(page?.totalElements);
  if (totalElements === undefined) {
    throw new Error("the answer has no page.totalElements; cannot page safely");
  }
  return {
    size: number(page?.size) ?? 0,
    totalElements,
    totalPages: number(page?.totalPages) ?? 0,
    number: number(page?.number) ?? 0,
  };
}

/** `policies.ratelimit.QuotaViolation` from an Apigee fault body, or "". */
function faultCode(body: string): string {
  try {
    const code = JSON.parse(body)?.fault?.detail?.errorcode;
    return typeof code === "string" ? code : "";
  } catch {
    return "";
  }
}

/** The readable part of either error shape (Discovery `errors[]`, Apigee `fault`). */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body);
    const first = parsed?.errors?.[0];
    if (first?.detail) {
      return first.code ? `${first.code}: ${first.detail}` : first.detail;
    }
    const fault = parsed?.fault;
    if (fault?.faultstring) {
      const code = fault.detail?.errorcode;
      return code ? `${code}: ${fault.faultstring}` : fault.faultstring;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200).trim() || "no details";
}
