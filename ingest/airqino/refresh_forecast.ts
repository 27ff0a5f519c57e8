/**
 * Issues the CO and PM2.5 forecast of one station from its stored complete hours, with a
 * rolling-origin backtest of the same model on the station's recent data.
 */
import {
  type ForecastRow,
  listLastCompleteHours,
  type Queryable,
  upsertForecasts,
} from "../../db/air_quality.ts";
import {
  backtest,
  DEFAULT_MODEL,
  forecastNext,
  type ModelOptions,
  type Transform,
} from "./forecast.ts";
import { HOUR_MS } from "../../lib/zoned_time.ts";
import { toSeries } from "./series.ts";

export const MODEL_NAME = "ridge_lags_v1";

/** The forecast parameters and their transform (CO can be negative, so no log). */
export const FORECAST_PARAMETERS: Record<"co" | "pm25", Transform> = {
  co: "identity",
  pm25: "log1p",
};

export interface ForecastSettings {
  /** Origins scored by the backtest: the last this many days of history. */
  backtestDays: number;
}

export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = { backtestDays: 60 };

// Features reach a week back; training needs its window before the first scored origin.
const WEEK_HOURS = 7 * 24;

/**
 * Returns the forecasts it issued (none when the station has no complete hour yet), from the
 * station's stored history whatever the clock says; `issuedAt` is only recorded.
 */
export async function refreshForecast(
  sql: Queryable,
  stationId: string,
  issuedAt: Date,
  settings: ForecastSettings = DEFAULT_FORECAST_SETTINGS,
): Promise<ForecastRow[]> {
  const backtestHours = settings.backtestDays * 24;
  const historyHours = DEFAULT_MODEL.trainingHours + backtestHours + WEEK_HOURS;
  // Ends at the station's last complete hour, not at `issuedAt`: a year loaded long after the
  // fact still gets its forecast, and the same data always gives the same one.
  const rows = await listLastCompleteHours(sql, stationId, historyHours);
  const issued: ForecastRow[] = [];
  for (const [parameter, transform] of Object.entries(FORECAST_PARAMETERS)) {
    const series = toSeries(rows.map((row) => ({
      hourMs: row.hour_start.getTime(),
      value: row[parameter as keyof typeof FORECAST_PARAMETERS],
    })));
    const options: ModelOptions = { ...DEFAULT_MODEL, transform };
    const forecasts = forecastNext(series, options);
    if (!forecasts) continue;
    const firstOrigin = Math.max(0, series.values.length - backtestHours);
    const scores = backtest(series, options, { firstOrigin });
    for (const forecast of forecasts) {
      const score = scores.find((s) => s.horizon === forecast.horizon);
      const baseMs = series.startMs + forecast.origin * HOUR_MS;
      const scored = score !== undefined && score.n > 0;
      issued.push({
        parameter,
        base_hour: new Date(baseMs),
        horizon_hours: forecast.horizon,
        target_hour: new Date(baseMs + forecast.horizon * HOUR_MS),
        value: forecast.value,
        method: forecast.method,
        model: MODEL_NAME,
        issued_at: issuedAt,
        backtest_from: scored ? new Date(series.startMs + firstOrigin * HOUR_MS) : null,
        backtest_to: scored
          ? new Date(series.startMs + (series.values.length - 1) * HOUR_MS)
          : null,
        backtest_n: score?.n ?? 0,
        backtest_mae: scored ? score.model.mae : null,
        backtest_rmse: scored ? score.model.rmse : null,
        persistence_mae: scored ? score.persistence.mae : null,
        persistence_rmse: scored ? score.persistence.rmse : null,
        same_hour_yesterday_mae: scored ? score.sameHourYesterday.mae : null,
        same_hour_yesterday_rmse: scored ? score.sameHourYesterday.rmse : null,
      });
    }
  }
  await upsertForecasts(sql, stationId, issued);
  return issued;
}
