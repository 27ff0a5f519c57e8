/**
 * AirQino's Keycloak auth against local stubs: the token endpoint (refresh_token grant) and
 * the data API, which accepts only the access tokens the token stub issued.
 */
import assert from "node:assert/strict";
import { listStations } from "../db/air_quality.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import {
  apiBody,
  jsonResponse,
  sampleHistory,
  serveAirqino,
  serveKeycloak,
} from "./helpers/airqino_api.ts";
import { airQualityJob, type EtlOptions, runAirQualityEtl } from "../ingest/airqino/etl.ts";
import {
  accessTokensFromConfig,
  EXPIRY_MARGIN_MS,
  RefreshingTokens,
} from "../ingest/airqino/auth.ts";
import { loadConfig } from "../config.ts";

const STATION = "283164601";
const AUTH_HOST = "airqino-auth.magentalab.it:443";

/** A data API that answers 200 to `accepts(token)` and Keycloak-style 401 `{}` otherwise. */
function dataApi(accepts: (token: string | undefined) => boolean) {
  const seen: Array<string | null> = [];
  const api = serveAirqino((_, request) => {
    const header = request.headers.get("authorization");
    seen.push(header);
    return accepts(header?.replace(/^Bearer /, ""))
      ? jsonResponse(apiBody(sampleHistory()))
      : jsonResponse("{}", 401);
  });
  return Object.assign(api, { seen });
}

/** Runs the ETL for one station with `tokens`; returns its outcome and log lines. */
async function run(db: TestDatabase, apiUrl: string, auth: EtlOptions["auth"]) {
  const lines: string[] = [];
  const [outcome] = await runAirQualityEtl(db.sql, {
    baseUrl: apiUrl,
    stations: [STATION],
    auth,
    retries: 0,
    timeoutMs: 2_000,
    now: () => new Date("2023-12-10T00:20:00Z"),
    log: (line) => lines.push(line),
  });
  return { outcome, lines };
}

function tokens(authUrl: string, refreshToken: string, now = () => 0) {
  return new RefreshingTokens({ authUrl, refreshToken, retries: 0, timeoutMs: 2_000, now });
}

Deno.test("a refresh token is exchanged for an access token, sent as Bearer and reused while valid", async () => {
  await using db = await createTestDatabase();
  await using keycloak = serveKeycloak({ refreshToken: "refresh-0" });
  await using api = dataApi((token) => token === keycloak.issued.at(-1));
  const auth = tokens(keycloak.tokenUrl, "refresh-0");

  const first = await run(db, api.url, auth);
  const second = await run(db, api.url, auth);
  assert.deepEqual([first.outcome.status, second.outcome.status], ["ok", "ok"]);
  assert.deepEqual(keycloak.requests, [{
    contentType: "application/x-www-form-urlencoded",
    form: { grant_type: "refresh_token", client_id: "airqino-api", refresh_token: "refresh-0" },
  }]);
  assert.deepEqual(api.seen, ["Bearer access-1", "Bearer access-1"]);
  assert.doesNotMatch([...first.lines, ...second.lines].join("\n"), /access-|refresh-/);
});

Deno.test("an access token about to expire is renewed first, with the rotated refresh token", async () => {
  await using db = await createTestDatabase();
  await using keycloak = serveKeycloak({ refreshToken: "refresh-0", expiresIn: 300 });
  await using api = dataApi((token) => token === keycloak.issued.at(-1));
  let clock = 0;
  const auth = tokens(keycloak.tokenUrl, "refresh-0", () => clock);

  await run(db, api.url, auth);
  clock = 300_000 - EXPIRY_MARGIN_MS - 1;
  await run(db, api.url, auth);
  assert.equal(keycloak.requests.length, 1, "still valid for more than the margin");
  clock = 300_000 - EXPIRY_MARGIN_MS;
  const { outcome } = await run(db, api.url, auth);
  assert.equal(outcome.status, "ok");
  assert.deepEqual(keycloak.requests.map((r) => r.form.refresh_token), ["refresh-0", "refresh-1"]);
  assert.deepEqual(api.seen, ["Bearer access-1", "Bearer access-1", "Bearer access-2"]);
});

Deno.test("a 401 from the API renews the access token once and retries", async () => {
  await using db = await createTestDatabase();
  await using keycloak = serveKeycloak({ refreshToken: "refresh-0" });
  // access-1 was revoked before its expiry (a logout, a server restart).
  await using api = dataApi((token) => token !== undefined && token !== "access-1");
  const { outcome } = await run(db, api.url, tokens(keycloak.tokenUrl, "refresh-0"));
  assert.equal(outcome.status, "ok", outcome.error);
  assert.deepEqual(api.seen, ["Bearer access-1", "Bearer access-2"]);
  assert.equal(keycloak.requests.length, 2);
});

Deno.test("a 401 to the renewed token too fails the station after that one retry", async () => {
  await using db = await createTestDatabase();
  await using keycloak = serveKeycloak({ refreshToken: "refresh-0" });
  await using api = dataApi(() => false);
  const { outcome, lines } = await run(db, api.url, tokens(keycloak.tokenUrl, "refresh-0"));
  assert.equal(outcome.status, "failed");
  assert.match(
    outcome.error!,
    /HTTP 401: authentication required \(the access token obtained with AIRQINO_REFRESH_TOKEN was rejected\)/,
  );
  assert.deepEqual(api.seen, ["Bearer access-1", "Bearer access-2"]);
  assert.doesNotMatch(lines.join("\n"), /access-|refresh-/);
});

Deno.test("a rejected refresh token fails the station with a clear message and keeps its data", async () => {
  await using db = await createTestDatabase();
  await using keycloak = serveKeycloak({ refreshToken: "refresh-0" });
  await using api = dataApi((token) => token === keycloak.issued.at(-1));
  assert.equal(
    (await run(db, api.url, tokens(keycloak.tokenUrl, "refresh-0"))).outcome.status,
    "ok",
  );
  const stored = async () => ({
    stations: await db.sql`select * from airqino_stations`,
    hourly: await db.sql`select * from airqino_hourly order by hour_start`,
    daily: await db.sql`select * from airqino_daily order by day, parameter`,
  });
  const before = await stored();

  // The session ended: Keycloak no longer knows the refresh token.
  keycloak.refreshToken = "refresh-from-a-new-login";
  const { outcome, lines } = await run(db, api.url, tokens(keycloak.tokenUrl, "refresh-1"));
  assert.equal(outcome.status, "failed");
  assert.equal(
    outcome.error,
    `AirQino refresh token rejected by ${keycloak.tokenUrl} ` +
      "(HTTP 400 invalid_grant: Invalid refresh token): set a new AIRQINO_REFRESH_TOKEN",
  );
  assert.match(lines[0], /station 283164601 failed, stored data kept: AirQino refresh token/);
  assert.equal(api.seen.length, 1, "the data API is not called without a token");
  assert.deepEqual(await stored(), before);
  const [last] = (await listStations(db.sql, STATION))
    .map((station) => ({ status: station.last_run_status, error: station.last_run_error }));
  assert.deepEqual([last.status, last.error], ["failed", outcome.error]);
  assert.doesNotMatch(lines.join("\n"), /refresh-1|refresh-from/);
});

Deno.test("the service's hourly job keeps its access token from one run to the next", async () => {
  await using db = await createTestDatabase();
  await using keycloak = serveKeycloak({ refreshToken: "refresh-0" });
  await using api = dataApi((token) => token === keycloak.issued.at(-1));
  const config = loadConfig({
    AIRQINO_BASE_URL: api.url,
    AIRQINO_AUTH_URL: keycloak.tokenUrl,
    AIRQINO_REFRESH_TOKEN: "refresh-0",
    AIRQINO_STATIONS: STATION,
  });
  const job = airQualityJob({ sql: db.sql, config });
  await job.run(new AbortController().signal);
  await job.run(new AbortController().signal);
  assert.equal(keycloak.requests.length, 1);
  assert.deepEqual(api.seen, ["Bearer access-1", "Bearer access-1"]);
});

Deno.test("the refresh token wins over a fixed token, and the auth URL defaults to AirQino's Keycloak", async () => {
  const both = loadConfig({ AIRQINO_REFRESH_TOKEN: "r", AIRQINO_TOKEN: "t" });
  assert.equal(
    both.airqinoAuthUrl,
    "https://airqino-auth.magentalab.it/realms/airqino/protocol/openid-connect/token",
  );
  assert.ok(accessTokensFromConfig(both) instanceof RefreshingTokens);
  assert.equal(await accessTokensFromConfig(loadConfig({ AIRQINO_TOKEN: "t" })).token(), "t");
  assert.equal(await accessTokensFromConfig(loadConfig({})).token(), undefined);
  assert.throws(() => loadConfig({ AIRQINO_AUTH_URL: "not a url" }), /AIRQINO_AUTH_URL/);
});

Deno.test("the airquality and start tasks may read the new variables and reach the auth host", async () => {
  const { tasks } = JSON.parse(await Deno.readTextFile("deno.json"));
  for (const name of ["airquality", "start"]) {
    const flag = (prefix: string) =>
      (tasks[name] as string).split(/\s+/).find((arg) => arg.startsWith(prefix))!.split(/[=,]/);
    assert.ok(flag("--allow-net=").includes(AUTH_HOST), name);
    for (const variable of ["AIRQINO_REFRESH_TOKEN", "AIRQINO_AUTH_URL"]) {
      assert.ok(flag("--allow-env=").includes(variable), `${name} ${variable}`);
    }
  }
});
