/**
 * The backtest behind `deno task forecast:eval`: the forecast model against persistence and
 * same-hour-yesterday on the real hourly data in ../shared/data/airqino/.
 */
import { backtest, DEFAULT_MODEL, type HorizonScore } from "./forecast.ts";
import { FORECAST_PARAMETERS } from "./refresh_forecast.ts";
import { HOUR_MS } from "../../lib/zoned_time.ts";
import { API_KEYS } from "./payload.ts";
import { toSeries } from "./series.ts";
import { readSharedHistory, SHARED_STATIONS } from "./shared_files.ts";

/** History before the first scored origin, so the first models see four weeks of data. */
export const WARM_UP_HOURS = 28 * 24;

export interface EvaluationRow extends HorizonScore {
  station: string;
  parameter: string;
  /** First and last hour of the station's data. */
  first: Date;
  last: Date;
}

export async function evaluateSharedData(dir: string): Promise<EvaluationRow[]> {
  const rows: EvaluationRow[] = [];
  for (const station of SHARED_STATIONS) {
    const history = await readSharedHistory(dir, station.file);
    for (const [parameter, transform] of Object.entries(FORECAST_PARAMETERS)) {
      const series = toSeries(history.map((row) => ({
        hourMs: row.hourStart.getTime(),
        value: row.values[parameter as keyof typeof FORECAST_PARAMETERS],
      })));
      const scores = backtest(series, { ...DEFAULT_MODEL, transform }, {
        firstOrigin: WARM_UP_HOURS,
      });
      for (const score of scores) {
        rows.push({
          ...score,
          station: `${station.id} ${station.name}`,
          parameter,
          first: new Date(series.startMs),
          last: new Date(series.startMs + (series.values.length - 1) * HOUR_MS),
        });
      }
    }
  }
  return rows;
}

/** Lower MAE and RMSE than persistence on PM2.5 at 2 h, the bar the model must clear. */
export function beatsPersistence(row: HorizonScore): boolean {
  return row.model.mae < row.persistence.mae && row.model.rmse < row.persistence.rmse;
}

export function formatTable(rows: EvaluationRow[]): string {
  const header = [
    "station",
    "parameter",
    "horizon",
    "n",
    "model MAE",
    "model RMSE",
    "persistence MAE",
    "persistence RMSE",
    "same hour yesterday MAE",
    "same hour yesterday RMSE",
    "MAE skill vs persistence",
  ];
  const lines = rows.map((row) => [
    row.station,
    apiKey(row.parameter),
    `${row.horizon} h`,
    String(row.n),
    fixed(row.model.mae),
    fixed(row.model.rmse),
    fixed(row.persistence.mae),
    fixed(row.persistence.rmse),
    fixed(row.sameHourYesterday.mae),
    fixed(row.sameHourYesterday.rmse),
    `${((1 - row.model.mae / row.persistence.mae) * 100).toFixed(1)} %`,
  ]);
  return [header, header.map(() => "---"), ...lines]
    .map((cells) => `| ${cells.join(" | ")} |`)
    .join("\n");
}

/** `pm25` → `PM2.5`, the name the API and the format doc use. */
function apiKey(parameter: string): string {
  return Object.entries(API_KEYS).find(([, column]) => column === parameter)?.[0] ?? parameter;
}

function fixed(value: number): string {
  return value.toFixed(value < 1 ? 4 : 3);
}
