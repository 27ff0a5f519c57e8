/**
 * `deno task airquality`: one ETL run over AIRQINO_STATIONS, under the same advisory lock
 * as the service's hourly job (runs never overlap). Exits 1 if any station failed.
 */
import { loadConfig } from "../../config.ts";
import { openDatabase } from "../../db/open.ts";
import { runMain } from "../../lib/cli.ts";
import { jobLockName, withAdvisoryLock } from "../scheduler.ts";
import { AIRQUALITY_JOB, etlOptionsFromConfig, runAirQualityEtl } from "./etl.ts";

async function main(): Promise<number> {
  const config = loadConfig();
  const sql = await openDatabase(config.databaseUrl, { max: 3 });
  try {
    const run = await withAdvisoryLock(
      sql,
      jobLockName(AIRQUALITY_JOB),
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

if (import.meta.main) Deno.exit(await runMain(main));
