/**
 * The service in front of a failing database: a TCP proxy between the app and PostgreSQL
 * refuses connections, resets them, or freezes (accepts and never answers), while many
 * clients ask for the API over real HTTP.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createSql } from "../db/client.ts";
import { loadRteSource } from "../ingest/rte/load.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { eco2mixXls, halfHourlyDay } from "./helpers/rte_fixtures.ts";
import { serve } from "./helpers/server.ts";
import { type ProxyMode, startTcpProxy } from "./helpers/tcp_proxy.ts";

/** What the README promises for an outage, and for the first request once it is over. */
const OUTAGE_ANSWER_MS = 3_000;
const RECOVERY_MS = 2_000;
const CLIENTS = 40;

/** Paths that read the database; each client asks a different range (no cache hit). */
function pathFor(client: number): string {
  const paths = [
    (n: number) =>
      `/api/consumption?start=2018-01-01T00:00&end=2018-01-0${1 + (n % 3)}T0${n % 10}:00`,
    () => "/api/status",
    () => "/healthz",
    () => "/api/air-quality/stations",
    () => "/api/events?from=2025-01-01&to=2025-01-31",
  ];
  return paths[client % paths.length](client);
}

async function withProxiedService(
  test: (service: { url: string; setMode(mode: ProxyMode): Promise<void> }) => Promise<void>,
) {
  await using db = await createTestDatabase();
  await loadRteSource(db.sql, {
    name: "2018-01-01.xls",
    bytes: eco2mixXls(halfHourlyDay("2018-01-01", () => 60_000)),
  });
  await using proxy = startTcpProxy(db.url);
  const sql = createSql(proxy.url, { schema: db.schema });
  // An outage is expected, not a bug: the service logs no error (no stack, no 500).
  const logged: unknown[] = [];
  const { error } = console;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const app = createApp({ sql, config: loadConfig({ DATABASE_URL: db.url }) });
    await using server = serve(app.fetch);
    await test({ url: server.url, setMode: (mode) => proxy.setMode(mode) });
  } finally {
    console.error = error;
    await sql.end({ timeout: 1 });
  }
  assert.deepEqual(logged, []);
}

async function timedGet(url: string) {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  return { response, body, ms: performance.now() - started };
}

async function assertEveryRequestGets503Quickly(baseUrl: string) {
  const answers = await Promise.all(
    Array.from({ length: CLIENTS }, (_, client) => timedGet(baseUrl + pathFor(client))),
  );
  for (const [client, { response, body, ms }] of answers.entries()) {
    const label = `${pathFor(client)} answered ${response.status} in ${Math.round(ms)} ms`;
    assert.equal(response.status, 503, label);
    assert.equal(
      response.headers.get("content-type"),
      "application/problem+json; charset=utf-8",
      label,
    );
    assert.ok(Number(response.headers.get("retry-after")) > 0, `${label}: Retry-After`);
    assert.equal(JSON.parse(body).status, 503, label);
    assert.ok(ms < OUTAGE_ANSWER_MS, label);
  }
}

async function assertFirstRequestSucceeds(baseUrl: string) {
  const { response, body, ms } = await timedGet(
    `${baseUrl}/api/consumption?start=2018-01-01T10:00&end=2018-01-01T11:00`,
  );
  assert.equal(response.status, 200, `first request after recovery: ${body}`);
  assert.equal(JSON.parse(body).count, 3);
  assert.ok(ms < RECOVERY_MS, `first request after recovery took ${Math.round(ms)} ms`);
}

for (const mode of ["refuse", "reset", "freeze"] as const) {
  const what = {
    refuse: "refuses connections",
    reset: "accepts connections and closes them at once",
    freeze: "accepts connections and never answers",
  }[mode];
  Deno.test(`while the database ${what}, every request gets a 503 problem within 3 s, and the first request after it is back succeeds`, async () => {
    await withProxiedService(async ({ url, setMode }) => {
      assert.equal((await timedGet(`${url}/healthz`)).response.status, 200);
      await setMode(mode);
      await assertEveryRequestGets503Quickly(url);
      await assertEveryRequestGets503Quickly(url); // a long outage: no slower the second time
      await setMode("forward");
      await assertFirstRequestSucceeds(url);
    });
  });
}
