import assert from "node:assert/strict";
import { main } from "../ingest/rte/cli.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { eco2mixXls, halfHourlyDay, quarterHourlyDay, zipOf } from "./helpers/rte_fixtures.ts";
import { serve } from "./helpers/server.ts";

const byTime = (time: string) => 50_000 + Number(time.replace(":", ""));

/** Runs the CLI and returns its exit code with what it printed. */
async function run(args: string[], injected: Parameters<typeof main>[1]) {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (line: string) => out.push(line);
  console.error = (line: string) => err.push(line);
  try {
    return { code: await main(args, injected), out, err };
  } finally {
    Object.assign(console, { log, error });
  }
}

Deno.test("ingest loads files and directories, one line per file, exit 0", async () => {
  await using db = await createTestDatabase();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/nested`);
    await Deno.writeFile(
      `${dir}/eCO2mix_RTE_Annuel-Definitif_2018.zip`,
      zipOf(
        "eCO2mix_RTE_Annuel-Definitif_2018.xls",
        eco2mixXls(halfHourlyDay("2018-01-01", byTime)),
      ),
    );
    await Deno.writeFile(`${dir}/nested/day.xls`, eco2mixXls(halfHourlyDay("2018-01-02", byTime)));
    await Deno.writeTextFile(`${dir}/nested/readme.txt`, "not data");
    const first = await run([dir], { sql: db.sql });
    assert.equal(first.code, 0, first.err.join("\n"));
    assert.equal(first.out.length, 2);
    assert.match(first.out[0], /Annuel-Definitif_2018\.zip: 48 half-hours read, 48 changed/);
    assert.match(first.out[1], /nested\/day\.xls: 48 half-hours read, 48 changed/);
    const again = await run([dir], { sql: db.sql });
    assert.match(
      again.out.join("\n"),
      /48 half-hours read, 0 changed[^]*48 half-hours read, 0 changed/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest reports a bad file in one line, exits 1 and still loads the good ones", async () => {
  await using db = await createTestDatabase();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a_bad.zip`, new TextEncoder().encode("<html>oops</html>"));
    await Deno.writeFile(`${dir}/b_good.xls`, eco2mixXls(halfHourlyDay("2018-01-02", byTime)));
    const result = await run([`${dir}/missing.zip`, dir], { sql: db.sql });
    assert.equal(result.code, 1);
    assert.equal(result.err.length, 2);
    assert.match(result.err[0], /^error: Cannot read ".*missing\.zip": /);
    assert.equal(result.err[1], "error: a_bad.zip: not a zip: got an HTML page");
    const [{ count }] = await db.sql`select count(*)::int as count from rte_consumption`;
    assert.equal(count, 48);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest rejects unusable arguments with usage and exit 2", async () => {
  await using db = await createTestDatabase();
  const none = await run([], { sql: db.sql });
  assert.equal(none.code, 2);
  assert.match(none.err[0], /^error: nothing to ingest[^]*usage: deno task ingest/);
  const badYear = await run(["--year", "18"], { sql: db.sql });
  assert.equal(badYear.code, 2);
  assert.match(badYear.err[0], /Cannot parse --year "18": expected YYYY/);
  const missing = await run(["/nonexistent/file.zip"], { sql: db.sql });
  assert.equal(missing.code, 1);
  assert.match(missing.err[0], /Cannot read "\/nonexistent\/file\.zip"/);
});

Deno.test("ingest --year and --current download RTE's files and report RTE's errors", async () => {
  await using db = await createTestDatabase();
  const served: string[] = [];
  await using rte = serve((request) => {
    const path = new URL(request.url).pathname;
    served.push(path);
    if (path === "/download/eco2mix/eCO2mix_RTE_Annuel-Definitif_2018.zip") {
      return new Response(
        zipOf(
          "eCO2mix_RTE_Annuel-Definitif_2018.xls",
          eco2mixXls(halfHourlyDay("2018-01-01", byTime)),
        ),
        { headers: { "content-type": "application/zip" } },
      );
    }
    if (path === "/download/eco2mix/eCO2mix_RTE_En-cours-TR.zip") {
      const rows = quarterHourlyDay("2025-07-27", byTime);
      return new Response(
        zipOf("eCO2mix_RTE_En-cours-TR.xls", eco2mixXls(rows, { nature: "real_time" })),
      );
    }
    return new Response("<html>Not Found</html>", { status: 404 });
  });
  const result = await run(["--year", "2018", "--current"], {
    sql: db.sql,
    rteBaseUrl: rte.url,
  });
  assert.equal(result.code, 1);
  assert.deepEqual(served, [
    "/download/eco2mix/eCO2mix_RTE_Annuel-Definitif_2018.zip",
    "/download/eco2mix/eCO2mix_RTE_En-cours-Consolide.zip",
    "/download/eco2mix/eCO2mix_RTE_En-cours-TR.zip",
  ]);
  assert.match(result.out[0], /^eCO2mix_RTE_Annuel-Definitif_2018\.zip: 48 half-hours read/);
  assert.match(result.out[1], /^eCO2mix_RTE_En-cours-TR\.zip: 48 half-hours read/);
  assert.deepEqual(result.err, [
    `error: GET ${rte.url}/download/eco2mix/eCO2mix_RTE_En-cours-Consolide.zip answered HTTP 404`,
  ]);
});
