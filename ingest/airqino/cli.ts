/**
 * `deno task airquality`: one ETL run over AIRQINO_STATIONS, under the same advisory lock
 * as the service's hourly job (runs never overlap). Exits 1 if any station failed.
 */
import { loadConfig } from "../../config.ts";
import { createSql } from "../../db/client.ts";
import { ensureDatabase, migrate } from "../../db/migrate.ts";
import { withAdvisoryLock } from "../scheduler.ts";
import { AIRQUALITY_JOB, etlOptionsFromConfig, runAirQualityEtl } from "./etl.ts";

async function main(): Promise<number> {
  const config = loadConfig();
  await ensureDatabase(config.databaseUrl);
  const sql = createSql(config.databaseUrl, { max: 3 });
  try {
    await migrate(sql);
    const run = await withAdvisoryLock(
      sql,
      `job:${AIRQUALITY_JOB}`,
      () => runAirQualityEtl(sql, etlOptionsFromConfig(config)),
    );
    if (!run.ran) {
      console.error(`${AIRQUALITY_JOB}: another run holds the lock; try again later`);
      return 1;
    }
    return run.result.some((outcome) => outcome.status === "failed") ? 1 : 0;
  } finally {
    await sql.end();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`${AIRQUALITY_JOB}: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
