/**
 * The whole export against the stub serving a generated Québec data set (>2,000 events over
 * five months plus a 1,050-event festival day): exactly the expected events, each once, for
 * all segments, Music, and without Archtics venues; a result set that moves while paging;
 * a second too full to page; a quota stop.
 */
import assert from "node:assert/strict";
import { type ClientOptions, DiscoveryClient } from "../ingest/ticketmaster/client.ts";
import { exportEvents } from "../ingest/ticketmaster/export_events.ts";
import { MAX_REACHABLE, PAGE_SIZE } from "../ingest/ticketmaster/harvest.ts";
import type { LocalDateRange } from "../ingest/ticketmaster/query_range.ts";
import { resolveSegment } from "../db/event_segments.ts";
import {
  expectedIds,
  makeEvent,
  MUSIC_ID,
  quebecEvents,
  type StubEvent,
} from "./helpers/ticketmaster_data.ts";
import { serveTicketmaster, STUB_API_KEY, type StubOptions } from "./helpers/ticketmaster_stub.ts";

const RANGE: LocalDateRange = { from: "2025-02-01", to: "2025-06-30" };
const DATA = quebecEvents();

function clientFor(url: string, options: Partial<ClientOptions> = {}) {
  return new DiscoveryClient({
    apiKey: STUB_API_KEY,
    baseUrl: url,
    spacingMs: 0,
    retryBaseDelayMs: 1,
    ...options,
  });
}

function stubWith(events: StubEvent[], options: Partial<StubOptions> = {}) {
  return serveTicketmaster({ events, ...options });
}

Deno.test("the export holds exactly the stub's Québec events of the range, each once", async () => {
  await using stub = stubWith(DATA, { documentedPagingRule: true });
  const { rows, report } = await exportEvents(clientFor(stub.url), { range: RANGE });
  const ids = rows.map((row) => row.id);
  const expected = expectedIds(DATA, RANGE);
  assert.ok(expected.length > 3000, "the data set is large enough to need splitting");
  assert.deepEqual([...ids].sort(), expected);
  assert.equal(new Set(ids).size, ids.length, "no duplicates");
  assert.ok(report.complete);
  assert.equal(report.fetched, report.expected);
  assert.ok(report.splits > 0, "windows were split under the paging cap");
  assert.ok(report.outsideRange > 0, "the margins brought in neighbouring days, filtered out");
  for (const id of ["edgeIn-MagdalenMidnight", "edgeIn-NoTimeFirstDay", "edgeIn-BlancSablonLate"]) {
    assert.ok(ids.includes(id), id);
  }
  for (const id of ["edgeOut-TorontoEve", "edgeOut-MagdalenJuly", "edgeOut-NoTimeJuly"]) {
    assert.ok(!ids.includes(id), id);
  }
  for (const call of stub.calls) {
    assert.equal(call.get("stateCode"), "QC");
    assert.equal(call.get("sort"), "id,asc");
    assert.equal(call.get("size"), String(PAGE_SIZE));
    assert.ok(Number(call.get("page")) * PAGE_SIZE < MAX_REACHABLE);
  }
  assert.equal(stub.calls.length, report.requests);
  const dates = rows.map((row) => `${row.local_date} ${row.local_time ?? ""}`);
  assert.deepEqual(dates, [...dates].sort(), "rows in date and time order");
});

Deno.test("the Music export holds exactly the events the API lists under the Music segment", async () => {
  await using stub = stubWith(DATA);
  const { rows, report } = await exportEvents(clientFor(stub.url), {
    range: RANGE,
    segment: resolveSegment("Music"),
  });
  assert.deepEqual(
    rows.map((row) => row.id).sort(),
    expectedIds(DATA, { ...RANGE, segmentId: MUSIC_ID }),
  );
  assert.ok(report.complete);
  assert.ok(stub.calls.every((call) => call.get("segmentId") === MUSIC_ID));
});

Deno.test("excluding Archtics drops exactly the events whose venue country is CAN", async () => {
  await using stub = stubWith(DATA);
  const { rows } = await exportEvents(clientFor(stub.url), { range: RANGE, excludeArchtics: true });
  const expected = expectedIds(DATA, { ...RANGE, excludeArchtics: true });
  assert.deepEqual(rows.map((row) => row.id).sort(), expected);
  assert.ok(expected.length < expectedIds(DATA, RANGE).length);
  assert.ok(rows.every((row) => row.country === "Canada"));
});

function smallSet(count: number, localTime = "20:00:00"): StubEvent[] {
  return Array.from({ length: count }, (_, i) =>
    makeEvent({
      id: `M${String(i).padStart(5, "0")}`,
      name: `Spectacle ${i}`,
      localDate: `2025-03-${String(1 + (i % 28)).padStart(2, "0")}`,
      localTime,
    }));
}

Deno.test("an event added while a window is paged is read again, and the shifted duplicate dropped", async () => {
  const events = smallSet(500);
  let inserted = false;
  await using stub = stubWith(events, {
    onSearch: (params, stub) => {
      if (params.get("page") === "1" && !inserted) {
        inserted = true; // sorts first by id: every later item moves one place down
        stub.events.push(makeEvent({
          id: "A0000",
          name: "Ajout de dernière minute",
          localDate: "2025-03-10",
          localTime: "19:00:00",
        }));
      }
    },
  });
  const { rows, report } = await exportEvents(clientFor(stub.url), { range: RANGE });
  assert.deepEqual(rows.map((row) => row.id).sort(), expectedIds(stub.events, RANGE));
  assert.equal(rows.length, 501);
  assert.ok(report.complete);
  assert.equal(report.requests, 3 + 3, "the window was read twice");
});

Deno.test("an event removed while a window is paged is not exported and nothing else is lost", async () => {
  const events = smallSet(500);
  let removed = false;
  await using stub = stubWith(events, {
    onSearch: (params, stub) => {
      if (params.get("page") === "1" && !removed) {
        removed = true;
        stub.events.splice(stub.events.findIndex((event) => event.id === "M00000"), 1);
      }
    },
  });
  const { rows, report } = await exportEvents(clientFor(stub.url), { range: RANGE });
  assert.deepEqual(rows.map((row) => row.id).sort(), expectedIds(stub.events, RANGE));
  assert.equal(rows.length, 499);
  assert.ok(report.complete);
});

Deno.test("more than 1000 events in one second are reported as not fetched", async () => {
  const events = Array.from({ length: 1050 }, (_, i) =>
    makeEvent({
      id: `S${String(i).padStart(5, "0")}`,
      name: "Même seconde",
      localDate: "2025-04-01",
      localTime: "20:00:00",
    }));
  await using stub = stubWith(events);
  const { rows, report } = await exportEvents(clientFor(stub.url), { range: RANGE });
  assert.equal(rows.length, MAX_REACHABLE);
  assert.equal(report.missing, 50);
  assert.equal(report.expected, 1050);
  assert.equal(report.complete, false);
});

Deno.test("a quota stop keeps the events already fetched and names the part left unread", async () => {
  // The quota runs out before the headers say so (the key is shared with another tool).
  await using stub = stubWith(DATA, {
    onSearch: (_, stub) => {
      if (stub.calls.length === 8) stub.faults.push("quota");
    },
  });
  const { rows, report } = await exportEvents(clientFor(stub.url), { range: RANGE });
  assert.equal(report.complete, false);
  assert.match(report.stopped!, /^Ticketmaster daily quota exhausted \(QuotaViolation\)/);
  assert.ok(rows.length > 0 && rows.length < expectedIds(DATA, RANGE).length);
  assert.match(report.unread!.from, /^2025-0\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(report.unread!.to, "2025-07-02T03:59:59Z");
  const expected = new Set(expectedIds(DATA, RANGE));
  assert.ok(rows.every((row) => expected.has(row.id)), "only real events of the range");
});
