import assert from "node:assert/strict";
import {
  conditionalGet,
  fetchAndReadWithRetry,
  fetchWithRetry,
  HostNotAllowedError,
  HttpError,
  readText,
} from "../ingest/http.ts";
import { serveCutBodies } from "./helpers/cut_connection_stub.ts";
import { serve } from "./helpers/server.ts";

const FAST = { baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 2_000 };

Deno.test("a 5xx is retried with backoff and the later answer is returned", async () => {
  let calls = 0;
  await using server = serve(() =>
    ++calls < 3 ? new Response("busy", { status: 503 }) : new Response("ok")
  );
  const response = await fetchWithRetry(server.url, { ...FAST, retries: 3 });
  assert.equal(await response.text(), "ok");
  assert.equal(calls, 3);
});

Deno.test("a 4xx is final and returned as is", async () => {
  let calls = 0;
  await using server = serve(() => (calls++, new Response("no", { status: 404 })));
  const response = await fetchWithRetry(server.url, { ...FAST, retries: 3 });
  assert.equal(response.status, 404);
  await response.body?.cancel();
  assert.equal(calls, 1);
});

Deno.test("conditional GET sends the validators and reports 304 as not modified", async () => {
  const seen: Array<string | null> = [];
  await using server = serve((request) => {
    seen.push(request.headers.get("if-none-match"));
    return request.headers.get("if-none-match") === '"v1"'
      ? new Response(null, { status: 304 })
      : new Response("data", { headers: { etag: '"v1"' } });
  });
  const first = await conditionalGet(server.url, {}, FAST);
  assert.equal(first.status, "ok");
  if (first.status !== "ok") return;
  assert.equal(await new Response(first.body).text(), "data");
  assert.deepEqual(first.validators, { etag: '"v1"', lastModified: null });
  assert.deepEqual(await conditionalGet(server.url, first.validators, FAST), {
    status: "not-modified",
  });
  assert.deepEqual(seen, [null, '"v1"']);
});

Deno.test("a download larger than the limit fails while it streams", async () => {
  await using server = serve(() => new Response("x".repeat(100)));
  const result = await conditionalGet(server.url, {}, { ...FAST, maxBytes: 10 });
  assert.equal(result.status, "ok");
  if (result.status !== "ok") return;
  await assert.rejects(new Response(result.body).text(), (error: Error) => {
    assert.ok(error instanceof HttpError);
    assert.match(error.message, /the answer is larger than 10 bytes$/);
    return true;
  });
});

const BODY = JSON.stringify({ data: "x".repeat(2_000) });

Deno.test("a body cut by the peer closing the connection is retried like a network error", async () => {
  await using server = serveCutBodies(BODY, (attempt) => attempt === 1 ? 100 : undefined);
  const answer = await fetchAndReadWithRetry(server.url, readText, { ...FAST, retries: 2 });
  assert.equal(answer.text, BODY);
  assert.equal(server.attempts, 2);
});

Deno.test("a body cut on every attempt is reported as a closed connection, not a time-out", async () => {
  await using server = serveCutBodies(BODY, () => 100);
  // A minute's time-out: the error must come from the closed connection, not from waiting.
  const options = { baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 60_000, retries: 2 };
  await assert.rejects(fetchAndReadWithRetry(server.url, readText, options), (error: Error) => {
    assert.ok(error instanceof HttpError);
    assert.equal(
      error.message,
      `GET ${server.url} failed after 3 attempts: connection closed after 100 bytes of ` +
        `${BODY.length}`,
    );
    return true;
  });
  assert.equal(server.attempts, 3);
});

Deno.test("a host outside the task's --allow-net fails at once with one clear error, never retried", async () => {
  const retried: unknown[] = [];
  // The tests may reach 127.0.0.1 and localhost only.
  const refused = fetchWithRetry("http://127.0.0.2:8080/data", {
    ...FAST,
    retries: 3,
    errorDelayMs: (error) => (retried.push(error), 1),
    setting: "AIRQINO_BASE_URL",
  });
  await assert.rejects(refused, (error: Error) => {
    assert.ok(error instanceof HostNotAllowedError);
    assert.equal(error.name, "HostNotAllowedError");
    assert.equal(
      error.message,
      'Cannot reach "127.0.0.2:8080": not allowed by this task\'s --allow-net (deno.json); ' +
        "point AIRQINO_BASE_URL at an allowed host or change the task",
    );
    return true;
  });
  assert.deepEqual(retried, []);
});
