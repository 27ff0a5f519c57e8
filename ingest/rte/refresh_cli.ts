/**
 * `deno task refresh [--backfill-years N]`: one refresh run, what the Kubernetes CronJob runs.
 * Exit 0 when the run succeeded or was skipped (another run holds the lock), 1 when it
 * failed (the run's one log line says why), 2 on a bad argument.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../../config.ts";
import type { Sql } from "../../db/client.ts";
import { openDatabase } from "../../db/open.ts";
import { runMain } from "../../lib/cli.ts";
import { refreshRte } from "./refresh.ts";

const USAGE = "usage: deno task refresh [--backfill-years N]";

/** Runs the CLI; tests pass their own `sql` (left open), RTE base URL and clock. */
export async function main(
  args: string[],
  injected: { sql?: Sql; rteBaseUrl?: string; now?: Date } = {},
): Promise<number> {
  let backfillYears: number | undefined;
  try {
    backfillYears = parseBackfillYears(args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  let sql = injected.sql;
  try {
    const config = loadConfig();
    // The CronJob may run before the service ever started: make sure the schema exists.
    sql ??= await openDatabase(config.databaseUrl, { max: 3 });
    // Kubernetes stops a job with SIGTERM: end the run cleanly so it is recorded as failed.
    const stop = new AbortController();
    const onTerm = () => stop.abort(new Error("stopped by SIGTERM"));
    Deno.addSignalListener("SIGTERM", onTerm);
    const report = await refreshRte(sql, {
      baseUrl: injected.rteBaseUrl ?? config.rteBaseUrl,
      backfillYears: backfillYears ?? config.rteBackfillYears,
      now: injected.now,
      signal: stop.signal,
    }).finally(() => Deno.removeSignalListener("SIGTERM", onTerm));
    return report.outcome === "failed" ? 1 : 0;
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    if (sql && !injected.sql) await sql.end();
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
