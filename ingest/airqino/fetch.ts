/** GET /v3/getStationHourlyAvg/{station_id} through the shared HTTP client. */
import { fetchWithRetry, HttpError } from "../http.ts";
import { parsePayload, PayloadError, preview, type StationPayload } from "./payload.ts";

export interface FetchStationOptions {
  baseUrl: string;
  /** Bearer token; the API has required one since 2026. */
  token?: string;
  timeoutMs?: number;
  retries?: number;
  baseDelayMs?: number;
  signal?: AbortSignal;
}

/** The API said 401/403: a credentials problem, never "no data". */
export class AuthRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthRequiredError";
  }
}

/**
 * The station's last 365 days of hourly averages. Throws AuthRequiredError, HttpError
 * (network, time-out, non-2xx) or PayloadError (HTML, not JSON, wrong shape).
 */
export async function fetchStationHourly(
  stationId: string,
  options: FetchStationOptions,
): Promise<StationPayload> {
  const url = `${options.baseUrl}/v3/getStationHourlyAvg/${encodeURIComponent(stationId)}`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  // A year of hourly rows can take the API a while; undefined must not mask these defaults.
  const { timeoutMs = 60_000, retries = 2, baseDelayMs = 1_000, signal } = options;
  const response = await fetchWithRetry(url, { headers, timeoutMs, retries, baseDelayMs, signal });
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new AuthRequiredError(
      `GET ${url} answered HTTP ${response.status}: authentication required (${
        options.token ? "AIRQINO_TOKEN was rejected" : "set AIRQINO_TOKEN"
      })`,
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new HttpError(
      `GET ${url}: the body did not arrive within ${timeoutMs} ms (${
        error instanceof Error ? error.message : error
      })`,
    );
  }
  if (!response.ok) {
    throw new HttpError(
      `GET ${url} answered HTTP ${response.status} (body starts with ${preview(text)})`,
      response.status,
    );
  }
  try {
    return parsePayload(text);
  } catch (error) {
    if (error instanceof PayloadError) {
      throw new PayloadError(`GET ${url}: ${error.message}`);
    }
    throw error;
  }
}
