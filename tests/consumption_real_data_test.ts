/**
 * The README's question on the real 2018 annual file in ../shared/data (never copied into the
 * repo): GET /api/consumption/summary and db/queries/average_consumption.sql must agree.
 */
import assert from "node:assert/strict";
import { loadRteStream } from "../ingest/rte/load.ts";
import { createTestApp } from "./helpers/app.ts";
import { averageFromSqlFile } from "./helpers/average_consumption_sql.ts";

const ANNUAL_2018 =
  "../shared/data/rte/national/annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2018.zip";
const present = await Deno.stat(ANNUAL_2018).then(() => true, () => false);
if (!present) console.warn(`Skipping the real-data summary test: ${ANNUAL_2018} is absent.`);

Deno.test({
  name: "the summary answers the README's 2018 question with the SQL file's 60 930.454 MW",
  ignore: !present,
  fn: async () => {
    await using app = await createTestApp();
    {
      using file = await Deno.open(ANNUAL_2018);
      await loadRteStream(app.db.sql, "eCO2mix_RTE_Annuel-Definitif_2018.zip", file.readable);
    }
    const response = await app.request(
      "/api/consumption/summary?start=2018-01-01T06:00&end=2018-01-03T17:00",
    );
    assert.equal(response.status, 200);
    const summary = await response.json();
    assert.deepEqual([summary.count, summary.expected], [119, 119]);
    assert.equal((summary.mean_w / 1e6).toFixed(3), "60930.454");

    const fromSql = await averageFromSqlFile(app.db, 2018);
    assert.deepEqual(fromSql, {
      halfHours: summary.count,
      averageMw: (summary.mean_w / 1e6).toFixed(3),
      averageW: String(summary.mean_w),
    });
  },
});
