/**
 * End-to-end: the real service (API + built web UI) on loopback with data in a test schema,
 * driven in headless Debian Chromium. Screenshots land in web/test-artifacts/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { createSql, type Sql } from "../db/client.ts";
import { browserSkipReason, openBrowserSession, saveScreenshot } from "./helpers/browser.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { formatZonedIso, parseIsoInZone } from "../lib/zoned_time.ts";
import { hourLabel, hourTicks } from "../web/src/lib/time_ticks.ts";
import { clockChange, halfHoursOfDay } from "../web/src/lib/zoned.ts";

const skipReason = browserSkipReason();
if (skipReason) console.log(skipReason);
const ignore = skipReason !== null;

const HALF_HOUR_MS = 1_800_000;
type Nature = "real_time" | "consolidated" | "definitive";

/** The calendar days from `first` to `last`, both included. */
function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(first); t <= Date.parse(last); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

// Runs without the browser: the page's own zone helper, checked against the service's.
Deno.test("the page's half-hours of a day match the service's zone maths, DST days included", () => {
  const zones = ["Europe/Paris", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata"];
  for (const zone of zones) {
    for (const day of daysBetween("2018-01-01", "2019-12-31")) {
      const start = parseIsoInZone(day, zone);
      const end = parseIsoInZone(
        new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10),
        zone,
      );
      const expected: string[] = [];
      for (let t = start; t < end; t += HALF_HOUR_MS) expected.push(formatZonedIso(zone, t));
      const actual = halfHoursOfDay(day, zone);
      assert.deepEqual(actual.map((h) => h.iso), expected, `${zone} ${day}`);
      assert.deepEqual(actual.map((h) => Date.parse(h.iso)), actual.map((h) => h.epochMs));
    }
  }
  const paris = (day: string) => halfHoursOfDay(day, "Europe/Paris");
  assert.equal(paris("2018-03-25").length, 46);
  assert.equal(paris("2018-10-28").length, 50);
  assert.equal(paris("2019-10-27").length, 50);
  assert.deepEqual(clockChange(paris("2018-03-25").map((h) => h.iso)), {
    direction: "forward",
    from: "02:00",
    to: "02:59",
  });
  assert.deepEqual(clockChange(paris("2018-10-28").map((h) => h.iso)), {
    direction: "back",
    from: "02:00",
    to: "02:59",
  });
  assert.equal(clockChange(paris("2018-01-15").map((h) => h.iso)), null);
});

/** A Paris day's time-axis labels at a tick step of `hours`, from its first to last half-hour. */
function parisAxis(day: string, hours: number): string[] {
  const halfHours = halfHoursOfDay(day, "Europe/Paris");
  const [min, max] = [halfHours[0], halfHours.at(-1)!].map((h) => h.epochMs / 1000);
  return hourTicks(min, max, hours * 3600, "Europe/Paris").map((t) => hourLabel(t, "Europe/Paris"));
}

// Runs without the browser too: the chart's hours, DST days included.
Deno.test("the chart's time axis has whole Paris hours, the autumn 02:00s told apart", () => {
  const everyTwoHours = Array.from(
    { length: 12 },
    (_, i) => `${String(2 * i).padStart(2, "0")}:00`,
  );
  assert.deepEqual(parisAxis("2018-01-15", 2), everyTwoHours);
  const spring = parisAxis("2018-03-25", 1);
  assert.deepEqual(spring.slice(0, 4), ["00:00", "01:00", "03:00", "04:00"]);
  assert.equal(spring.length, 23);
  const autumn = parisAxis("2018-10-28", 1);
  assert.deepEqual(autumn.slice(0, 5), ["00:00", "01:00", "02:00 +02", "02:00 +01", "03:00"]);
  assert.equal(autumn.length, 25);
  // A coarser step keeps ticks a step apart: the second 02:00 would crowd the first.
  assert.deepEqual(parisAxis("2018-10-28", 2).slice(0, 4), [
    "00:00",
    "02:00 +02",
    "04:00",
    "06:00",
  ]);
});

/** Stores consecutive half-hours from `firstUtc`, one per value (France, definitive by default). */
async function insertHalfHours(
  sql: Sql,
  firstUtc: string,
  valuesMw: number[],
  { nature = () => "definitive", perimeter = "France" }: {
    nature?: (index: number) => Nature;
    perimeter?: string;
  } = {},
): Promise<void> {
  const first = Date.parse(firstUtc);
  await sql`
    insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
    select ${perimeter}, period_start, consumption_mw, nature, 'web_e2e_test'
    from unnest(
      ${
    sql.array(valuesMw.map((_, i) => new Date(first + i * HALF_HOUR_MS).toISOString()))
  }::timestamptz[],
      ${sql.array(valuesMw)}::integer[],
      ${sql.array(valuesMw.map((_, i) => nature(i)))}::text[]::rte_nature[]
    ) as input(period_start, consumption_mw, nature)`;
}

/**
 * 2018-01-15 (UTC+1): each of 55,000 … 59,700 MW once, in a shuffled order (37 is coprime
 * with 48): minimum 55,000 at 00:00, maximum 59,700 at 17:30, average 57,350 MW, energy
 * 48 × 57,350 × 0.5 h = 1,376,400 MWh. The last four half-hours are only consolidated.
 */
const JANUARY_15 = Array.from({ length: 48 }, (_, i) => 55_000 + ((i * 37) % 48) * 100);

async function insertJanuary15(sql: Sql): Promise<void> {
  await insertHalfHours(
    sql,
    "2018-01-14T23:00:00Z",
    JANUARY_15,
    { nature: (i) => i < 44 ? "definitive" : "consolidated" },
  );
}

/** The table's body as rows of cell texts (4 columns: time, MW, W, nature). */
async function rowTexts(page: Page): Promise<string[][]> {
  const cells = await page.locator("table.half-hours tbody tr").locator("th, td").allTextContents();
  const rows: string[][] = [];
  for (let i = 0; i < cells.length; i += 4) rows.push(cells.slice(i, i + 4).map(squeeze));
  return rows;
}

/** Collapses white space, including the narrow no-break space French uses to group digits. */
function squeeze(text: string | null): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}

async function statText(page: Page, name: string): Promise<string> {
  return squeeze(await page.locator(`[data-stat="${name}"]`).textContent());
}

/** The URLs of the page's requests for a day's half-hours, as they are made. */
function consumptionRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/consumption") urls.push(request.url());
  });
  return urls;
}

Deno.test({
  name: "choosing a day in the date picker shows its half-hours, values and summary",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/consumption/2018-01-01`);
    await page.locator("[data-state=empty]").waitFor();
    await page.getByLabel("Day", { exact: true }).fill("2018-01-15");
    await page.locator("table.half-hours tbody tr").first().waitFor();

    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-15");
    const rows = await rowTexts(page);
    assert.equal(rows.length, 48);
    assert.deepEqual(rows[0], ["00:00 UTC+01:00", "55,000", "55,000,000,000", "Definitive"]);
    assert.deepEqual(rows[35], ["17:30 UTC+01:00", "59,700", "59,700,000,000", "Definitive"]);
    assert.deepEqual(rows[47], ["23:30 UTC+01:00", "56,100", "56,100,000,000", "Consolidated"]);
    assert.equal(await statText(page, "min"), "55,000 MW at 00:00");
    assert.equal(await statText(page, "max"), "59,700 MW at 17:30");
    assert.equal(await statText(page, "average"), "57,350 MW");
    assert.equal(await statText(page, "energy"), "1,376,400 MWh over 48 half-hours");
    assert.equal(await page.locator(".uplot canvas").count(), 1);
    await saveScreenshot(page, "consumption");
  },
});

Deno.test({
  name: "previous and next day buttons move the day and the URL, with an empty state",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await insertHalfHours(db.sql, "2018-01-16T23:00:00Z", [50_000]); // 2018-01-17 00:00
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/consumption/2018-01-14`);
    const empty = page.locator("[data-state=empty]");
    assert.equal(await empty.textContent(), "No consumption data for 2018-01-14.");
    await page.getByRole("button", { name: "Next day" }).click();
    await page.locator("table.half-hours tbody tr").first().waitFor();
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-15");
    assert.equal(await page.getByLabel("Day", { exact: true }).inputValue(), "2018-01-15");

    await page.getByRole("button", { name: "Next day" }).press("Enter");
    await empty.waitFor();
    assert.equal(await empty.textContent(), "No consumption data for 2018-01-16.");
    assert.equal(await page.locator("table.half-hours").count(), 0);

    await page.goBack();
    await page.locator("table.half-hours tbody tr").first().waitFor();
    assert.equal(await page.locator("table.half-hours tbody tr").count(), 48);
  },
});

/**
 * 2018-10-28 as RTE publishes it: 48 of its 50 half-hours. 00:00+02:00 is 22:00Z the day
 * before; the first 02:00 and 02:30 (UTC+02:00, i.e. 00:00Z and 00:30Z) are absent, the
 * second ones (UTC+01:00) present. 50,000 MW before the gap, 45,000 MW after it: energy
 * (4 × 50,000 + 44 × 45,000) × 0.5 h = 1,090,000 MWh, average 2,180,000 / 48 = 45,417 MW.
 */
async function insertAutumnAsPublished(sql: Sql): Promise<void> {
  await insertHalfHours(sql, "2018-10-27T22:00:00Z", Array(4).fill(50_000));
  await insertHalfHours(sql, "2018-10-28T01:00:00Z", Array(44).fill(45_000));
}

Deno.test({
  name: "a normal day has 48 rows and nothing marked as not published",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/consumption/2018-01-15`);
    await page.getByText("48 half-hours on 2018-01-15 (Paris time)").waitFor();
    assert.equal(await page.locator("table.half-hours tbody tr").count(), 48);
    assert.equal(await page.locator("table.half-hours tr.unpublished").count(), 0);
    assert.equal(await page.locator("main .tag, [data-note]").count(), 0);
    assert.equal(await statText(page, "average"), "57,350 MW");
  },
});

Deno.test({
  name: "the spring DST day has its 46 real half-hours, the offset telling hours apart",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    // 00:00+01:00 is 23:00Z the day before; 02:00–02:59 does not exist.
    await insertHalfHours(db.sql, "2018-03-24T23:00:00Z", Array(46).fill(50_000));
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/consumption/2018-03-25`);
    await page.getByText("46 half-hours on 2018-03-25 (Paris time)").waitFor();
    const spring = (await rowTexts(page)).map((row) => row[0]);
    assert.equal(spring.length, 46);
    assert.deepEqual(spring.slice(3, 5), ["01:30 UTC+01:00", "03:00 UTC+02:00"]);
    assert.equal(spring.at(-1), "23:30 UTC+02:00");
    assert.equal(await page.locator("table.half-hours tr.unpublished").count(), 0);
    assert.equal(await statText(page, "energy"), "1,150,000 MWh over 46 half-hours");
    assert.equal(
      squeeze(await page.locator("[data-note=clock-change]").textContent()),
      "Clocks go forward on this day: 02:00–02:59 does not exist, so the day has 46 half-hours.",
    );
  },
});

Deno.test({
  name: "the autumn DST day lists all 50 half-hours, the 2 RTE never publishes marked",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertAutumnAsPublished(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/consumption/2018-10-28`);
    await page.getByText("50 half-hours on 2018-10-28 (Paris time), 48 with a value").waitFor();
    const rows = await rowTexts(page);
    assert.equal(rows.length, 50);
    assert.deepEqual(rows.slice(3, 8), [
      ["01:30 UTC+02:00", "50,000", "50,000,000,000", "Definitive"],
      ["02:00 UTC+02:00", "–", "–", "not published"],
      ["02:30 UTC+02:00", "–", "–", "not published"],
      ["02:00 UTC+01:00", "45,000", "45,000,000,000", "Definitive"],
      ["02:30 UTC+01:00", "45,000", "45,000,000,000", "Definitive"],
    ]);
    assert.equal(rows.at(-1)?.[0], "23:30 UTC+01:00");
    assert.equal(await page.locator("table.half-hours tr.unpublished").count(), 2);

    assert.equal(await statText(page, "max"), "50,000 MW at 00:00");
    assert.equal(await statText(page, "min"), "45,000 MW at 02:00 UTC+01:00");
    assert.equal(await statText(page, "average"), "45,417 MW over 48 of 50 half-hours");
    assert.equal(
      await statText(page, "energy"),
      "1,090,000 MWh partial over 48 of 50 half-hours",
    );
    assert.equal(
      squeeze(await page.locator("[data-note=clock-change]").textContent()),
      "Clocks go back on this day: 02:00–02:59 happens twice, so the day has 50 half-hours; " +
        "the UTC offset tells them apart.",
    );
    assert.equal(
      squeeze(await page.locator("[data-note=missing]").textContent()),
      "not published No value for 2 of the day's 50 half-hours: RTE publishes only one " +
        "02:00–02:59 hour on the day clocks go back. The chart leaves a gap there.",
    );
    assert.match(
      await page.locator(".chart").getAttribute("aria-label") ?? "",
      /2 half-hours without a value are left blank/,
    );
    await saveScreenshot(page, "consumption-autumn");
  },
});

Deno.test({
  name: "today's half-hours still to come are not yet published, a missed one not published",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    // 2018-01-15 00:00–11:30 Paris time, without 05:00 (index 10): 23 of 48 half-hours.
    const morning = JANUARY_15.slice(0, 24);
    await insertHalfHours(db.sql, "2018-01-14T23:00:00Z", morning.slice(0, 10));
    await insertHalfHours(db.sql, "2018-01-15T04:30:00Z", morning.slice(11));
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.clock.setFixedTime("2018-01-15T11:10:00Z"); // 12:10 in Paris

    await page.goto(`${session.url}/#/consumption`);
    await page.getByText("48 half-hours on 2018-01-15 (Paris time), 23 with a value").waitFor();
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-15");
    const rows = await rowTexts(page);
    assert.deepEqual(rows[10], ["05:00 UTC+01:00", "–", "–", "not published"]);
    assert.deepEqual(rows[24], ["12:00 UTC+01:00", "–", "–", "not yet published"]);
    assert.equal(rows.filter((row) => row[3] === "not published").length, 1);
    assert.equal(rows.filter((row) => row[3] === "not yet published").length, 24);
    // Sum of the 23 values 1,318,000 MW: × 0.5 h, and / 23.
    assert.equal(await statText(page, "energy"), "659,000 MWh partial over 23 of 48 half-hours");
    assert.equal(await statText(page, "average"), "57,304 MW over 23 of 48 half-hours");
    assert.equal(await statText(page, "max"), "59,600 MW at 11:00");
    assert.equal(await page.locator("[data-note=clock-change]").count(), 0);
    assert.match(
      squeeze(await page.locator("[data-note=pending]").textContent()),
      /24 half-hours of the day are not over yet/,
    );
  },
});

Deno.test({
  name: "numbers follow the browser's locale: a French browser groups with spaces",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await using session = await openBrowserSession(db.sql, { locale: "fr-FR" });
    const { page } = session;

    await page.goto(`${session.url}/#/consumption/2018-01-15`);
    await page.locator("table.half-hours tbody tr").first().waitFor();
    const [first] = await rowTexts(page);
    assert.deepEqual(first.slice(1, 3), ["55 000", "55 000 000 000"]);
    assert.equal(await statText(page, "energy"), "1 376 400 MWh over 48 half-hours");
  },
});

Deno.test({
  name: "an API failure shows the error state with the problem's title and detail",
  ignore,
  async fn() {
    // The real app on a database nobody listens on (port 9): the API answers 503 problem.
    const sql = createSql("postgres://postgres@127.0.0.1:9/none", { max: 1 });
    try {
      await using session = await openBrowserSession(sql);
      const { page } = session;
      await page.goto(`${session.url}/#/consumption/2018-01-15`);
      const error = page.locator("[data-state=error]");
      await error.waitFor();
      const text = squeeze(await error.textContent());
      assert.match(text, /Service Unavailable \(HTTP 503\)/);
      assert.match(text, /The database is unreachable; try again shortly/);
      assert.equal(await page.getByRole("alert").count(), 1);
      assert.equal(await page.locator("table.half-hours").count(), 0);
      await saveScreenshot(page, "consumption-error");
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "a day that is not a date in the URL is an error, without asking the API for it",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    const dayRequests = consumptionRequests(page);
    await page.goto(`${session.url}/#/consumption/2018-02-30`);
    const error = page.locator("[data-state=error]");
    assert.match(await error.textContent() ?? "", /“2018-02-30” is not a day/);
    assert.deepEqual(dayRequests, []);
  },
});

/** 2017-03-25 (UTC+1, the day before clocks go forward): 48 half-hours of 52,000 MW. */
async function insertMarch25(sql: Sql): Promise<void> {
  await insertHalfHours(sql, "2017-03-24T23:00:00Z", Array(48).fill(52_000));
}

/** Records every hash the page moves to, from now on, in `window.hashes`. */
async function recordHashes(page: Page): Promise<void> {
  await page.evaluate(
    `window.hashes = []; addEventListener("hashchange", () => hashes.push(location.hash))`,
  );
}

Deno.test({
  name: "typing a day with the keyboard loads it once, on Enter, as one history entry",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertMarch25(db.sql);
    await insertJanuary15(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.goto(`${session.url}/#/consumption/2018-01-15`);
    await page.getByText("48 half-hours on 2018-01-15 (Paris time)").waitFor();
    const historyBefore = await page.evaluate("history.length") as number;
    await recordHashes(page);
    const dayRequests = consumptionRequests(page);

    // Month, day, year, as an en-US date field takes them: 03/15/2018, 03/25/2018, 0002, …
    await page.getByLabel("Day", { exact: true }).focus();
    await page.keyboard.type("03252017");
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-15");
    assert.deepEqual(await page.evaluate("hashes"), []);

    await page.keyboard.press("Enter");
    await page.getByText("48 half-hours on 2017-03-25 (Paris time)").waitFor();
    assert.deepEqual(await page.evaluate("hashes"), ["#/consumption/2017-03-25"]);
    assert.equal(dayRequests.length, 1);
    assert.match(dayRequests[0], /start=2017-03-25&/);
    assert.equal(await page.evaluate("history.length"), historyBefore + 1);
    assert.equal(await page.locator("[data-state=error]").count(), 0);

    await page.goBack();
    await page.getByText("48 half-hours on 2018-01-15 (Paris time)").waitFor();
    assert.equal(await page.getByLabel("Day", { exact: true }).inputValue(), "2018-01-15");
  },
});

Deno.test({
  name: "typing a period's bound with the keyboard asks once, on leaving the field",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertEvents(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.goto(`${session.url}/#/events?from=2025-05-01&to=2025-07-31`);
    await page.getByText("5 events, 2025-05-01 to 2025-07-31").waitFor();
    await recordHashes(page);
    const eventRequests: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/events") eventRequests.push(request.url());
    });

    await page.getByLabel("From", { exact: true }).focus();
    await page.keyboard.type("05312025");
    assert.deepEqual(await page.evaluate("hashes"), []);
    await page.getByLabel("Segment", { exact: true }).focus();
    await page.getByText("2 events, 2025-05-31 to 2025-07-31").waitFor();
    assert.deepEqual(await page.evaluate("hashes"), ["#/events?from=2025-05-31&to=2025-07-31"]);
    assert.equal(eventRequests.length, 1);
  },
});

Deno.test({
  name: "the day's CSV link downloads the same bytes as the API's CSV for that day and region",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await insertHalfHours(db.sql, "2018-01-14T23:00:00Z", Array(48).fill(3_000), {
      perimeter: "Bretagne",
    });
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.goto(`${session.url}/#/consumption/2018-01-15?perimeter=Bretagne`);
    await page.locator("table.half-hours tbody tr").first().waitFor();

    const link = page.getByRole("link", { name: "Download CSV" });
    const href = await link.getAttribute("href");
    assert.equal(
      href,
      "/api/consumption?start=2018-01-15&end=2018-01-15T23%3A30&perimeter=Bretagne&format=csv",
    );
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const downloaded = await Deno.readFile(await download.path());
    const direct = await page.request.get(`${session.url}${href}`);
    assert.match(direct.headers()["content-type"], /^text\/csv/);
    assert.deepEqual(downloaded, new Uint8Array(await direct.body()));
    const lines = new TextDecoder().decode(downloaded).trim().split(/\r?\n/);
    assert.equal(lines.length, 49); // a header and the day's 48 half-hours
    assert.match(lines[1], /3000000000/);
  },
});

/** 2018-01-13 and 2018-01-15 in France: the first and last days with data. */
async function insertTwoDays(sql: Sql): Promise<void> {
  await insertHalfHours(sql, "2018-01-12T23:00:00Z", Array(48).fill(54_000));
  await insertJanuary15(sql);
}

Deno.test({
  name: "without a day the page opens the newest stored day, and the buttons stop at the ends",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertTwoDays(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/consumption`);
    await page.getByText("48 half-hours on 2018-01-15 (Paris time)").waitFor();
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-15");
    assert.equal(
      squeeze(await page.locator("[data-availability]").textContent()),
      "Data from Jan 13, 2018 to Jan 15, 2018.",
    );
    const day = page.getByLabel("Day", { exact: true });
    assert.equal(await day.getAttribute("min"), "2018-01-13");
    assert.equal(await day.getAttribute("max"), "2018-01-15");
    const previous = page.getByRole("button", { name: "Previous day" });
    const next = page.getByRole("button", { name: "Next day" });
    assert.equal(await next.isDisabled(), true);

    await previous.click();
    await page.getByText("No consumption data for 2018-01-14.").waitFor();
    await previous.click();
    await page.getByText("48 half-hours on 2018-01-13 (Paris time)").waitFor();
    assert.equal(await previous.isDisabled(), true);
    assert.equal(await next.isDisabled(), false);
  },
});

Deno.test({
  name: "with no consumption stored at all the electricity page says so",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.goto(`${session.url}/#/consumption`);
    const empty = page.locator("[data-state=empty]");
    assert.equal(await empty.textContent(), "No consumption data is stored yet.");
    assert.equal(new URL(page.url()).hash, "#/consumption");
  },
});

Deno.test({
  name: "the region picker shows a region's day, keeps it in the URL and asks the API for it",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    // Bretagne: 2018-01-15 at 3,000 MW and 2018-01-16 at 3,100 MW.
    await insertHalfHours(db.sql, "2018-01-14T23:00:00Z", Array(48).fill(3_000), {
      perimeter: "Bretagne",
    });
    await insertHalfHours(db.sql, "2018-01-15T23:00:00Z", Array(48).fill(3_100), {
      perimeter: "Bretagne",
    });
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    const dayRequests = consumptionRequests(page);

    await page.goto(`${session.url}/#/consumption/2018-01-15`);
    await page.locator("table.half-hours tbody tr").first().waitFor();
    const region = page.getByLabel("Region", { exact: true });
    assert.equal(await region.inputValue(), "France");
    assert.deepEqual(await region.locator("option").allTextContents(), ["France", "Bretagne"]);

    await region.selectOption("Bretagne");
    await page.getByRole("heading", { name: "Electricity consumption in Bretagne" }).waitFor();
    await page.locator("[data-stat=min]", { hasText: "3,000 MW" }).waitFor();
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-15?perimeter=Bretagne");
    assert.match(dayRequests.at(-1) ?? "", /start=2018-01-15&.*perimeter=Bretagne/);
    assert.equal(
      squeeze(await page.locator("[data-availability]").textContent()),
      "Data from Jan 15, 2018 to Jan 16, 2018.",
    );

    // The region stays while the day changes, and a region without a day opens its newest.
    await page.getByRole("button", { name: "Next day" }).click();
    await page.locator("[data-stat=min]", { hasText: "3,100 MW" }).waitFor();
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-16?perimeter=Bretagne");
    await page.goto(`${session.url}/#/consumption?perimeter=Bretagne`);
    await page.getByText("48 half-hours on 2018-01-16 (Paris time)").waitFor();
    assert.equal(new URL(page.url()).hash, "#/consumption/2018-01-16?perimeter=Bretagne");

    await page.goBack();
    await page.getByRole("heading", { name: "Electricity consumption in Bretagne" }).waitFor();
    await page.goto(`${session.url}/#/consumption/2018-01-15`);
    await page.locator("[data-stat=min]", { hasText: "55,000 MW" }).waitFor();
    assert.match(dayRequests.at(-1) ?? "", /perimeter=France/);
  },
});

/**
 * Makes the page record the text every canvas draws (the chart's axes), with its position
 * and width, in `window.drawnText`; each redraw (uPlot clears the canvas first) starts over.
 */
const RECORD_CANVAS_TEXT = `
  const context = CanvasRenderingContext2D.prototype;
  const { fillText, clearRect } = context;
  window.drawnText = [];
  context.fillText = function (text, x, y, ...rest) {
    const width = this.measureText(String(text)).width;
    drawnText.push({ text: String(text), x, y, width, align: this.textAlign });
    return fillText.call(this, text, x, y, ...rest);
  };
  context.clearRect = function (...args) {
    drawnText = [];
    return clearRect.apply(this, args);
  };`;

interface DrawnText {
  text: string;
  x: number;
  y: number;
  width: number;
  align: string;
}

/** The time axis's tick labels as drawn, left to right, after checking none overlaps the next. */
async function timeAxisLabels(page: Page): Promise<string[]> {
  const drawn = await page.evaluate("drawnText") as DrawnText[];
  const ticks = drawn.filter((d) => /^\d\d:\d\d/.test(d.text)).sort((a, b) => a.x - b.x);
  assert.equal(new Set(ticks.map((d) => d.y)).size, 1, "one row of time labels");
  for (let i = 1; i < ticks.length; i++) {
    const [left, right] = [ticks[i - 1], ticks[i]];
    assert.equal(right.align, "center");
    assert.ok(
      left.x + left.width / 2 < right.x - right.width / 2,
      `"${left.text}" overlaps "${right.text}"`,
    );
  }
  return ticks.map((d) => d.text);
}

Deno.test({
  name: "the chart's axes are titled and its hours read 24-hour, apart on DST days too",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await insertHalfHours(db.sql, "2018-03-24T23:00:00Z", Array(46).fill(50_000));
    await insertAutumnAsPublished(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.addInitScript(RECORD_CANVAS_TEXT);

    await page.goto(`${session.url}/#/consumption/2018-01-15`);
    await page.locator(".uplot canvas").waitFor();
    const drawn = (await page.evaluate("drawnText") as DrawnText[]).map((d) => d.text);
    assert.ok(drawn.includes("Time (Europe/Paris)"), drawn.join(" | "));
    assert.ok(drawn.includes("Consumption (MW)"), drawn.join(" | "));
    const normal = await timeAxisLabels(page);
    assert.equal(normal[0], "00:00");
    assert.ok(normal.every((label) => /^\d\d:00$/.test(label)), normal.join(" "));
    assert.ok(normal.includes("18:00"), "24-hour clock");

    await page.goto(`${session.url}/#/consumption/2018-03-25`);
    await page.getByText("46 half-hours on 2018-03-25 (Paris time)").waitFor();
    const spring = await timeAxisLabels(page);
    assert.equal(spring[0], "00:00");
    assert.ok(!spring.some((label) => label.startsWith("02:")), spring.join(" "));

    await page.goto(`${session.url}/#/consumption/2018-10-28`);
    await page.getByText("50 half-hours on 2018-10-28 (Paris time), 48 with a value").waitFor();
    const autumn = await timeAxisLabels(page);
    assert.ok(autumn.includes("02:00 +02"), autumn.join(" "));
    assert.ok(!autumn.includes("02:00"), "a 02:00 of the autumn day carries its offset");
  },
});

/** Station 283164601 with five days of daily means (2023-11-03 partial) and a forecast. */
async function insertAirQuality(sql: Sql): Promise<void> {
  const fetched = "2023-11-05T23:10:00Z";
  await sql`
    insert into airqino_stations (station_id, station_name, latitude, longitude, header, fetched_at)
    values (283164601, 'SMART188', 5.37, -3.96, '{"station_name":"SMART188"}', ${fetched})`;
  await sql`
    insert into airqino_hourly (station_id, hour_start, co, pm25, raw, fetched_at)
    values (283164601, '2023-11-05T23:00:00Z', 0.5, 20.1, '{}', ${fetched})`;
  const days = ["2023-11-01", "2023-11-02", "2023-11-03", "2023-11-04", "2023-11-05"];
  const hours = [24, 24, 11, 23, 24];
  await sql`
    insert into airqino_daily (station_id, day, parameter, mean, min, max, hours,
      nonpositive_hours, provisional, computed_at)
    select 283164601, day::date, parameter, mean, mean, mean, hours, 0, false, ${fetched}
    from unnest(
      ${sql.array([...days, ...days])}::text[],
      ${sql.array([...days.map(() => "co"), ...days.map(() => "pm25")])}::text[],
      ${sql.array([0.41, 0.52, 0.63, 0.74, 0.85, 21.5, 32.25, 18, 40.75, 25])}::float8[],
      ${sql.array([...hours, ...hours])}::int[]
    ) as input(day, parameter, mean, hours)`;
  await sql`
    insert into airqino_forecasts (station_id, parameter, base_hour, horizon_hours, target_hour,
      value, method, model, issued_at, backtest_n, backtest_mae, backtest_rmse,
      persistence_mae, persistence_rmse)
    select 283164601, parameter, '2023-11-05T23:00:00Z', horizon,
      '2023-11-05T23:00:00Z'::timestamptz + horizon * interval '1 hour',
      value, 'ridge', 'ridge-lags-v1', ${fetched}, 500, mae, mae * 1.3, mae * 1.2, mae * 1.5
    from unnest(
      ${sql.array(["co", "co", "pm25", "pm25"])}::text[],
      ${sql.array([1, 2, 1, 2])}::int[],
      ${sql.array([0.55, 0.6, 22.4, 23.1])}::float8[],
      ${sql.array([0.08, 0.11, 3.2, 4.4])}::float8[]
    ) as input(parameter, horizon, value, mae)`;
}

Deno.test({
  name: "the air-quality page shows daily means with their hours, partial days marked",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertAirQuality(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    // No parameters: the first station over the 30 days ending at its last stored hour.
    await page.goto(`${session.url}/#/air-quality`);
    await page.locator("table.daily tbody tr").first().waitFor();
    assert.equal(
      new URL(page.url()).hash,
      "#/air-quality?station=283164601&from=2023-10-07&to=2023-11-05",
    );
    assert.equal(await page.getByLabel("Station", { exact: true }).inputValue(), "283164601");
    const rows = (await page.locator("table.daily tbody tr").allInnerTexts()).map(squeeze);
    assert.deepEqual(rows, [
      "2023-11-01 0.41 24/24 21.5 24/24",
      "2023-11-02 0.52 24/24 32.3 24/24",
      "2023-11-03 0.63 11/24 partial 18.0 11/24 partial",
      "2023-11-04 0.74 23/24 40.8 23/24",
      "2023-11-05 0.85 24/24 25.0 24/24",
    ]);
    assert.equal(await page.locator("table.daily .partial-mark").count(), 2);
    // The forecast is a request of its own: it may arrive after the daily means.
    await page.locator("table.forecast tbody tr").first().waitFor();
    const forecast = (await page.locator("table.forecast tbody tr").allInnerTexts()).map(
      squeeze,
    );
    assert.deepEqual(forecast, [
      "CO +1 h 00:00 0.55 mg/m³ 0.08 / 0.10",
      "CO +2 h 01:00 0.60 mg/m³ 0.11 / 0.13",
      "PM2.5 +1 h 00:00 22.4 µg/m³ 3.2 / 3.8",
      "PM2.5 +2 h 01:00 23.1 µg/m³ 4.4 / 5.3",
    ]);

    await page.getByLabel("From", { exact: true }).fill("2023-11-03");
    await page.getByText("3 days, 2023-11-03 to 2023-11-05").waitFor();
    const csv = page.getByRole("link", { name: "Download CSV" });
    assert.equal(
      await csv.getAttribute("href"),
      "/api/air-quality/daily?station=283164601&from=2023-11-03&to=2023-11-05&format=csv",
    );
    await saveScreenshot(page, "air-quality");
  },
});

Deno.test({
  name: "the air-quality page says so when no station has been fetched yet",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.goto(`${session.url}/#/air-quality`);
    const empty = page.locator("[data-state=empty]");
    assert.match(await empty.textContent() ?? "", /No station yet/);
  },
});

/** Four events in May 2025 and one in July, in two segments. */
async function insertEvents(sql: Sql): Promise<void> {
  const events = [
    ["e1", "Festival de jazz", "2025-05-02", "20:00:00", "Music", "KZFzniwnSyZfZ7v7nJ", "onsale"],
    [
      "e2",
      "Canadiens vs Bruins",
      "2025-05-03",
      "19:00:00",
      "Sports",
      "KZFzniwnSyZfZ7v7nE",
      "cancelled",
    ],
    ["e3", "Chorale de Noël", "2025-05-03", null, "Music", "KZFzniwnSyZfZ7v7nJ", "onsale"],
    [
      "e4",
      "Orchestre symphonique",
      "2025-05-31",
      "19:30:00",
      "Music",
      "KZFzniwnSyZfZ7v7nJ",
      "onsale",
    ],
    ["e5", "Fête nationale", "2025-07-01", "21:00:00", "Music", "KZFzniwnSyZfZ7v7nJ", "onsale"],
  ];
  for (const [id, title, date, time, segment, segmentId, status] of events) {
    await sql`
      insert into ticketmaster_events (id, title, local_date, local_time, time_zone, venue_name,
        city, province, country, segment, segment_id, segment_ids, status, url, last_seen_at)
      values (${id}, ${title}, ${date}, ${time}, 'America/Toronto', 'Centre Bell', 'Montréal',
        'QC', 'Canada', ${segment}, ${segmentId}, ${sql.array([segmentId])}, ${status},
        ${`https://www.ticketmaster.ca/event/${id}`}, now())`;
  }
}

Deno.test({
  name: "the events page filters by date range and segment and links the API's CSV",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertEvents(db.sql);
    await using session = await openBrowserSession(db.sql);
    const { page } = session;

    await page.goto(`${session.url}/#/events?from=2025-05-01&to=2025-05-31`);
    await page.getByText("4 events, 2025-05-01 to 2025-05-31").waitFor();
    const titles = () => page.locator("table.events tbody th").allTextContents();
    assert.deepEqual((await titles()).map(squeeze), [
      "Festival de jazz",
      "Chorale de Noël",
      "Canadiens vs Bruins",
      "Orchestre symphonique",
    ]);
    assert.equal(
      await page.getByRole("link", { name: "Festival de jazz" }).getAttribute("href"),
      "https://www.ticketmaster.ca/event/e1",
    );

    await saveScreenshot(page, "events");

    await page.getByLabel("Segment", { exact: true }).selectOption("Music");
    await page.getByText("3 events, 2025-05-01 to 2025-05-31, Music").waitFor();
    assert.equal(
      new URL(page.url()).hash,
      "#/events?from=2025-05-01&to=2025-05-31&segment=Music",
    );
    const csvLink = page.getByRole("link", { name: "Download CSV" });
    const href = await csvLink.getAttribute("href");
    assert.equal(href, "/api/events?from=2025-05-01&to=2025-05-31&segment=Music&format=csv");
    const [download] = await Promise.all([page.waitForEvent("download"), csvLink.click()]);
    assert.equal(download.suggestedFilename(), "events_2025-05-01_2025-05-31.csv");
    const csv = await page.request.get(`${session.url}${href}`);
    assert.match(csv.headers()["content-type"], /^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.equal(lines.length, 4); // header + three Music events
    await download.cancel();

    await page.getByLabel("To", { exact: true }).fill("2025-04-01");
    await page.locator("[data-state=error]").waitFor();
    assert.match(await page.locator("[data-state=error]").textContent() ?? "", /not after/);
  },
});

Deno.test({
  name: "every page fits a phone's width without scrolling sideways",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertJanuary15(db.sql);
    await insertAutumnAsPublished(db.sql);
    await insertAirQuality(db.sql);
    await insertEvents(db.sql);
    await using session = await openBrowserSession(db.sql, {
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const { page } = session;
    const views = [
      ["consumption", "#/consumption/2018-01-15", "table.half-hours"],
      ["consumption-autumn", "#/consumption/2018-10-28", "table.half-hours"],
      [
        "air-quality",
        "#/air-quality?station=283164601&from=2023-11-01&to=2023-11-05",
        "table.daily",
      ],
      ["events", "#/events?from=2025-05-01&to=2025-05-31", "table.events"],
    ];
    for (const [name, hash, table] of views) {
      await page.goto(`${session.url}/${hash}`);
      await page.locator(`${table} tbody tr`).first().waitFor();
      // Strings, not functions: they run in the page, and Deno type-checks without the DOM.
      const overflow = await page.evaluate(
        `[document.documentElement, ...document.querySelectorAll(".table-scroll")]
          .map((el) => el.scrollWidth - el.clientWidth)`,
      );
      await saveScreenshot(page, `${name}-phone`);
      assert.deepEqual(
        (overflow as number[]).filter((px) => px > 0),
        [],
        `${name} scrolls sideways`,
      );
    }
  },
});

Deno.test({
  name: "a negative daily mean is marked as a sensor offset and left out of the chart",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertAirQuality(db.sql);
    // 2023-11-06: CO below zero all day (an offset of the sensor), PM2.5 normal.
    await db.sql`
      insert into airqino_daily (station_id, day, parameter, mean, min, max, hours,
        nonpositive_hours, provisional, computed_at)
      values (283164601, '2023-11-06', 'co', -0.12, -0.2, -0.05, 24, 24, false, now()),
        (283164601, '2023-11-06', 'pm25', 19.5, 12, 27, 24, 0, false, now())`;
    await using session = await openBrowserSession(db.sql);
    const { page } = session;
    await page.addInitScript(RECORD_CANVAS_TEXT);

    await page.goto(`${session.url}/#/air-quality?station=283164601&from=2023-11-01&to=2023-11-06`);
    await page.getByText("6 days, 2023-11-01 to 2023-11-06").waitFor();
    const last = page.locator("table.daily tbody tr").last();
    assert.equal(
      squeeze(await last.innerText()),
      "2023-11-06 -0.12 ⚠ negative: sensor offset 24/24 19.5 24/24",
    );
    assert.equal(await last.locator("td.negative").count(), 1);
    assert.match(
      squeeze(await page.locator("[data-note=negative]").textContent()),
      /not a concentration, so the chart leaves it out/,
    );

    // The chart's legend at the last day: no CO value drawn, PM2.5 as stored.
    const plot = await page.locator(".uplot .u-over").boundingBox();
    assert.ok(plot);
    await page.mouse.move(plot.x + plot.width - 1, plot.y + plot.height / 2);
    const legend = page.locator(".u-legend");
    assert.deepEqual(await legend.locator(".u-label").allTextContents(), [
      "Day (UTC)",
      "CO (mg/m³)",
      "PM2.5 (µg/m³)",
    ]);
    assert.deepEqual(await legend.locator(".u-value").allTextContents(), [
      "Nov 6, 2023",
      "–",
      "19.5",
    ]);
    const drawn = (await page.evaluate("drawnText") as DrawnText[]).map((d) => d.text);
    for (const title of ["Day (UTC)", "CO (mg/m³)", "PM2.5 (µg/m³)"]) {
      assert.ok(drawn.includes(title), `axis title ${title}: ${drawn.join(" | ")}`);
    }
  },
});

/**
 * Text whose colour has less than WCAG AA contrast (4.5:1, 3:1 for large text) with the
 * background behind it: the first opaque background among its ancestors. Runs in the page.
 */
const LOW_CONTRAST_TEXT = `(() => {
  const rgba = (css) => css.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const color = rgba(getComputedStyle(e).backgroundColor);
      if ((color[3] ?? 1) > 0) return color;
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
    if (!ownText || !element.checkVisibility() || element.closest("select, :disabled")) continue;
    const style = getComputedStyle(element);
    const [l1, l2] = [luminance(rgba(style.color)), luminance(background(element))];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(element.tagName + " " + element.textContent.trim().slice(0, 40) + " " +
        ratio.toFixed(2));
    }
  }
  return failures;
})()`;

Deno.test({
  name: "in a dark color scheme the pages have a background and readable text",
  ignore,
  async fn() {
    await using db = await createTestDatabase();
    await insertAutumnAsPublished(db.sql);
    await insertAirQuality(db.sql);
    await insertEvents(db.sql);
    await using session = await openBrowserSession(db.sql, { colorScheme: "dark" });
    const { page } = session;
    const views = [
      ["#/consumption/2018-10-28", "table.half-hours"],
      ["#/air-quality?station=283164601&from=2023-11-01&to=2023-11-05", "table.daily"],
      ["#/events?from=2025-05-01&to=2025-05-31", "table.events"],
    ];
    for (const [hash, table] of views) {
      await page.goto(`${session.url}/${hash}`);
      await page.locator(`${table} tbody tr`).first().waitFor();
      const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
      assert.notEqual(background, "rgba(0, 0, 0, 0)", `${hash}: the body has a background`);
      assert.deepEqual(await page.evaluate(LOW_CONTRAST_TEXT), [], hash);
    }
    await saveScreenshot(page, "events-dark");
  },
});
