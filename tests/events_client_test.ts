/**
 * The Discovery API client against the local stub: spacing, both kinds of 429, 401, 400,
 * 5xx, unreadable answers, the request budget and quota reserve; and the stub's own API behaviour (paging,
 * deep-paging error, inclusive date bounds, filters) that the export relies on.
 */
import assert from "node:assert/strict";
import {
  type ClientOptions,
  DEFAULT_SPACING_MS,
  DiscoveryClient,
  StopFetching,
  TicketmasterError,
} from "../ingest/ticketmaster/client.ts";
import { RequestSpacer } from "../ingest/ticketmaster/spacer.ts";
import { makeEvent, MUSIC_ID } from "./helpers/ticketmaster_data.ts";
import { serveTicketmaster, STUB_API_KEY, type StubOptions } from "./helpers/ticketmaster_stub.ts";

const FAST: Partial<ClientOptions> = { spacingMs: 0, retryBaseDelayMs: 1 };

function fewEvents() {
  return [
    makeEvent({ id: "A1", name: "Été", localDate: "2025-02-01", localTime: "20:00:00" }),
    makeEvent({ id: "A2", name: "Hockey", localDate: "2025-02-01", localTime: "20:00:00" }),
    makeEvent({
      id: "A3",
      name: "Toronto",
      localDate: "2025-02-02",
      localTime: "19:00:00",
      venue: {
        name: "Scotiabank Arena",
        stateCode: "ON",
        timezone: "America/Toronto",
      },
    }),
  ];
}

function clientFor(url: string, options: Partial<ClientOptions> = {}) {
  return new DiscoveryClient({ apiKey: STUB_API_KEY, baseUrl: url, ...FAST, ...options });
}

function stubWith(options: Partial<StubOptions> = {}) {
  return serveTicketmaster({ events: fewEvents(), ...options });
}

async function rawGet(url: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

Deno.test("the spacer starts requests at least the interval apart, by default 200 ms or more", async () => {
  let now = 1_000;
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  };
  const spacer = new RequestSpacer(250, clock);
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    await spacer.acquire();
    starts.push(now);
    now += 10; // the request itself
  }
  spacer.reserve(now + 1_000); // a retry the HTTP client starts after 1 s
  await spacer.acquire();
  starts.push(now);
  assert.deepEqual(starts, [1_000, 1_250, 1_500, 2_760]);
  assert.ok(DEFAULT_SPACING_MS >= 200);
});

Deno.test("the client waits out its spacing before every call after the first", async () => {
  await using stub = stubWith();
  let now = 0;
  const waits: number[] = [];
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  const client = clientFor(stub.url, { spacingMs: DEFAULT_SPACING_MS, clock });
  for (let i = 0; i < 3; i++) await client.searchEvents({ stateCode: "QC" });
  assert.deepEqual(waits, [DEFAULT_SPACING_MS, DEFAULT_SPACING_MS]);
  assert.equal(stub.calls.length, 3);
});

Deno.test("a spike-arrest 429 is waited out and retried, counting every call", async () => {
  await using stub = stubWith();
  stub.faults.push("spike-arrest", "spike-arrest");
  const client = clientFor(stub.url);
  const page = await client.searchEvents({ stateCode: "QC" });
  assert.equal(page.page.totalElements, 2);
  assert.equal(client.spikeArrests, 2);
  assert.equal(client.requests, 3);
});

Deno.test("a quota 429 stops at once with a clear message that hides the API key", async () => {
  await using stub = stubWith();
  const client = clientFor(stub.url);
  await client.searchEvents({}); // learns Rate-Limit-Reset
  stub.faults.push("quota");
  const error = await client.searchEvents({}).catch((e) => e);
  assert.ok(error instanceof StopFetching);
  assert.match(
    error.message,
    /^Ticketmaster daily quota exhausted \(QuotaViolation\); it resets at 20/,
  );
  assert.ok(!error.message.includes(STUB_API_KEY));
  assert.equal(stub.calls.length, 2, "no retry after a quota violation");
});

Deno.test("a 401 names the rejected key problem without printing the key", async () => {
  await using stub = stubWith();
  const error = await clientFor(stub.url, { apiKey: "wrong-key" }).searchEvents({}).catch((e) => e);
  assert.ok(error instanceof TicketmasterError);
  assert.equal(error.status, 401);
  assert.equal(
    error.message,
    "Ticketmaster rejected the API key (401 oauth.v2.InvalidApiKey: Invalid ApiKey); " +
      "check TICKETMASTER_API_KEY",
  );
  const missing = await rawGet(`${stub.url}/discovery/v2/events.json`);
  assert.equal(missing.status, 401);
  assert.deepEqual(missing.body, {
    fault: {
      faultstring: "Failed to resolve API Key variable request.queryparam.apikey",
      detail: { errorcode: "steps.oauth.v2.FailedToResolveAPIKey" },
    },
  });
});

Deno.test("a 400 is a clear error with the API's code and text", async () => {
  await using stub = stubWith();
  const error = await clientFor(stub.url)
    .searchEvents({ startDateTime: "2025-02-01T00:00:00.000Z" }).catch((e) => e);
  assert.ok(error instanceof TicketmasterError);
  assert.match(
    error.message,
    /^Ticketmaster answered 400: DIS1015: Query param with date must be of valid format/,
  );
});

Deno.test("5xx answers are retried, and a lasting outage stops the run", async () => {
  await using stub = stubWith();
  stub.faults.push(503);
  const client = clientFor(stub.url, { retries: 2 });
  assert.equal((await client.searchEvents({})).page.totalElements, 3);
  stub.faults.push(500, 500, 500);
  const error = await client.searchEvents({}).catch((e) => e);
  assert.ok(error instanceof StopFetching);
  assert.match(error.message, /^Ticketmaster still answers 500 after 2 retries/);
});

Deno.test("a 200 that is an HTML page or a body cut off mid-way is retried like a 5xx, counting every call", async () => {
  await using stub = stubWith();
  stub.faults.push("html", "cut-off");
  const client = clientFor(stub.url);
  const page = await client.searchEvents({ stateCode: "QC" });
  assert.equal(page.page.totalElements, 2);
  assert.equal(page.events.length, 2);
  assert.equal(client.requests, 3);
  assert.equal(stub.used, 3);
});

Deno.test("unreadable answers that outlast the retries stop the run with the last reason, key hidden", async () => {
  await using stub = stubWith();
  const client = clientFor(stub.url, { retries: 2 });
  stub.faults.push("html", "html", "html");
  const html = await client.searchEvents({}).catch((e) => e);
  assert.ok(html instanceof StopFetching);
  assert.equal(
    html.message,
    `No usable answer from Ticketmaster: GET ${stub.url}/discovery/v2/events.json?apikey=*** ` +
      "failed after 3 attempts: the 200 answer is not JSON " +
      '(text/html: "<html><body>Service Unavailable</body></html>")',
  );
  stub.faults.push("cut-off", "cut-off", "cut-off");
  const cut = await client.searchEvents({}).catch((e) => e);
  assert.ok(cut instanceof StopFetching);
  assert.match(cut.message, /failed after 3 attempts: connection closed after \d+ bytes of \d+/);
  assert.ok(!`${html.message}${cut.message}`.includes(STUB_API_KEY));
  assert.equal(client.requests, 6);
});

Deno.test("the run's request budget and the daily quota reserve stop before the limit", async () => {
  await using stub = stubWith({ dailyQuota: 5 });
  const budgeted = clientFor(stub.url, { maxRequests: 2, quotaReserve: 0 });
  await budgeted.searchEvents({});
  await budgeted.searchEvents({});
  await assert.rejects(budgeted.searchEvents({}), {
    name: "StopFetching",
    message: "Request budget reached: 2 requests in this run (--max-requests)",
  });
  const reserved = clientFor(stub.url, { quotaReserve: 2 });
  await reserved.searchEvents({}); // 3 used, 2 left
  await assert.rejects(reserved.searchEvents({}), {
    name: "StopFetching",
    message:
      /^Daily quota nearly used: 2 calls left \(Rate-Limit-Available\), 2 kept in reserve; it resets at /,
  });
  assert.equal(stub.used, 3);
});

Deno.test("the stub pages like the API: totals, no _embedded past the end, deep-paging error", async () => {
  const events = Array.from({ length: 1300 }, (_, i) =>
    makeEvent({
      id: `P${String(i).padStart(4, "0")}`,
      name: "x",
      localDate: "2025-03-01",
      localTime: "20:00:00",
    }));
  await using stub = serveTicketmaster({ events });
  const base = `${stub.url}/discovery/v2/events.json?apikey=${STUB_API_KEY}&sort=id,asc`;
  const first = await rawGet(`${base}&size=200&page=0`);
  assert.deepEqual((first.body as { page: unknown }).page, {
    size: 200,
    totalElements: 1300,
    totalPages: 7,
    number: 0,
  });
  assert.equal(first.headers.get("rate-limit-available"), "4999");
  const served = await rawGet(`${base}&size=200&page=5`); // offset 1000 is served
  assert.equal(served.status, 200);
  const deep = await rawGet(`${base}&size=200&page=6`);
  assert.equal(deep.status, 400);
  assert.deepEqual(deep.body, {
    errors: [{
      _links: { about: { href: "/discovery/v2/errors.html#DIS1035" } },
      code: "DIS1035",
      detail:
        "API Limits Exceeded: Max paging depth exceeded. (page * size) must be less than 1,000",
      status: "400 BAD_REQUEST",
    }],
  });
  const past = await rawGet(`${base}&size=200&page=0&startDateTime=2026-01-01T00:00:00Z`);
  assert.deepEqual(past.body, {
    _links: {
      self: {
        href:
          "/discovery/v2/events.json?sort=id%2Casc&size=200&page=0&startDateTime=2026-01-01T00%3A00%3A00Z",
      },
    },
    page: { size: 200, totalElements: 0, totalPages: 0, number: 0 },
  });
  const tooBig = await rawGet(`${base}&size=201`);
  assert.equal((tooBig.body as { errors: { code: string }[] }).errors[0].code, "DIS1036");
  const unknown = await fetch(`${base}&format=json`);
  await unknown.body?.cancel();
  assert.equal(unknown.headers.get("x-unknown-params"), "format");
});

Deno.test("the stub's date bounds are inclusive and its filters select like the API", async () => {
  await using stub = stubWith();
  const client = clientFor(stub.url);
  const total = async (params: Record<string, string>) =>
    (await client.searchEvents(params)).page.totalElements;
  // A1 and A2 start at 2025-02-01 20:00 EST = 2025-02-02T01:00:00Z.
  const at = "2025-02-02T01:00:00Z";
  assert.equal(await total({ startDateTime: at, endDateTime: at }), 2);
  assert.equal(await total({ startDateTime: "2025-02-02T01:00:01Z" }), 1);
  assert.equal(await total({ endDateTime: "2025-02-02T00:59:59Z" }), 0);
  assert.equal(await total({ stateCode: "QC" }), 2);
  assert.equal(await total({ stateCode: "QC", countryCode: "CA" }), 2);
  assert.equal(await total({ countryCode: "CAN" }), 0);
  assert.equal(await total({ segmentId: MUSIC_ID }), 3);
  assert.equal(await total({ classificationName: "rock" }), 3);
  assert.equal(await total({ segmentName: "Sports" }), 0);
});

Deno.test("the live segment list is read from the classifications, entries without one skipped", async () => {
  await using stub = stubWith();
  const segments = await clientFor(stub.url).listSegments();
  assert.deepEqual(segments.map((s) => s.name), [
    "Arts & Theatre",
    "Film",
    "Miscellaneous",
    "Music",
    "Sports",
    "Undefined",
  ]);
  assert.equal(segments.find((s) => s.name === "Music")?.id, MUSIC_ID);
});
