/** GET /v3/getStationHourlyAvg/{station_id} through the shared HTTP client. */
import { fetchAndReadWithRetry, HttpError, readText } from "../http.ts";
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
 * once. Throws AuthRequiredError, HttpError (network, time-out, connection cut, non-2xx),
 * HostNotAllowedError or PayloadError (HTML, not JSON, wrong shape).
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
    // Read inside each attempt: a connection cut mid-body is retried like a network error.
    return await fetchAndReadWithRetry(url, readText, {
      headers,
      timeoutMs,
      retries,
      baseDelayMs,
      signal,
      setting: "AIRQINO_BASE_URL",
    });
  };
  let answer = await get();
  // Access tokens expire (or are revoked) between our expiry estimate and the call.
  if (answer.status === 401 && auth.renew()) answer = await get();
  const { status, ok, text } = answer;
  if (status === 401 || status === 403) {
    throw new AuthRequiredError(
      `GET ${url} answered HTTP ${status}: authentication required (${auth.hint})`,
    );
  }
  if (!ok) {
    throw new HttpError(
      `GET ${url} answered HTTP ${status} (body starts with ${preview(text)})`,
      status,
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
