/** GET /api/events over a real Postgres schema: JSON, CSV, filters, upserts and bad input. */
import assert from "node:assert/strict";
import { type EventRow, upsertEvents } from "../db/events.ts";
import { toEventRow } from "../ingest/ticketmaster/event_row.ts";
import { createTestApp } from "./helpers/app.ts";
import { csvAsSent } from "./helpers/ticketmaster_csv.ts";
import { makeEvent, MUSIC_ID } from "./helpers/ticketmaster_data.ts";

const FETCHED_AT = new Date("2025-01-20T14:02:11Z");

function rows(): EventRow[] {
  const specs = [
    { id: "E1", name: "Révolution, Les Étoiles", localDate: "2025-02-01", localTime: "20:00:00" },
    { id: "E2", name: "Canadiens vs Leafs", localDate: "2025-02-01", localTime: null },
    {
      id: "E3",
      name: "Rimouski Oc??anic",
      localDate: "2025-03-10",
      localTime: "19:00:00",
      // Sports, and also Music: the Music filter must find it, as the API's segmentId does.
      classifications: [[1, 0, true], [0, 1, false]] as [number, number, boolean][],
    },
    { id: "E4", name: "Hors période", localDate: "2025-07-01", localTime: "20:00:00" },
    {
      id: "E5",
      name: "Sans lieu",
      localDate: "2025-02-02",
      localTime: "10:00:00",
      venue: null,
      images: "none" as const,
      classifications: [],
    },
  ];
  return specs.map((spec) => toEventRow(makeEvent(spec))!);
}

Deno.test("GET /api/events returns the range's events as JSON, ordered, with empty parts as null", async () => {
  await using app = await createTestApp();
  await upsertEvents(app.db.sql, rows(), FETCHED_AT);
  const response = await app.request("/api/events?from=2025-02-01&to=2025-06-30");
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.count, 4);
  assert.deepEqual(body.events.map((e: EventRow) => e.id), ["E2", "E1", "E5", "E3"]);
  const first = body.events[1];
  assert.equal(first.title, "Révolution, Les Étoiles");
  assert.equal(first.local_time, "20:00:00");
  assert.equal(first.start_utc, "2025-02-02T01:00:00Z");
  assert.equal(first.last_seen_at, "2025-01-20T14:02:11.000Z");
  const noVenue = body.events[2];
  assert.equal(noVenue.venue_name, null);
  assert.equal(noVenue.image_url, null);
  assert.equal(noVenue.segment, null);
});

Deno.test("segment filters by name or id on any classification, and format=csv returns the rows as CSV", async () => {
  await using app = await createTestApp();
  await upsertEvents(app.db.sql, rows(), FETCHED_AT);
  const byName =
    await (await app.request("/api/events?from=2025-02-01&to=2025-06-30&segment=sports"))
      .json();
  assert.deepEqual(byName.events.map((e: EventRow) => e.id), ["E3"]);
  assert.deepEqual(byName.segment, { id: "KZFzniwnSyZfZ7v7nE", name: "Sports" });
  const byId =
    await (await app.request(`/api/events?from=2025-02-01&to=2025-06-30&segment=${MUSIC_ID}`))
      .json();
  assert.deepEqual(byId.events.map((e: EventRow) => e.id), ["E2", "E1", "E3"]);
  assert.equal(byId.events[2].segment, "Sports", "the segment column stays the primary one");

  const csv = await app.request("/api/events?from=2025-02-01&to=2025-02-01&format=csv");
  assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
  const text = await csvAsSent(csv);
  assert.ok(text.startsWith("\uFEFFid,title,local_date,local_time,start_utc,"));
  assert.equal(text.split("\r\n").length, 4);
  assert.ok(
    text.includes('\r\nE1,"Révolution, Les Étoiles",2025-02-01,20:00:00,2025-02-02T01:00:00Z,'),
  );
});

Deno.test("a second upsert of an event refreshes its fields and last_seen_at without duplicating it", async () => {
  await using app = await createTestApp();
  const original = rows();
  await upsertEvents(app.db.sql, original, FETCHED_AT);
  const later = new Date("2025-01-21T08:00:00Z");
  await upsertEvents(app.db.sql, [{ ...original[0], status: "cancelled" }], later);
  const body = await (await app.request("/api/events?from=2025-02-01&to=2025-02-01")).json();
  const e1 = body.events.find((e: EventRow) => e.id === "E1");
  assert.equal(body.count, 2);
  assert.equal(e1.status, "cancelled");
  assert.equal(e1.last_seen_at, later.toISOString());
});

Deno.test("bad input is a 400 problem naming the parameter", async () => {
  await using app = await createTestApp();
  const cases: [string, string, RegExp][] = [
    ["/api/events?to=2025-06-30", "from", /"from" is required/],
    ["/api/events?from=2025-02-30&to=2025-06-30", "from", /day out of range/],
    ["/api/events?from=2025-02-01&to=June", "to", /expected YYYY-MM-DD/],
    ["/api/events?from=2025-03-01&to=2025-02-01", "to", /is before "from"/],
    ["/api/events?from=2020-01-01&to=2025-02-01", "to", /more than 366 days/],
    ["/api/events?from=2025-02-01&to=2025-06-30&segment=Musc", "segment", /Unknown segment "Musc"/],
    [
      "/api/events?from=2025-02-01&to=2025-06-30&segment=Concerts2025",
      "segment",
      /^Unknown segment "Concerts2025": expected one of Music, Sports, .*, Undefined, or a segment id like KZFzniwnSyZfZ7v7nJ$/,
    ],
    [
      "/api/events?from=2025-02-01&to=2025-06-30&segment=KZFzniwnSyZfZ7v7zz",
      "segment",
      /^Unknown segment "KZFzniwnSyZfZ7v7zz"/,
    ],
    [
      "/api/events?from=2025-02-01&to=2025-06-30&format=xml",
      "format",
      /"format" must be json or csv, not "xml"/,
    ],
  ];
  for (const [path, parameter, detail] of cases) {
    const response = await app.request(path);
    assert.equal(response.status, 400, path);
    assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
    const problem = await response.json();
    assert.equal(problem.parameter, parameter, path);
    assert.match(problem.detail, detail, path);
  }
});
