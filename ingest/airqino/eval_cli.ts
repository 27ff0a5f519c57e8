/**
 * `deno task forecast:eval`: prints the rolling-origin backtest table (Markdown) for the real
 * data in ../shared/data/airqino/ (the only folder the task may read); exits 1 if the model
 * does not beat persistence on PM2.5 at 2 h for every station, or the data cannot be read; 2
 * when given an argument.
 */
import { MODEL_DESCRIPTION } from "./forecast.ts";
import { beatsPersistence, evaluateSharedData, formatTable, WARM_UP_HOURS } from "./evaluation.ts";
import { MODEL_NAME } from "./refresh_forecast.ts";
import { SHARED_DIR } from "./shared_files.ts";
import { formatUtcSeconds } from "../../lib/zoned_time.ts";
import { runMain } from "../../lib/cli.ts";
import { type CliDeps, cliStderr } from "../cli.ts";

const USAGE = "usage: deno task forecast:eval";

/** Reads no database and no environment: of the shared deps, only `stderr` applies. */
export async function main(args: string[], deps: Pick<CliDeps, "stderr"> = {}): Promise<number> {
  const stderr = cliStderr(deps);
  if (args.length > 0) {
    stderr(`error: unexpected argument "${args[0]}"\n${USAGE}`);
    return 2;
  }
  let rows;
  try {
    rows = await evaluateSharedData(SHARED_DIR);
  } catch (error) {
    stderr(`forecast:eval: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  console.log(`Model ${MODEL_NAME}: ${MODEL_DESCRIPTION}`);
  console.log(
    `Rolling origin, refit every 24 h, no look-ahead; origins scored after a ` +
      `${WARM_UP_HOURS / 24}-day warm-up. Fetches A and B merged, the newer winning:`,
  );
  for (
    const row of rows.filter((row, i) => rows.findIndex((r) => r.station === row.station) === i)
  ) {
    console.log(
      `- ${row.station}: ${formatUtcSeconds(row.first)} → ${formatUtcSeconds(row.last)}`,
    );
  }
  console.log("MAE and RMSE are in each parameter's unit (table airqino_parameters).");
  console.log();
  console.log(formatTable(rows));
  const failing = rows.filter((row) =>
    row.parameter === "pm25" && row.horizon === 2 && !beatsPersistence(row)
  );
  if (failing.length > 0) {
    stderr(
      `forecast:eval: the model does not beat persistence on PM2.5 at 2 h for ${
        failing.map((row) => row.station).join(", ")
      }`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await runMain(() => main(Deno.args)));
