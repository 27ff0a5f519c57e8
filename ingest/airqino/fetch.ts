/** GET /v3/getStationHourlyAvg/{station_id} through the shared HTTP client. */
import { fetchWithRetry, HttpError } from "../http.ts";
import { type AccessTokens, AuthRequiredError, fixedToken } from "./auth.ts";
import { parsePayload, PayloadError, preview, type StationPayload } from "./payload.ts";

export interface FetchStationOptions {
  baseUrl: string;
  /** Bearer tokens (the API has required one since 2026); anonymous when absent. */
  auth?: AccessTokens;
  timeoutMs?: number;
  retries?: number;
  baseDelayMs?: number;
  signal?: AbortSignal;
}

const ANONYMOUS = fixedToken(undefined);

/**
 * The station's last 365 days of hourly averages. A 401 renews the access token and retries
 * once. Throws AuthRequiredError, HttpError (network, time-out, non-2xx) or PayloadError
 * (HTML, not JSON, wrong shape).
 */
export async function fetchStationHourly(
  stationId: string,
  options: FetchStationOptions,
): Promise<StationPayload> {
  const url = `${options.baseUrl}/v3/getStationHourlyAvg/${encodeURIComponent(stationId)}`;
  const auth = options.auth ?? ANONYMOUS;
  // A year of hourly rows can take the API a while; undefined must not mask these defaults.
  const { timeoutMs = 60_000, retries = 2, baseDelayMs = 1_000, signal } = options;
  const get = async () => {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = await auth.token(signal);
    if (token) headers.authorization = `Bearer ${token}`;
    return await fetchWithRetry(url, { headers, timeoutMs, retries, baseDelayMs, signal });
  };
  let response = await get();
  // Access tokens expire (or are revoked) between our expiry estimate and the call.
  if (response.status === 401 && auth.renew()) {
    await response.body?.cancel();
    response = await get();
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new AuthRequiredError(
      `GET ${url} answered HTTP ${response.status}: authentication required (${auth.hint})`,
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
