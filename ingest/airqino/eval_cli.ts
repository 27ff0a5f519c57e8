/**
 * `deno task forecast:eval [dir]`: prints the rolling-origin backtest table (Markdown) for
 * the real data in ../shared/data/airqino/; exits 1 if the model does not beat persistence
 * on PM2.5 at 2 h for every station.
 */
import { MODEL_DESCRIPTION } from "./forecast.ts";
import { beatsPersistence, evaluateSharedData, formatTable, WARM_UP_HOURS } from "./evaluation.ts";
import { MODEL_NAME } from "./refresh_forecast.ts";
import { SHARED_DIR } from "./shared_files.ts";

async function main(dir: string): Promise<number> {
  const rows = await evaluateSharedData(dir);
  console.log(`Model ${MODEL_NAME}: ${MODEL_DESCRIPTION}`);
  console.log(
    `Rolling origin, refit every 24 h, no look-ahead; origins scored after a ` +
      `${WARM_UP_HOURS / 24}-day warm-up. Fetches A and B merged, the newer winning:`,
  );
  for (
    const row of rows.filter((row, i) => rows.findIndex((r) => r.station === row.station) === i)
  ) {
    console.log(`- ${row.station}: ${isoHour(row.first)} → ${isoHour(row.last)}`);
  }
  console.log();
  console.log(formatTable(rows));
  const failing = rows.filter((row) =>
    row.parameter === "pm25" && row.horizon === 2 && !beatsPersistence(row)
  );
  if (failing.length > 0) {
    console.error(
      `forecast:eval: the model does not beat persistence on PM2.5 at 2 h for ${
        failing.map((row) => row.station).join(", ")
      }`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args[0] ?? SHARED_DIR));
  } catch (error) {
    console.error(`forecast:eval: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

function isoHour(date: Date): string {
  return date.toISOString().slice(0, 16) + "Z";
}
