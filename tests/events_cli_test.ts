/**
 * `deno task events` through its main function: CSV file and database, the same CSV from
 * the API, stdout output, usage errors, a rejected key, a quota stop, --list-segments.
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { type CliDeps, main } from "../ingest/ticketmaster/cli.ts";
import { createTestApp } from "./helpers/app.ts";
import { expectedIds, MUSIC_ID, quebecEvents } from "./helpers/ticketmaster_data.ts";
import {
  serveTicketmaster,
  STUB_API_KEY,
  type TicketmasterStub,
} from "./helpers/ticketmaster_stub.ts";

const DATA = quebecEvents();
const RANGE = { from: "2025-02-01", to: "2025-06-30" };

interface Run {
  code: number;
  stdout: string;
  stderr: string[];
}

async function run(
  args: string[],
  stub: TicketmasterStub,
  deps: Partial<CliDeps> = {},
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
    assert.equal(await served.text(), csv);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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

Deno.test("a quota stop writes what was fetched, says what is missing and exits 3", async () => {
  await using stub = serveTicketmaster({
    events: DATA,
    onSearch: (_, stub) => {
      if (stub.calls.length === 6) stub.faults.push("quota");
    },
  });
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

Deno.test("--list-segments prints the live segments as id and name", async () => {
  await using stub = serveTicketmaster({ events: [] });
  const result = await run(["--list-segments"], stub);
  assert.equal(result.code, 0);
  assert.ok(result.stdout.includes(`${MUSIC_ID}\tMusic\n`));
  assert.equal(result.stdout.trim().split("\n").length, 6);
});
