/**
 * A local stand-in for the Ticketmaster Discovery API v2 (see
 * ../shared/docs/ticketmaster-api.md), speaking its real formats: HAL pages with
 * `page.totalElements`, no `_embedded` past the end, the deep-paging error (DIS1035), the
 * size cap (DIS1036), the date-format error (DIS1015), inclusive start/end filters on the
 * event's start instant, stateCode / countryCode / segmentId / segmentName /
 * classificationName filters, the rate-limit headers, both Apigee 429 bodies, and the 401s.
 * Forced faults add what a network path can do: 5xx pages, a 200 that is an HTML page, a
 * body cut off mid-way, and a redirect to another host.
 */
import { serve } from "./server.ts";
import { DAY_MS } from "../../lib/zoned_time.ts";

export const STUB_API_KEY = "stub-key-3f9a";

export interface StubOptions {
  /** Served events, Discovery-API-shaped. The array stays live: tests may edit it. */
  events: Record<string, unknown>[];
  apiKey?: string;
  /** Calls per day before 429 QuotaViolation. */
  dailyQuota?: number;
  /** Minimum gap between accepted calls (spike arrest, burst 1); 0 = off. */
  spikeArrestMs?: number;
  /** Reject page × size ≥ 1000 (the documented rule) instead of > 1000 (observed). */
  documentedPagingRule?: boolean;
  /** Called before each events search is answered (tests change `events` here). */
  onSearch?: (params: URLSearchParams, stub: TicketmasterStub) => void;
}

/**
 * An answer forced for the next call, in order. "html": a 200 carrying a proxy's HTML page;
 * "cut-off": a 200 events search whose connection closes after part of its JSON body;
 * "redirect": a 302 to REDIRECT_HOST, which the tests' --allow-net does not cover.
 */
export type Fault = "spike-arrest" | "quota" | 500 | 503 | "html" | "cut-off" | "redirect";

/** Where the "redirect" fault sends the client. */
export const REDIRECT_HOST = "discovery.example.com";

export interface TicketmasterStub extends AsyncDisposable {
  url: string;
  events: Record<string, unknown>[];
  faults: Fault[];
  /** Query strings of every call, the API key removed. */
  calls: URLSearchParams[];
  /** Calls counted against the quota. */
  used: number;
}

const JSON_TYPE = "application/json;charset=utf-8";
const HAL_TYPE = "application/hal+json;charset=utf-8";
const TOTAL_CAP = 10_000;
const KNOWN_PARAMS = new Set([
  "apikey",
  "stateCode",
  "countryCode",
  "segmentId",
  "segmentName",
  "classificationName",
  "startDateTime",
  "endDateTime",
  "size",
  "page",
  "sort",
  "locale",
]);

export function serveTicketmaster(options: StubOptions): TicketmasterStub {
  const apiKey = options.apiKey ?? STUB_API_KEY;
  const quota = options.dailyQuota ?? 5000;
  let firstCallMs: number | undefined;
  let lastAcceptedMs = -Infinity;
  const stub = {
    events: options.events,
    faults: [] as Fault[],
    calls: [] as URLSearchParams[],
    used: 0,
  };
  const server = serve((request) => {
    const url = new URL(request.url);
    const params = new URLSearchParams(url.searchParams);
    params.delete("apikey");
    stub.calls.push(params);
    const key = url.searchParams.get("apikey");
    if (!key) {
      return fault(
        401,
        "Failed to resolve API Key variable request.queryparam.apikey",
        "steps.oauth.v2.FailedToResolveAPIKey",
      );
    }
    if (key !== apiKey) return fault(401, "Invalid ApiKey", "oauth.v2.InvalidApiKey");
    const now = Date.now();
    const forced = stub.faults.shift();
    if (forced === "spike-arrest" || now - lastAcceptedMs < (options.spikeArrestMs ?? 0)) {
      return fault(
        429,
        "Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=5, " +
          "periodInMicroseconds=1000000, maxBurstMessageCount=1.0}",
        "policies.ratelimit.SpikeArrestViolation",
      );
    }
    lastAcceptedMs = now;
    firstCallMs ??= now;
    stub.used++;
    if (forced === "quota" || stub.used > quota) {
      // The real body names the key; clients must redact it.
      return fault(
        429,
        `Rate limit quota violation. Quota limit  exceeded. Identifier : ${key}`,
        "policies.ratelimit.QuotaViolation",
      );
    }
    if (forced === "redirect") {
      return new Response(null, {
        status: 302,
        headers: { location: `https://${REDIRECT_HOST}${url.pathname}${url.search}` },
      });
    }
    if (typeof forced === "number" || forced === "html") {
      return new Response("<html><body>Service Unavailable</body></html>", {
        status: forced === "html" ? 200 : forced,
        headers: { "content-type": "text/html" },
      });
    }
    const headers = new Headers({
      "content-type": HAL_TYPE,
      "access-control-allow-origin": "*",
      "rate-limit": String(quota),
      "rate-limit-available": String(Math.max(0, quota - stub.used)),
      "rate-limit-over": "0",
      "rate-limit-reset": String(firstCallMs + DAY_MS),
    });
    for (const name of new Set(url.searchParams.keys())) {
      if (!KNOWN_PARAMS.has(name)) headers.append("x-unknown-params", name);
    }
    if (/^\/discovery\/v2\/events(\.json)?$/.test(url.pathname)) {
      options.onSearch?.(params, result);
      const response = searchEvents(stub.events, params, headers, options);
      return forced === "cut-off" ? cutOff(response) : response;
    }
    if (/^\/discovery\/v2\/classifications(\.json)?$/.test(url.pathname)) {
      return classifications(params, headers);
    }
    return discoveryError(
      404,
      "DIS1004",
      `Resource not found with provided criteria (locale=en-us, path=${url.pathname})`,
      "404",
    );
  });
  const result: TicketmasterStub = Object.assign(stub, {
    url: server.url,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  });
  return result;
}

function searchEvents(
  events: Record<string, unknown>[],
  params: URLSearchParams,
  headers: Headers,
  options: StubOptions,
): Response {
  const size = Number(params.get("size") ?? 20);
  const page = Number(params.get("page") ?? 0);
  if (!Number.isInteger(size) || size > 200 || size < 1) {
    return discoveryError(400, "DIS1036", 'Query param "size" must be less than 200');
  }
  const depth = page * size;
  if (!Number.isInteger(page) || depth > 1000 || (options.documentedPagingRule && depth >= 1000)) {
    return discoveryError(
      400,
      "DIS1035",
      "API Limits Exceeded: Max paging depth exceeded. (page * size) must be less than 1,000",
    );
  }
  const bounds = [params.get("startDateTime"), params.get("endDateTime")].map((value) => {
    if (value === null) return null;
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) ? Date.parse(value) : NaN;
  });
  if (bounds.some((bound) => Number.isNaN(bound))) {
    return discoveryError(
      400,
      "DIS1015",
      "Query param with date must be of valid format YYYY-MM-DDTHH:mm:ssZ {example: 2020-08-01T14:00:00Z }",
      "400 BAD_REQUEST",
      "self",
    );
  }
  const [start, end] = bounds;
  const matching = sortEvents(
    events.filter((event) => {
      const instant = filterInstant(event);
      return (start === null || instant >= start) && (end === null || instant <= end) &&
        matches(event, params);
    }),
    params.get("sort") ?? "relevance,desc",
  );
  const totalElements = Math.min(matching.length, TOTAL_CAP);
  const totalPages = Math.ceil(totalElements / size);
  const slice = matching.slice(page * size, page * size + size);
  const body: Record<string, unknown> = {
    _links: links(params, page, size, totalPages),
    page: { size, totalElements, totalPages, number: page },
  };
  if (slice.length > 0) body._embedded = { events: slice };
  return new Response(JSON.stringify(body), { headers });
}

/**
 * The instant the start/end filters compare: the event's UTC start; for an event without a
 * time, the API's choice is undocumented: the stub takes UTC midnight of its local date,
 * which is earlier than Québec's local midnight (clients must not cut the range tight).
 */
function filterInstant(event: Record<string, unknown>): number {
  const start = (event.dates as { start?: { dateTime?: string; localDate?: string } })?.start;
  if (start?.dateTime) return Date.parse(start.dateTime);
  return start?.localDate ? Date.parse(`${start.localDate}T00:00:00Z`) : NaN;
}

// stateCode and countryCode match any of an event's venues (most events have one).
function matches(event: Record<string, unknown>, params: URLSearchParams): boolean {
  const venues = ((event._embedded as { venues?: unknown[] })?.venues ?? []) as {
    state?: { stateCode?: string };
    country?: { countryCode?: string };
  }[];
  const classifications = (event.classifications ?? []) as {
    segment?: { id?: string; name?: string };
    genre?: { name?: string };
    subGenre?: { name?: string };
  }[];
  const lower = (text: string | null) => text?.toLowerCase();
  const checks: [string, () => boolean][] = [
    ["stateCode", () => venues.some((v) => v.state?.stateCode === params.get("stateCode"))],
    [
      "countryCode",
      () => venues.some((v) => v.country?.countryCode === params.get("countryCode")),
    ],
    ["segmentId", () => classifications.some((c) => c.segment?.id === params.get("segmentId"))],
    [
      "segmentName",
      () =>
        classifications.some((c) =>
          lower(c.segment?.name ?? null) === lower(params.get("segmentName"))
        ),
    ],
    [
      "classificationName",
      () =>
        classifications.some((c) =>
          [c.segment?.name, c.genre?.name, c.subGenre?.name]
            .some((name) => lower(name ?? null) === lower(params.get("classificationName")))
        ),
    ],
  ];
  return checks.every(([name, check]) => !params.has(name) || check());
}

// `id,asc` is a total order. `date,asc` leaves ties, and `relevance` (the default) is any
// order: both differ from call to call, as paging through the real API shows.
function sortEvents(events: Record<string, unknown>[], sort: string) {
  const shuffled = events.map((event) => ({ event, key: Math.random() }))
    .sort((a, b) => a.key - b.key).map(({ event }) => event);
  const byText =
    (field: (e: Record<string, unknown>) => string) => (a: typeof events[0], b: typeof events[0]) =>
      field(a) < field(b) ? -1 : field(a) > field(b) ? 1 : 0;
  const [field, direction = "asc"] = sort.split(",");
  const sorted = field === "id"
    ? shuffled.sort(byText((e) => String(e.id)))
    : field === "name"
    ? shuffled.sort(byText((e) => String(e.name)))
    : field === "date"
    ? shuffled.sort((a, b) => filterInstant(a) - filterInstant(b))
    : shuffled;
  return direction === "desc" ? sorted.reverse() : sorted;
}

function links(params: URLSearchParams, page: number, size: number, totalPages: number) {
  const href = (extra: Record<string, number>) => {
    const query = new URLSearchParams(params);
    for (const [name, value] of Object.entries(extra)) query.set(name, String(value));
    return { href: `/discovery/v2/events.json?${query}` };
  };
  const result: Record<string, { href: string }> = { self: href({}) };
  if (totalPages <= 1) return result;
  result.first = href({ page: 0, size });
  if (page > 0) result.prev = href({ page: page - 1, size });
  if (page < totalPages - 1) result.next = href({ page: page + 1, size });
  result.last = href({ page: totalPages - 1, size });
  return result;
}

const SEGMENTS = [
  ["KZFzniwnSyZfZ7v7na", "Arts & Theatre"],
  ["KZFzniwnSyZfZ7v7nn", "Film"],
  ["KZFzniwnSyZfZ7v7n1", "Miscellaneous"],
  ["KZFzniwnSyZfZ7v7nJ", "Music"],
  ["KZFzniwnSyZfZ7v7nE", "Sports"],
  ["KZFzniwnSyZfZ7v7nl", "Undefined"],
];

// Current API: segments, plus entries that carry only a `type` (no segment).
function classifications(params: URLSearchParams, headers: Headers): Response {
  const all = [
    ...SEGMENTS.map(([id, name]) => ({ segment: { id, name, _embedded: { genres: [] } } })),
    { type: { id: "KZAyXgnZfZ7v7la", name: "Event Style" } },
  ];
  const size = Number(params.get("size") ?? 20);
  const page = Number(params.get("page") ?? 0);
  const slice = all.slice(page * size, page * size + size);
  const body: Record<string, unknown> = {
    _links: { self: { href: `/discovery/v2/classifications.json?${params}` } },
    page: {
      size,
      totalElements: all.length,
      totalPages: Math.ceil(all.length / size),
      number: page,
    },
  };
  if (slice.length > 0) body._embedded = { classifications: slice };
  return new Response(JSON.stringify(body), { headers });
}

/** The same answer, its connection closed after a tenth of the body it announced. */
async function cutOff(response: Response): Promise<Response> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set("content-length", String(body.length));
  const part = body.subarray(0, Math.ceil(body.length / 10));
  return new Response(
    new ReadableStream({
      start(controller) {
        controller.enqueue(part);
        controller.close();
      },
    }),
    { status: response.status, headers },
  );
}

/** Apigee's shape (401, 429). Real 400/401/429 carry no rate-limit headers. */
function fault(status: number, faultstring: string, errorcode: string): Response {
  return new Response(JSON.stringify({ fault: { faultstring, detail: { errorcode } } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** The Discovery API's own shape (400, 404). */
function discoveryError(
  status: number,
  code: string,
  detail: string,
  statusText = "400 BAD_REQUEST",
  linkName = "about",
): Response {
  const body = {
    errors: [{
      _links: { [linkName]: { href: `/discovery/v2/errors.html#${code}` } },
      code,
      detail,
      status: statusText,
    }],
  };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE } });
}
