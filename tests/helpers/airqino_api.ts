/**
 * A local stand-in for the AirQino API: bodies in the real format (header + data, keys in
 * the API's order, omitted keys for missing values, floats printed as Python does) and
 * the real failures (401 with `{}`, HTML error pages, slow answers).
 */
import { serve, type TestServer } from "./server.ts";

const KEY_ORDER = ["CO", "T", "T. int.", "NO2", "O3", "PM10", "PM2.5", "RH"];

export type ApiValues = Partial<Record<string, number>>;

/** One data row; keys absent from `values` are omitted, as the API does. */
export function apiRow(timestamp: string, values: ApiValues): Record<string, unknown> {
  const row: Record<string, unknown> = { timestamp };
  for (const key of KEY_ORDER) {
    if (values[key] !== undefined) row[key] = values[key];
  }
  return row;
}

export const SMART188_HEADER = {
  station_name: "SMART188",
  station_lat: 5.369297504425049,
  station_lon: -3.958930253982544,
};

/** The response body as the API writes it (`", "` and `": "` separators, `18.0`). */
export function apiBody(
  rows: Record<string, unknown>[],
  header: Record<string, unknown> = SMART188_HEADER,
): string {
  return `{"header": ${pythonJson(header)}, "data": [${rows.map(pythonJson).join(", ")}]}`;
}

function pythonJson(object: Record<string, unknown>): string {
  const entries = Object.entries(object).map(([key, value]) =>
    `${JSON.stringify(key)}: ${
      typeof value === "number" && Number.isInteger(value) ? `${value}.0` : JSON.stringify(value)
    }`
  );
  return `{${entries.join(", ")}}`;
}

/** Hour h of the sample day: PM2.5 rises, CO falls through zero, RH and NO2/O3 have holes. */
export function sampleHourValues(h: number): ApiValues {
  return {
    "CO": 0.6 - 0.05 * h,
    "T": 25 + h / 10,
    "T. int.": 300 + h,
    "NO2": h === 3 ? undefined : 20 + h,
    "O3": h === 3 ? undefined : 5 + h,
    "PM10": 30 + h,
    "PM2.5": 10 + h,
    "RH": h === 5 || h === 6 ? undefined : 70,
  };
}

const hh = (h: number) => String(h).padStart(2, "0");

/** 24 h on 12-08, 17 h on 12-09 (then a gap), and the still-filling 12-10 00:00. */
export function sampleHistory(): Record<string, unknown>[] {
  return [
    ...Array.from(
      { length: 24 },
      (_, h) => apiRow(`2023-12-08 ${hh(h)}:00:00`, sampleHourValues(h)),
    ),
    ...Array.from(
      { length: 17 },
      (_, h) => apiRow(`2023-12-09 ${hh(h)}:00:00`, { "CO": 0.3, "PM2.5": 20, "RH": 60 }),
    ),
    apiRow("2023-12-10 00:00:00", { "CO": 0.4, "PM2.5": 6.5, "PM10": 14.5, "RH": 62.3 }),
  ];
}

export function jsonResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}

export const HTML_ERROR_PAGE =
  "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>" +
  "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";

/**
 * Serves `/v3/getStationHourlyAvg/{id}` from `answer(id, request)`; counts the requests
 * per station so tests can check retries.
 */
export function serveAirqino(
  answer: (stationId: string, request: Request) => Response | Promise<Response>,
): TestServer & { requests: Map<string, number> } {
  const requests = new Map<string, number>();
  const server = serve((request) => {
    const match = /^\/v3\/getStationHourlyAvg\/(\d+)$/.exec(new URL(request.url).pathname);
    if (!match) return new Response("Not Found", { status: 404 });
    requests.set(match[1], (requests.get(match[1]) ?? 0) + 1);
    return answer(match[1], request);
  });
  return Object.assign(server, { requests });
}

export const TOKEN_PATH = "/realms/airqino/protocol/openid-connect/token";

export interface KeycloakStub extends TestServer {
  /** The token endpoint, what AIRQINO_AUTH_URL points at. */
  tokenUrl: string;
  /** Every token request in order: its content type and form fields. */
  requests: Array<{ contentType: string | null; form: Record<string, string> }>;
  /** Access tokens issued, in order: `access-1`, `access-2`, … */
  issued: string[];
  /** The refresh token the stub accepts now. */
  refreshToken: string;
}

/**
 * Keycloak's token endpoint for the refresh_token grant of public client `airqino-api`: a
 * form-encoded POST, Keycloak's JSON answer (`expires_in` seconds, a rotated `refresh_token`
 * when `rotate`), and its errors (400 `invalid_grant` for a refresh token it does not know).
 */
export function serveKeycloak(
  { refreshToken, expiresIn = 300, rotate = true }: {
    refreshToken: string;
    expiresIn?: number;
    rotate?: boolean;
  },
): KeycloakStub {
  const requests: KeycloakStub["requests"] = [];
  const issued: string[] = [];
  const oauthError = (status: number, error: string, description: string) =>
    Response.json({ error, error_description: description }, { status });
  const server = serve(async (request) => {
    if (new URL(request.url).pathname !== TOKEN_PATH) {
      return Response.json({ error: "RESTEASY003210: Could not find resource" }, { status: 404 });
    }
    if (request.method !== "POST") return oauthError(405, "invalid_request", "HTTP 405");
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    requests.push({ contentType: request.headers.get("content-type"), form });
    if (form.client_id !== "airqino-api") {
      return oauthError(401, "unauthorized_client", "Invalid client or Invalid client credentials");
    }
    if (form.grant_type !== "refresh_token") {
      return oauthError(400, "unsupported_grant_type", "Unsupported grant_type");
    }
    if (form.refresh_token !== stub.refreshToken) {
      return oauthError(400, "invalid_grant", "Invalid refresh token");
    }
    issued.push(`access-${issued.length + 1}`);
    if (rotate) stub.refreshToken = `refresh-${issued.length}`;
    return Response.json({
      access_token: issued.at(-1),
      expires_in: expiresIn,
      refresh_expires_in: 1800,
      refresh_token: stub.refreshToken,
      token_type: "Bearer",
      "not-before-policy": 0,
      session_state: "6f1c7f0e-3c1a-4a57-9b3e-0c2f2b7d9a11",
      scope: "profile email",
    });
  });
  const stub: KeycloakStub = Object.assign(server, {
    tokenUrl: `${server.url}${TOKEN_PATH}`,
    requests,
    issued,
    refreshToken,
  });
  return stub;
}
