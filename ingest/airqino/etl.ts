/**
 * The AirQino ETL: per station, fetch the API's year of hourly averages, then in one
 * transaction upsert the station header and the hours and recompute the daily means of
 * the days that changed; then refresh the forecast. A station that fails (auth, time-out,
 * HTML, wrong shape) is logged, its stored data untouched; the others go on. Each run is one
 * row of the run log, one item per station, added as the station ends.
 */
import type { Config } from "../../config.ts";
import type { Sql } from "../../db/client.ts";
import {
  AIRQINO_SOURCE,
  recomputeDaily,
  type StationRunItem,
  upsertHourly,
  upsertStation,
} from "../../db/air_quality.ts";
import { inTransaction } from "../../db/transaction.ts";
import { messageOf } from "../../lib/message_of.ts";
import { loggedRun, runError } from "../run_log.ts";
import type { Job, JobDeps } from "../scheduler.ts";
import { accessTokensFromConfig } from "./auth.ts";
import { fetchStationHourly, type FetchStationOptions } from "./fetch.ts";
import {
  DEFAULT_FORECAST_SETTINGS,
  type ForecastSettings,
  refreshForecast,
} from "./refresh_forecast.ts";

/** The scheduler's job name; the CLI takes the same advisory lock (`job:airquality`). */
export const AIRQUALITY_JOB = "airquality";

export interface EtlOptions extends FetchStationOptions {
  stations: string[];
  forecast?: ForecastSettings;
  /** The clock, for fetch times and the provisional day (tests pin it). */
  now?: () => Date;
  log?: (line: string) => void;
}

export interface StationOutcome {
  stationId: string;
  status: "ok" | "failed";
  hoursReceived?: number;
  hoursChanged?: number;
  daysChanged?: number;
  forecasts?: number;
  error?: string;
}

/** Keep the result for the life of the process: it caches the access token. */
export function etlOptionsFromConfig(config: Config): EtlOptions {
  return {
    baseUrl: config.airqinoBaseUrl,
    auth: accessTokensFromConfig(config),
    stations: config.airqinoStations,
  };
}

/** Runs every station in turn, as one run of the run log; one station's failure throws nothing. */
export async function runAirQualityEtl(
  sql: Sql,
  options: EtlOptions,
): Promise<StationOutcome[]> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? console.error;
  const outcomes: StationOutcome[] = [];
  await loggedRun<StationRunItem>(sql, AIRQINO_SOURCE, async (run) => {
    for (const stationId of options.stations) {
      if (options.signal?.aborted) break;
      const outcome = await runStation(sql, stationId, options);
      outcomes.push(outcome);
      // Added at once: GET /api/air-quality/stations reads each station's last run there.
      await run.add(stationItem(outcome, now())).catch((error) =>
        log(`${AIRQUALITY_JOB}: station ${stationId}: cannot record the run: ${error}`)
      );
    }
    const failed = outcomes.filter((outcome) => outcome.status === "failed");
    const errors = failed.map((outcome) => `station ${outcome.stationId}: ${outcome.error}`);
    return { error: runError(errors, options.signal) };
  });
  return outcomes;
}

async function runStation(
  sql: Sql,
  stationId: string,
  options: EtlOptions,
): Promise<StationOutcome> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? console.error;
  try {
    const payload = await fetchStationHourly(stationId, options);
    const fetchedAt = now();
    const stored = await inTransaction(sql, async (tx) => {
      const { name, latitude, longitude, raw } = payload.header;
      await upsertStation(tx, { stationId, name, latitude, longitude, header: raw, fetchedAt });
      const hours = await upsertHourly(tx, stationId, payload.rows, fetchedAt);
      const days = await recomputeDaily(tx, stationId, hours.days, fetchedAt);
      return { hours, days };
    });
    const forecasts = await refreshForecast(
      sql,
      stationId,
      fetchedAt,
      options.forecast ?? DEFAULT_FORECAST_SETTINGS,
    ).catch((error) => {
      throw new Error(`hours and daily means saved, but the forecast failed: ${error}`);
    });
    const outcome: StationOutcome = {
      stationId,
      status: "ok",
      hoursReceived: payload.rows.length,
      hoursChanged: stored.hours.changed,
      daysChanged: stored.days.length,
      forecasts: forecasts.length,
    };
    log(
      `${AIRQUALITY_JOB}: station ${stationId} (${payload.header.name ?? "unnamed"}): ` +
        `${outcome.hoursReceived} hours received, ${outcome.hoursChanged} changed, ` +
        `daily means of ${outcome.daysChanged} days changed, ${outcome.forecasts} forecasts`,
    );
    return outcome;
  } catch (error) {
    const message = messageOf(error);
    log(`${AIRQUALITY_JOB}: station ${stationId} failed, stored data kept: ${message}`);
    return { stationId, status: "failed", error: message };
  }
}

function stationItem(outcome: StationOutcome, finishedAt: Date): StationRunItem {
  const { stationId, status, hoursReceived, hoursChanged, daysChanged, error } = outcome;
  return {
    name: stationId,
    status,
    hoursReceived,
    rowsChanged: hoursChanged,
    daysChanged,
    error,
    finishedAt: finishedAt.toISOString(),
  };
}

/** The hourly job of the running service (AIRQUALITY_INTERVAL_MINUTES, 0 = off). */
export function airQualityJob({ sql, config }: JobDeps): Job {
  // One token cache (and rotated refresh token) across the hourly runs.
  const options = etlOptionsFromConfig(config);
  return {
    name: AIRQUALITY_JOB,
    intervalMs: config.airqualityIntervalMinutes * 60_000,
    run: async (signal) => {
      const outcomes = await runAirQualityEtl(sql, { ...options, signal });
      const failed = outcomes.filter((outcome) => outcome.status === "failed");
      if (failed.length > 0) {
        throw new Error(`${failed.length} of ${outcomes.length} stations failed (see above)`);
      }
    },
  };
}
