/**
 * Pure parts of the Ticketmaster export: event → row mapping, order, CSV, the Québec query
 * window, segment names and window splitting; plus the real responses in ../shared.
 */
import assert from "node:assert/strict";
import { compareRows, eventsCsv } from "../db/events.ts";
import { toEventRow } from "../ingest/ticketmaster/event_row.ts";
import { MAX_REACHABLE, splitWindow } from "../ingest/ticketmaster/harvest.ts";
import { parseLocalDateRange, queryWindow } from "../ingest/ticketmaster/query_range.ts";
import { resolveSegment } from "../db/event_segments.ts";
import { makeEvent, MULTI_VENUE_FIXTURE } from "./helpers/ticketmaster_data.ts";

const SHARED = "../shared/data/ticketmaster";
const present = await Deno.stat(SHARED).then(() => true, () => false);
if (!present) console.warn(`Skipping the real Ticketmaster response tests: ${SHARED} is absent.`);

Deno.test("an event with every part maps to a row with the largest image, a full address and every segment", () => {
  const row = toEventRow(makeEvent({
    id: "vvG1zZ9abc",
    name: "  Passion Céline  - L'ultime hommage ",
    localDate: "2025-02-06",
    localTime: "20:30:00",
    venue: {
      name: "Théâtre Capitole",
      line1: "972 Rue Saint-Jean ",
      city: " Québec",
      postalCode: "g1r1r5",
      timezone: "America/Toronto",
    },
    classifications: [[2, 0, false], [0, 0, true]],
    images: "source",
    status: "cancelled",
  }));
  assert.deepEqual(row, {
    id: "vvG1zZ9abc",
    title: "Passion Céline - L'ultime hommage",
    local_date: "2025-02-06",
    local_time: "20:30:00",
    start_utc: "2025-02-07T01:30:00Z",
    time_zone: "America/Toronto",
    venue_name: "Théâtre Capitole",
    address: "972 Rue Saint-Jean, Québec (QC) G1R 1R5, Canada",
    address_lines: "972 Rue Saint-Jean",
    city: "Québec",
    province: "QC",
    postal_code: "G1R 1R5",
    country: "Canada",
    image_url: "https://s1.ticketm.net/dam/a/abc/vvG1zZ9abc_SOURCE",
    segment: "Music",
    genre: "Rock",
    status: "cancelled",
    url: "https://www.ticketmaster.ca/event/VVG1ZZ9ABC",
    segment_id: "KZFzniwnSyZfZ7v7nJ",
    segment_ids: ["KZFzniwnSyZfZ7v7nJ", "KZFzniwnSyZfZ7v7na"], // the primary one first
  });
});

Deno.test("missing venue, images, time, zone and classifications give empty fields, not errors", () => {
  const row = toEventRow({
    id: "Za5ju3rKuqXYZ",
    name: "Suite corporative",
    dates: { start: { localDate: "2025-03-01" } },
  });
  assert.deepEqual(row, {
    id: "Za5ju3rKuqXYZ",
    title: "Suite corporative",
    local_date: "2025-03-01",
    local_time: null,
    start_utc: null,
    time_zone: null,
    venue_name: null,
    address: null,
    address_lines: null,
    city: null,
    province: null,
    postal_code: null,
    country: null,
    image_url: null,
    segment: null,
    genre: null,
    status: null,
    url: null,
    segment_id: null,
    segment_ids: [],
  });
});

Deno.test("malformed fields are ignored and the venue's zone stands in for the event's", () => {
  const row = toEventRow({
    id: "G5abc",
    name: 42,
    images: [{ url: "a.jpg", width: "x" }, null, { url: "b.jpg", width: 10, height: 10 }],
    classifications: "music",
    dates: { start: { dateTime: "2025-02-01T03:30:00Z", localTime: "7pm" } },
    _embedded: {
      venues: [{ timezone: "America/Toronto", address: { line1: ["x"] }, state: {} }],
    },
  });
  assert.equal(row?.title, "42");
  assert.equal(row?.image_url, "b.jpg");
  assert.equal(row?.local_time, null);
  assert.equal(row?.time_zone, "America/Toronto");
  assert.equal(row?.local_date, "2025-01-31", "derived from the UTC instant in the zone");
  assert.equal(row?.address, null);
  assert.equal(row?.segment, null);
});

Deno.test("an event with several venues takes the Québec venue's address and lists every venue, that one first", async () => {
  const page = JSON.parse(await Deno.readTextFile(MULTI_VENUE_FIXTURE));
  const event = page._embedded.events[0];
  const row = toEventRow(event)!;
  assert.equal(
    row.venue_name,
    "Theatre du Casino du Lac-Leamy; National Arts Centre - Southam Hall",
  );
  assert.equal(row.address, "1 Blvd du Casino, GATINEAU (QC) J8Y 6W3, Canada");
  assert.deepEqual(
    [row.city, row.province, row.postal_code, row.time_zone],
    ["GATINEAU", "QC", "J8Y 6W3", "America/Toronto"],
  );

  // Without a venue in Québec, the first one listed gives the address.
  event._embedded.venues[1].state = { name: "Ontario", stateCode: "ON" };
  const outside = toEventRow(event)!;
  assert.equal(
    outside.venue_name,
    "National Arts Centre - Southam Hall; Theatre du Casino du Lac-Leamy",
  );
  assert.equal(outside.address, "1 Elgin Street, Ottawa (ON) K1P 5W1, Canada");
});

Deno.test("an event without an id or any date cannot be placed and is skipped", () => {
  assert.equal(toEventRow({ name: "x", dates: { start: { localDate: "2025-02-01" } } }), undefined);
  assert.equal(toEventRow({ id: "a", dates: { start: {} } }), undefined);
});

Deno.test("rows sort by date, then time with untimed events first, then title, then id", () => {
  const row = (id: string, date: string, time: string | null, title: string) =>
    toEventRow(makeEvent({ id, name: title, localDate: date, localTime: time }))!;
  const rows = [
    row("b", "2025-02-02", "19:00:00", "Zed"),
    row("d", "2025-02-01", "20:00:00", "Été"),
    row("c", "2025-02-01", "20:00:00", "Abba"),
    row("a", "2025-02-01", "20:00:00", "Abba"),
    row("e", "2025-02-01", null, "Zulu"),
  ].sort(compareRows);
  assert.deepEqual(rows.map((r) => r.id), ["e", "a", "c", "d", "b"]);
});

Deno.test("the CSV has a BOM, CRLF, quotes commas and quotes, and defuses formulas", () => {
  const row = toEventRow(makeEvent({
    id: "1AsZk",
    name: 'Soirée "Motown" & Disco, avec Michelle',
    localDate: "2025-02-01",
    localTime: null,
  }))!;
  const formula = { ...row, id: "1AsZl", title: "=HYPERLINK(1)" };
  const csv = eventsCsv([row, formula]);
  const lines = csv.split("\r\n");
  assert.ok(csv.startsWith("\uFEFFid,title,local_date,local_time,start_utc,time_zone,venue_name,"));
  assert.equal(lines.length, 4, "header, two rows, and the final CRLF");
  assert.ok(lines[1].startsWith('1AsZk,"Soirée ""Motown"" & Disco, avec Michelle",2025-02-01,,,'));
  assert.ok(lines[2].startsWith("1AsZl,'=HYPERLINK(1),"));
});

Deno.test("the query window covers the local days in all three Québec zones plus a day of margin", () => {
  const window = queryWindow(parseLocalDateRange("2025-02-01", "2025-06-30"));
  // Earliest local midnight: Atlantic (Magdalen Islands, Blanc-Sablon) 04:00Z; latest end:
  // Eastern daylight time, 2025-07-01T03:59:59Z. One day of margin on each side.
  assert.equal(new Date(window.startSec * 1000).toISOString(), "2025-01-31T04:00:00.000Z");
  assert.equal(new Date(window.endSec * 1000).toISOString(), "2025-07-02T03:59:59.000Z");
});

Deno.test("bad dates are rejected with the value and the reason", () => {
  assert.throws(() => parseLocalDateRange("2025-02-30", "2025-03-01"), {
    message: 'Cannot parse "2025-02-30": day out of range',
  });
  assert.throws(() => parseLocalDateRange("2025-02-01T00:00", "2025-03-01"), {
    message: 'Cannot parse "2025-02-01T00:00": expected YYYY-MM-DD',
  });
  assert.throws(() => parseLocalDateRange("2025-03-02", "2025-03-01"), {
    message: '"to" (2025-03-01) is before "from" (2025-03-02)',
  });
});

Deno.test("segments resolve by name in any case or by known id, and anything else is refused", () => {
  assert.deepEqual(resolveSegment("music"), { id: "KZFzniwnSyZfZ7v7nJ", name: "Music" });
  assert.equal(resolveSegment("Arts & Theatre").id, "KZFzniwnSyZfZ7v7na");
  assert.equal(resolveSegment("KZFzniwnSyZfZ7v7nE").name, "Sports");
  // Id-looking values, one even in Ticketmaster's segment id format: the API would answer
  // them with zero events, not an error.
  for (const value of ["Concerts2025", "KZFzniwnSyZfZ7v7zz", "Musc"]) {
    assert.throws(() => resolveSegment(value), {
      name: "RangeError",
      message: `Unknown segment "${value}": expected one of Music, Sports, Arts & Theatre, ` +
        "Film, Miscellaneous, Undefined, or a segment id like KZFzniwnSyZfZ7v7nJ",
    });
  }
});

Deno.test("a window is split into contiguous parts that share no second", () => {
  const window = { startSec: 1000, endSec: 1999 };
  const parts = splitWindow(window, 3 * MAX_REACHABLE);
  assert.equal(parts.length, 4);
  assert.equal(parts[0].startSec, 1000);
  assert.equal(parts.at(-1)!.endSec, 1999);
  for (let i = 1; i < parts.length; i++) assert.equal(parts[i].startSec, parts[i - 1].endSec + 1);
  assert.equal(splitWindow({ startSec: 5, endSec: 6 }, 5000).length, 2, "never below 1 s");
});

Deno.test("the first page's start instants place the cuts, and a crowded first second is isolated", () => {
  const at = (sec: number) => ({
    dates: { start: { dateTime: new Date(sec * 1000).toISOString() } },
  });
  // 3 of 4 sampled events fall in the window's last tenth: the cuts follow them.
  const sample = [at(1_100), at(1_920), at(1_950), at(1_980)];
  const parts = splitWindow({ startSec: 1_000, endSec: 1_999 }, 2_000, sample);
  assert.deepEqual(parts.map((p) => [p.startSec, p.endSec]), [
    [1_000, 1_919],
    [1_920, 1_949],
    [1_950, 1_999],
  ]);
  const crowded = Array.from({ length: 10 }, () => at(1_000));
  assert.deepEqual(splitWindow({ startSec: 1_000, endSec: 1_999 }, 1_050, crowded), [
    { startSec: 1_000, endSec: 1_000 },
    { startSec: 1_001, endSec: 1_999 },
  ]);
});

Deno.test({
  name: "real Discovery responses map without errors and pick the 2048×1152 image",
  ignore: !present,
  fn: async () => {
    const files = [
      "DavideOlivieri+progetto/exam_project/src/main/java/it/univpm/exam_project/services/canada.json",
      "ABeGood+events_mini_app_backend/ticketmaster_events_czech_music.json",
      "virus2207+Events-Finder-Backend/ticketmaster_response.json",
    ];
    for (const file of files) {
      const body = JSON.parse(await Deno.readTextFile(`${SHARED}/${file}`));
      const rows = body._embedded.events.map(toEventRow);
      assert.ok(rows.every((row: unknown) => row !== undefined), file);
    }
    const fixture = JSON.parse(
      await Deno.readTextFile(
        `${SHARED}/ticketmaster-api+sdk-javascript/test/fixtures/discovery/v2/event/all-200.json`,
      ),
    )[0].response;
    const sdkRows = fixture._embedded.events.map(toEventRow);
    assert.ok(sdkRows.some((row: { venue_name: string | null }) => row.venue_name === null));
    const canada = JSON.parse(await Deno.readTextFile(`${SHARED}/${files[0]}`));
    const row = toEventRow(canada._embedded.events[0])!;
    assert.equal(row.id, "G5d7ZpsD7i3C8");
    assert.equal(row.start_utc, "2022-02-03T23:00:00Z");
    assert.equal(row.address, "511 Notre Dame Street, Summerside (PE) C1N 1T2, Canada");
    assert.match(row.image_url!, /_TABLET_LANDSCAPE_LARGE_16_9\.jpg$/);
    assert.equal(row.segment, "Sports");
  },
});
