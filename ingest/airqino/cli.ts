/**
 * `deno task airquality`: one ETL run over AIRQINO_STATIONS, under the same advisory lock
 * as the service's hourly job (runs never overlap); a run that finds the lock taken is
 * recorded in the run log as skipped. Exits 1 if any station failed or the run was skipped; 2
 * when given an argument, or at once when the task may not reach AIRQINO_BASE_URL's host.
 */
import { AIRQINO_SOURCE } from "../../db/air_quality.ts";
import { runMain } from "../../lib/cli.ts";
import { cliConfig, type CliDeps, cliStderr, withCliDatabase } from "../cli.ts";
import { unreachableHost } from "../http.ts";
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
  // A host outside the task's --allow-net is a setting that cannot work: one line, no retries.
  const unreachable = unreachableHost(config.airqinoBaseUrl, "AIRQINO_BASE_URL") ??
    (config.airqinoRefreshToken
      ? unreachableHost(config.airqinoAuthUrl, "AIRQINO_AUTH_URL")
      : undefined);
  if (unreachable) {
    stderr(`error: ${unreachable.message}`);
    return 2;
  }
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
