/**
 * The two ways routes/consumption_render.ts writes a range's half-hours, copied from the
 * blocks' texts held in memory or written point by point when the texts have no room, must
 * give the same bytes (tests/consumption_identity_test.ts checks those against the SQL).
 */
import assert from "node:assert/strict";
import { type Block, BLOCK_SLOTS, ConsumptionStore, SLOT_MS } from "../db/consumption_store.ts";
import { loadRteSource } from "../ingest/rte/load.ts";
import { DAY_MS, HALF_HOUR_MS } from "../lib/zoned_time.ts";
import { rangeFacts } from "../routes/consumption_points.ts";
import { askedRange, rangeEcho } from "../routes/consumption_query.ts";
import { BlockTexts, type Format, renderWhole } from "../routes/consumption_render.ts";
import { createTestDatabase } from "./helpers/database.ts";
import {
  consecutiveDates,
  eco2mixXls,
  halfHourlyDay,
  quarterHourlyDay,
} from "./helpers/rte_fixtures.ts";
import { seededRandom } from "./helpers/seeded_random.ts";

const SEED = 20_180_325;
const RANGES = 300;
const FIRST_MS = Date.parse("2018-03-10T00:00:00+01:00");
const LAST_MS = Date.parse("2018-04-20T00:00:00+02:00");

Deno.test("a range's half-hours are the same bytes whether copied from held texts or written one by one", async () => {
  await using db = await createTestDatabase();
  // Definitive days around the spring night, real-time ones after, a day missing between.
  const definitive = consecutiveDates("2018-03-10", 25)
    .flatMap((date) => halfHourlyDay(date, (time) => 50_000 + Number(time.replace(":", ""))));
  const realTime = consecutiveDates("2018-04-05", 15)
    .filter((date) => date !== "2018-04-09")
    .flatMap((date) => quarterHourlyDay(date, () => 48_123));
  await loadRteSource(db.sql, { name: "definitive.xls", bytes: eco2mixXls(definitive) });
  await loadRteSource(db.sql, {
    name: "real_time.xls",
    bytes: eco2mixXls(realTime, { nature: "real_time" }),
  });
  const store = new ConsumptionStore(db.sql, { maxBytes: 24_000_000, ttlMs: 60_000 });
  const noRoom = new BlockTexts({ maxBytes: 0, blockLifetimeMs: 60_000 });
  const roomy = new BlockTexts({ maxBytes: 64_000_000, blockLifetimeMs: 60_000 });
  const random = seededRandom(SEED);
  let withPoints = 0;
  for (let draw = 0; draw < RANGES; draw++) {
    const startMs = FIRST_MS + Math.floor(random() * (LAST_MS - FIRST_MS) / 60_000) * 60_000;
    const endMs = startMs + Math.floor(random() * 3 * DAY_MS / HALF_HOUR_MS) * HALF_HOUR_MS;
    const blocks = await store.blocks("France", startMs, endMs);
    const source = { blocks, startMs, endMs, resolution: "PT30M" as const };
    const answer = {
      ...source,
      echo: rangeEcho(askedRange({ perimeter: "France", start: startMs, end: endMs })),
      count: rangeFacts(source).halfHours,
    };
    if (answer.count > 0) withPoints++;
    for (const format of ["json", "csv"] satisfies Format[]) {
      const expected = renderWhole(answer, format, noRoom);
      const label = `seed ${SEED}, ${new Date(startMs).toISOString()} to ` +
        `${new Date(endMs).toISOString()}, ${format}`;
      assert.deepEqual(renderWhole(answer, format, roomy), expected, label);
    }
  }
  assert.ok(withPoints > RANGES / 2, `only ${withPoints} of ${RANGES} ranges hold half-hours`);
});

/** A block of `index` whose every half-hour holds a definitive row. */
function fullBlock(index: number): Block {
  return {
    startMs: index * BLOCK_SLOTS * SLOT_MS,
    mw: new Int32Array(BLOCK_SLOTS).fill(51_234),
    nature: new Uint8Array(BLOCK_SLOTS).fill(3),
  };
}

Deno.test("block texts are kept while memory has room, none is pushed out for another, and texts older than a block's lifetime make room", () => {
  const blocks = [0, 1, 2].map((index) => fullBlock(10_000 + index));
  const { length } = new BlockTexts({ maxBytes: 1e9, blockLifetimeMs: 1 }).of(blocks[0], "json")!;
  let now = 0;
  const texts = new BlockTexts({
    maxBytes: 2 * length + 100,
    blockLifetimeMs: 1_000,
    now: () => now,
  });
  const first = texts.of(blocks[0], "json");
  assert.ok(first);
  now = 500;
  assert.ok(texts.of(blocks[1], "json"));
  assert.equal(texts.of(blocks[0], "json"), first, "held: the same text");
  assert.equal(texts.of(blocks[2], "json"), undefined, "full: written point by point");
  now = 1_001; // the first text's block has been replaced by now
  assert.ok(texts.of(blocks[2], "json"));
  assert.equal(texts.of(blocks[0], "json"), undefined, "its text went, and memory is full again");
});
