/**
 * `deno task events` through its main function: CSV file and database, the same CSV from
 * the API (all events and Music), stdout output, usage errors and unknown segments, an output
 * the task may not write, a rejected key, a quota stop and unreadable answers (partial data
 * kept, exit 3, a previous complete file untouched, removed by the next complete run), events
 * with several venues, events no longer listed, --list-segments; and the task's own command
 * against a host its --allow-net refuses, as a host reached by a redirect is refused here.
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { listRuns } from "../db/run_log.ts";
import { type EventsCliDeps, main } from "../ingest/ticketmaster/cli.ts";
import { createTestApp } from "./helpers/app.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { csvAsSent } from "./helpers/ticketmaster_csv.ts";
import {
  expectedIds,
  makeEvent,
  MULTI_VENUE_FIXTURE,
  MUSIC_ID,
  quebecEvents,
} from "./helpers/ticketmaster_data.ts";
import {
  REDIRECT_HOST,
  serveTicketmaster,
  STUB_API_KEY,
  type TicketmasterStub,
} from "./helpers/ticketmaster_stub.ts";

const DATA = quebecEvents();
const RANGE = { from: "2025-02-01", to: "2025-06-30" };
const CHECKOUT = new URL("..", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string[];
}

async function run(
  args: string[],
  stub: TicketmasterStub,
  deps: Partial<EventsCliDeps> = {},
  apiKey = STUB_API_KEY,
): Promise<Run> {
  let stdout = "";
  const stderr: string[] = [];
  const code = await main(args, {
    env: { TICKETMASTER_API_KEY: apiKey, TICKETMASTER_BASE_URL: stub.url },
    client: { spacingMs: 0, retryBaseDelayMs: 1 },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (line) => stderr.push(line),
    ...deps,
  });
  return { code, stdout, stderr };
}

/** A temporary folder for output files, removed afterwards. */
async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "events_cli_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

async function exists(path: string | URL): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function csvIds(csv: string): string[] {
  const records: string[][] = parse(csv, { bom: true });
  assert.equal(records[0][0], "id");
  return records.slice(1).map((record) => record[0]).sort();
}

Deno.test("the CLI writes the range's CSV, stores the events, and the API serves the same bytes", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  await using app = await createTestApp();
  const dir = await Deno.makeTempDir({ prefix: "events_cli_" });
  try {
    const out = `${dir}/events.csv`;
    const result = await run(
      ["--from", RANGE.from, "--to", RANGE.to, "--out", out],
      stub,
      { sql: app.db.sql },
    );
    assert.equal(result.code, 0, result.stderr.join("\n"));
    const csv = await Deno.readTextFile(out);
    assert.deepEqual(csvIds(csv), expectedIds(DATA, RANGE));
    const log = result.stderr.join("\n");
    assert.match(log, /^\d+ Québec events \(2025-02-01\.\.2025-06-30\) → .*events\.csv$/m);
    assert.match(log, /^\d+ API requests \(0 spike-arrest retries, \d+ calls left today\)/m);
    assert.match(log, /events upserted into Postgres/);
    assert.ok(!log.includes(STUB_API_KEY));
    const served = await app.request(`/api/events?from=${RANGE.from}&to=${RANGE.to}&format=csv`);
    assert.equal(await csvAsSent(served), csv);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after a run for all events, the API's Music CSV is the CLI's Music export", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  await using app = await createTestApp();
  const all = await run(["--from", RANGE.from, "--to", RANGE.to, "--out", "-"], stub, {
    sql: app.db.sql,
  });
  assert.equal(all.code, 0, all.stderr.join("\n"));
  const music = await run(
    ["--from", RANGE.from, "--to", RANGE.to, "--segment", "Music", "--out", "-", "--no-db"],
    stub,
  );
  assert.equal(music.code, 0, music.stderr.join("\n"));
  const served = await app.request(
    `/api/events?from=${RANGE.from}&to=${RANGE.to}&segment=Music&format=csv`,
  );
  const servedCsv = await csvAsSent(served);
  assert.deepEqual(csvIds(servedCsv), csvIds(music.stdout));
  assert.equal(servedCsv, music.stdout);
  const records: string[][] = parse(music.stdout, { bom: true });
  const segment = records[0].indexOf("segment");
  assert.ok(
    records.some((record) => record[segment] !== "Music"),
    "the export holds events whose primary segment is another one",
  );
});

Deno.test("--segment Music with --out - prints only Music events and touches no database", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  const result = await run(
    ["--from", RANGE.from, "--to", RANGE.to, "--segment", "music", "--out", "-", "--no-db"],
    stub,
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(csvIds(result.stdout), expectedIds(DATA, { ...RANGE, segmentId: MUSIC_ID }));
  assert.match(result.stderr[0], /\(2025-02-01\.\.2025-06-30, segment Music\) → stdout$/);
});

Deno.test("bad usage and a missing key exit 2 with one clear line and no request", async () => {
  await using stub = serveTicketmaster({ events: [] });
  const cases: [string[], RegExp][] = [
    [["--from", "2025-02-01"], /^error: --from and --to are required\nusage: /],
    [
      ["--from", "2025-02-30", "--to", "2025-03-01"],
      /^error: Cannot parse "2025-02-30": day out of range/,
    ],
    [
      ["--from", "2025-02-01", "--to", "2025-03-01", "--segment", "Musc"],
      /^error: Unknown segment "Musc"/,
    ],
    [["--from", "2025-02-01", "--to", "2025-03-01", "--max-requests", "0"], /--max-requests "0"/],
    [["--since", "2025-02-01"], /^error: Unknown option '--since'/],
  ];
  for (const [args, message] of cases) {
    const result = await run(args, stub);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr.join("\n"), message);
  }
  const noKey = await run(["--from", "2025-02-01", "--to", "2025-03-01"], stub, {}, "");
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr[0], /^error: TICKETMASTER_API_KEY is not set/);
  assert.equal(stub.calls.length, 0);
});

Deno.test("an unknown segment, even one that looks like an id, exits 2 with one line and overwrites nothing", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  await using dir = await tempDir();
  const out = `${dir.path}/music.csv`;
  await Deno.writeTextFile(out, "an earlier export");
  for (const segment of ["Concerts2025", "KZFzniwnSyZfZ7v7zz"]) {
    const result = await run(
      ["--from", RANGE.from, "--to", RANGE.to, "--segment", segment, "--out", out, "--no-db"],
      stub,
    );
    assert.equal(result.code, 2, segment);
    assert.deepEqual(result.stderr, [
      `error: Unknown segment "${segment}": expected one of Music, Sports, Arts & Theatre, ` +
      "Film, Miscellaneous, Undefined, or a segment id like KZFzniwnSyZfZ7v7nJ",
    ]);
  }
  assert.equal(await Deno.readTextFile(out), "an earlier export");
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((entry) => entry.name), ["music.csv"]);
  assert.equal(stub.calls.length, 0);
});

Deno.test("an --out the process may not write is refused before any request", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  // Outside the tests' --allow-write=/tmp and --allow-read, wherever the checkout lives, as
  // anything outside exports/ is for the task.
  const folder = "/opendata-feeds-unwritable";
  for (const name of ["write", "read"] as const) {
    assert.notEqual(Deno.permissions.querySync({ name, path: folder }).state, "granted", name);
  }
  const out = `${folder}/here.csv`;
  const result = await run(["--from", RANGE.from, "--to", RANGE.to, "--out", out], stub);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stderr, [
    `error: no permission to write and read "${folder}" for --out ${out} (deno task events ` +
    "may write only under exports/; to write elsewhere, see docs/events.md)",
  ]);
  assert.equal(stub.calls.length, 0);
});

Deno.test("a rejected key exits 1 with one line that does not contain the key", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  const result = await run(
    ["--from", RANGE.from, "--to", RANGE.to, "--out", "-", "--no-db"],
    stub,
    {},
    "secret-but-wrong",
  );
  assert.equal(result.code, 1);
  assert.deepEqual(result.stderr, [
    "error: Ticketmaster rejected the API key (401 oauth.v2.InvalidApiKey: Invalid ApiKey); " +
    "check TICKETMASTER_API_KEY",
  ]);
  assert.equal(result.stdout, "");
});

/** The stub, whose daily quota runs out at search call number `quota.atCall` (may be re-armed). */
function serveWithQuotaAt(quota: { atCall: number }) {
  return serveTicketmaster({
    events: DATA,
    onSearch: (_, stub) => {
      if (stub.calls.length === quota.atCall) stub.faults.push("quota");
    },
  });
}

Deno.test("a quota stop writes what was fetched, says what is missing and exits 3", async () => {
  await using stub = serveWithQuotaAt({ atCall: 6 });
  const result = await run(["--from", RANGE.from, "--to", RANGE.to, "--out", "-", "--no-db"], stub);
  assert.equal(result.code, 3);
  const ids = csvIds(result.stdout);
  assert.ok(ids.length > 0 && ids.length < expectedIds(DATA, RANGE).length);
  const last = result.stderr.at(-1)!;
  assert.match(
    last,
    /^INCOMPLETE: Ticketmaster daily quota exhausted \(QuotaViolation\); it resets at .*; events starting from 2025-.* to 2025-07-02T03:59:59Z were not read$/,
  );
  assert.ok(!result.stderr.join("\n").includes(STUB_API_KEY));
});

Deno.test("an incomplete run writes NAME.incomplete.csv and leaves the previous complete file untouched", async () => {
  const quota = { atCall: -1 }; // armed for the second run
  await using stub = serveWithQuotaAt(quota);
  await using dir = await tempDir();
  const out = `${dir.path}/quebec.csv`;
  const args = ["--from", RANGE.from, "--to", RANGE.to, "--out", out, "--no-db"];
  assert.equal((await run(args, stub)).code, 0);
  const complete = await Deno.readTextFile(out);
  quota.atCall = stub.calls.length + 6;
  const stopped = await run(args, stub);
  assert.equal(stopped.code, 3);
  assert.equal(await Deno.readTextFile(out), complete, "the complete file is unchanged");
  const partial = await Deno.readTextFile(`${dir.path}/quebec.incomplete.csv`);
  const ids = csvIds(partial);
  assert.ok(ids.length > 0 && ids.length < csvIds(complete).length);
  assert.equal(
    stopped.stderr[0],
    `${ids.length} Québec events (2025-02-01..2025-06-30) → ${dir.path}/quebec.incomplete.csv ` +
      `(incomplete, so ${out} is left untouched)`,
  );
  assert.match(stopped.stderr.at(-1)!, /^INCOMPLETE: Ticketmaster daily quota exhausted/);
});

Deno.test("a complete run removes the NAME.incomplete.csv an earlier incomplete run left", async () => {
  const quota = { atCall: 6 }; // the first run stops, the second completes
  await using stub = serveWithQuotaAt(quota);
  await using dir = await tempDir();
  const out = `${dir.path}/quebec.csv`;
  const stale = `${dir.path}/quebec.incomplete.csv`;
  const args = ["--from", RANGE.from, "--to", RANGE.to, "--out", out, "--no-db"];
  assert.equal((await run(args, stub)).code, 3);
  assert.equal(await exists(out), false, "the incomplete run wrote no complete file");
  assert.ok(await exists(stale));

  const complete = await run(args, stub);

  assert.equal(complete.code, 0, complete.stderr.join("\n"));
  assert.deepEqual(csvIds(await Deno.readTextFile(out)), expectedIds(DATA, RANGE));
  assert.equal(await exists(stale), false);
  assert.match(
    complete.stderr[0],
    new RegExp(`→ ${out} \\(removed ${stale}, left by an earlier incomplete run\\)$`),
  );
});

Deno.test("a 200 HTML page or a cut-off body, once, is retried and the export is complete", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  stub.faults.push("html", "cut-off");
  const result = await run(
    ["--from", RANGE.from, "--to", RANGE.to, "--out", "-", "--no-db"],
    stub,
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(csvIds(result.stdout), expectedIds(DATA, RANGE));
});

for (const fault of ["html", "cut-off"] as const) {
  Deno.test(`lasting unreadable answers (${fault}) keep the fetched events in the CSV and database, and exit 3`, async () => {
    await using stub = serveTicketmaster({
      events: DATA,
      onSearch: (_, stub) => {
        if (stub.calls.length === 6) stub.faults.push(...Array(5).fill(fault)); // 1 + 4 retries
      },
    });
    await using app = await createTestApp();
    await using dir = await tempDir();
    const out = `${dir.path}/events.csv`;
    const result = await run(["--from", RANGE.from, "--to", RANGE.to, "--out", out], stub, {
      sql: app.db.sql,
    });
    assert.equal(result.code, 3, result.stderr.join("\n"));
    const ids = csvIds(await Deno.readTextFile(`${dir.path}/events.incomplete.csv`));
    assert.ok(ids.length > 0 && ids.length < expectedIds(DATA, RANGE).length);
    const [{ count }] = await app.db.sql`select count(*)::int as count from ticketmaster_events`;
    assert.equal(count, ids.length, "the fetched events are stored");
    assert.match(
      result.stderr.at(-1)!,
      new RegExp(
        "^INCOMPLETE: No usable answer from Ticketmaster: GET .* failed after 5 attempts: " +
          (fault === "html"
            ? "the 200 answer is not JSON \\(text/html: "
            : "connection closed after \\d+ bytes of \\d+") +
          ".*; events starting from 2025-.* to 2025-07-02T03:59:59Z were not read$",
      ),
    );
    assert.ok(!result.stderr.join("\n").includes(STUB_API_KEY));
  });
}

Deno.test("a complete run counts the stored events Ticketmaster no longer lists, and keeps them", async () => {
  const events = ["G1", "G2", "G3"].map((id, i) =>
    makeEvent({
      id,
      name: `Spectacle ${i}`,
      localDate: "2025-03-0" + (i + 1),
      localTime: "20:00:00",
    })
  );
  await using stub = serveTicketmaster({ events });
  await using app = await createTestApp();
  const args = ["--from", "2025-03-01", "--to", "2025-03-31", "--out", "-"];
  assert.equal((await run(args, stub, { sql: app.db.sql })).code, 0);
  const before = await (await app.request("/api/events?from=2025-03-01&to=2025-03-31")).json();
  events.splice(1, 1); // G2 is no longer listed
  const second = await run(args, stub, { sql: app.db.sql });
  assert.equal(second.code, 0);
  assert.ok(second.stderr.includes(
    "1 stored events of 2025-03-01..2025-03-31 are no longer listed by Ticketmaster " +
      "(last_seen_at before this run); they stay in the database",
  ));
  const after = await (await app.request("/api/events?from=2025-03-01&to=2025-03-31")).json();
  const seen = (body: { events: { id: string; last_seen_at: string }[] }, id: string) =>
    body.events.find((e) => e.id === id)?.last_seen_at;
  assert.equal(after.count, 3, "G2 stays in the database");
  assert.equal(seen(after, "G2"), seen(before, "G2"));
  assert.ok(seen(after, "G1")! > seen(before, "G1")!);
});

Deno.test("an event with several venues is exported once, with the Québec venue's address and every venue's name", async () => {
  const page = JSON.parse(await Deno.readTextFile(MULTI_VENUE_FIXTURE));
  await using stub = serveTicketmaster({ events: page._embedded.events });
  const result = await run(
    ["--from", "2025-05-16", "--to", "2025-05-16", "--out", "-", "--no-db"],
    stub,
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  const [header, ...records]: string[][] = parse(result.stdout, { bom: true });
  assert.equal(records.length, 1);
  const cell = (column: string) => records[0][header.indexOf(column)];
  assert.equal(cell("id"), "vvG1fZ9k4Pq7xT");
  assert.equal(
    cell("venue_name"),
    "Theatre du Casino du Lac-Leamy; National Arts Centre - Southam Hall",
  );
  assert.equal(cell("address"), "1 Blvd du Casino, GATINEAU (QC) J8Y 6W3, Canada");
});

Deno.test("deno task events exits 2 before any request, with one line naming the host, when its --allow-net refuses TICKETMASTER_BASE_URL", async () => {
  await using stub = serveTicketmaster({ events: DATA });
  await using db = await createTestDatabase();
  const out = `exports/refused-${crypto.randomUUID()}.csv`;
  // The task's own command: its --allow-net allows app.ticketmaster.com and Postgres only.
  const task = await new Deno.Command("deno", {
    args: ["task", "--quiet", "events", "--from", RANGE.from, "--to", RANGE.to, "--out", out],
    cwd: CHECKOUT,
    env: {
      TICKETMASTER_API_KEY: STUB_API_KEY,
      TICKETMASTER_BASE_URL: stub.url,
      DATABASE_URL: `${db.url}?search_path=${db.schema}`,
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(task.stderr).trimEnd().split("\n");
  assert.equal(task.code, 2, stderr.join("\n"));
  assert.equal(stderr.length, 1, stderr.join("\n"));
  assert.match(
    stderr[0],
    new RegExp(`^error: .*"${new URL(stub.url).host}".*TICKETMASTER_BASE_URL`),
  );
  assert.equal(task.stdout.length, 0);
  assert.equal(stub.calls.length, 0);
  const incomplete = out.replace(/\.csv$/, ".incomplete.csv");
  for (const file of [out, incomplete]) {
    assert.equal(await exists(new URL(file, CHECKOUT)), false, file);
  }
  assert.deepEqual(await listRuns(db.sql, "ticketmaster"), [], "no run is recorded");
});

Deno.test("a redirect to a host the process may not reach ends the run with one line, writing and storing nothing", async () => {
  // Three pages of 200 events: the second page is redirected.
  const events = Array.from(
    { length: 450 },
    (_, i) =>
      makeEvent({ id: `E${i}`, name: `Spectacle ${i}`, localDate: "2025-03-15", localTime: null }),
  );
  await using stub = serveTicketmaster({
    events,
    onSearch: (_, stub) => {
      if (stub.calls.length === 1) stub.faults.push("redirect");
    },
  });
  await using app = await createTestApp();
  await using dir = await tempDir();
  const out = `${dir.path}/events.csv`;
  const result = await run(["--from", "2025-03-01", "--to", "2025-03-31", "--out", out], stub, {
    sql: app.db.sql,
  });
  assert.equal(result.code, 1, result.stderr.join("\n"));
  assert.equal(result.stderr.length, 1, result.stderr.join("\n"));
  assert.match(result.stderr[0], new RegExp(`^error: .*"${REDIRECT_HOST}:443"`));
  assert.equal(stub.calls.length, 2, "no retry");
  assert.deepEqual([...Deno.readDirSync(dir.path)], [], "no CSV, not even an incomplete one");
  assert.deepEqual(await listRuns(app.db.sql, "ticketmaster"), []);
  const [{ count }] = await app.db.sql`select count(*)::int as count from ticketmaster_events`;
  assert.equal(count, 0);
});

Deno.test("--list-segments prints the live segments as id and name", async () => {
  await using stub = serveTicketmaster({ events: [] });
  const result = await run(["--list-segments"], stub);
  assert.equal(result.code, 0);
  assert.ok(result.stdout.includes(`${MUSIC_ID}\tMusic\n`));
  assert.equal(result.stdout.trim().split("\n").length, 6);
});
