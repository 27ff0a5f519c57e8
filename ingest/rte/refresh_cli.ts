/**
 * `deno task refresh [--backfill-years N]`: one refresh run, what the Kubernetes CronJob runs.
 * Exit 0 when the run succeeded or was skipped (another run holds the lock), 1 when it
 * failed (the run's one log line says why) or the task may not reach RTE_BASE_URL's host, 2 on
 * a bad argument.
 */
import { parseArgs } from "node:util";
import { runMain } from "../../lib/cli.ts";
import { cliConfig, type CliDeps, cliStderr, withCliDatabase } from "../cli.ts";
import { unreachableHost } from "../http.ts";
import { refreshRte } from "./refresh.ts";

const USAGE = "usage: deno task refresh [--backfill-years N]";

/** Besides the shared deps, tests pass RTE's base URL and the clock. */
export interface RefreshCliDeps extends CliDeps {
  rteBaseUrl?: string;
  now?: Date;
}

export async function main(args: string[], deps: RefreshCliDeps = {}): Promise<number> {
  const stderr = cliStderr(deps);
  let backfillYears: number | undefined;
  try {
    backfillYears = parseBackfillYears(args);
  } catch (error) {
    stderr(`error: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const config = cliConfig(deps);
    const baseUrl = deps.rteBaseUrl ?? config.rteBaseUrl;
    // A host outside the task's --allow-net is a setting that cannot work: one line, no retries.
    const unreachable = unreachableHost(baseUrl, "RTE_BASE_URL");
    if (unreachable) {
      stderr(`error: ${unreachable.message}`);
      return 2;
    }
    // The CronJob may run before the service ever started: withCliDatabase migrates.
    return await withCliDatabase(deps, config, 3, async (sql) => {
      // Kubernetes stops a job with SIGTERM: end the run cleanly so it is recorded as failed.
      const stop = new AbortController();
      const onTerm = () => stop.abort(new Error("stopped by SIGTERM"));
      Deno.addSignalListener("SIGTERM", onTerm);
      const report = await refreshRte(sql, {
        baseUrl,
        backfillYears: backfillYears ?? config.rteBackfillYears,
        now: deps.now,
        signal: stop.signal,
        log: stderr,
      }).finally(() => Deno.removeSignalListener("SIGTERM", onTerm));
      return report.outcome === "failed" ? 1 : 0;
    });
  } catch (error) {
    stderr(`error: ${(error as Error).message}`);
    return 1;
  }
}

function parseBackfillYears(args: string[]): number | undefined {
  const { values } = parseArgs({
    args,
    options: { "backfill-years": { type: "string" } },
  });
  const text = values["backfill-years"];
  if (text === undefined) return undefined;
  if (!/^\d{1,2}$/.test(text) || Number(text) > 20) {
    throw new Error(`Cannot parse --backfill-years "${text}": expected a number of years, 0 to 20`);
  }
  return Number(text);
}

if (import.meta.main) Deno.exit(await runMain(() => main(Deno.args)));
