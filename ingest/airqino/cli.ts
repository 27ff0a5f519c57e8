/**
 * `deno task airquality`: one ETL run over AIRQINO_STATIONS, under the same advisory lock
 * as the service's hourly job (runs never overlap); a run that finds the lock taken is
 * recorded in the run log as skipped. Exits 1 if any station failed or the run was skipped,
 * 2 when given an argument.
 */
import { AIRQINO_SOURCE } from "../../db/air_quality.ts";
import { runMain } from "../../lib/cli.ts";
import { cliConfig, type CliDeps, cliStderr, withCliDatabase } from "../cli.ts";
import { exclusiveRun } from "../run_log.ts";
import { jobLockName } from "../scheduler.ts";
import { AIRQUALITY_JOB, etlOptionsFromConfig, runAirQualityEtl } from "./etl.ts";

const USAGE = "usage: deno task airquality";

export async function main(args: string[], deps: CliDeps = {}): Promise<number> {
  const stderr = cliStderr(deps);
  if (args.length > 0) {
    stderr(`error: unexpected argument "${args[0]}"\n${USAGE}`);
    return 2;
  }
  const config = cliConfig(deps);
  return await withCliDatabase(deps, config, 3, async (sql) => {
    const lock = {
      source: AIRQINO_SOURCE,
      lockName: jobLockName(AIRQUALITY_JOB),
      reason: "another run holds the lock",
    };
    const run = await exclusiveRun(
      sql,
      lock,
      () => runAirQualityEtl(sql, { ...etlOptionsFromConfig(config), log: stderr }),
    );
    if (!run.ran) {
      stderr(`${AIRQUALITY_JOB}: ${lock.reason}; try again later`);
      return 1;
    }
    return run.result.some((outcome) => outcome.status === "failed") ? 1 : 0;
  });
}

if (import.meta.main) Deno.exit(await runMain(() => main(Deno.args)));
