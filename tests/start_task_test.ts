/**
 * `deno task start` as deno.json runs it: the listen permission follows HOST and PORT (the task
 * computes it in `sh -c`), so the service serves on the address it is given, from several
 * threads, each holding rows in memory, and every one of them hears a load's change.
 */
import assert from "node:assert/strict";
import { sleep } from "../ingest/http.ts";
import { loadDays } from "./helpers/consumption_days.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import { waitFor } from "./helpers/wait.ts";

const PROJECT = new URL("..", import.meta.url).pathname;
// Without web/dist (a fresh clone) the task first builds the web UI with npm, about 20 s.
const STARTUP_BOUND_MS = 120_000;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** The status of GET `url`, or undefined while nothing answers. */
async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

/**
 * Sends `signal` to every process of the group `pgid`; false when none is left. Deno.kill needs
 * a wider --allow-run than the tests have, so a `deno eval` (all permissions) sends it.
 */
async function signalGroup(pgid: number, signal: Deno.Signal): Promise<boolean> {
  const { success } = await new Deno.Command("deno", {
    args: ["eval", `Deno.kill(-${pgid}, "${signal}")`],
    stdout: "null",
    stderr: "null",
  }).output();
  return success;
}

interface StartedTask {
  origin: string;
  /** Sends SIGTERM; resolves with the exit code and everything the task printed. */
  stop(): Promise<{ code: number; log: string }>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** `deno task start` on the test database, detached: the task and its children are one group. */
async function startTask(db: TestDatabase, env: Record<string, string> = {}) {
  const port = freePort();
  const task = new Deno.Command("deno", {
    args: ["task", "start"],
    cwd: PROJECT,
    env: {
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: `${db.url}?search_path=${db.schema}`,
      REFRESH_INTERVAL_MINUTES: "0",
      AIRQUALITY_INTERVAL_MINUTES: "0",
      NO_COLOR: "1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  // Read as it comes: the service announces itself once every thread listens.
  let log = "";
  const read = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => void (log += text) }),
    );
  const output = Promise.all([task.status, read(task.stdout), read(task.stderr)]);
  let exited = false;
  output.then(() => exited = true, () => exited = true);
  const origin = `http://127.0.0.1:${port}`;
  const started: StartedTask = {
    origin,
    async stop() {
      if (!exited) task.kill("SIGTERM"); // `deno task` passes it on to the service
      await waitFor(() => exited, "deno task start to exit on SIGTERM", 30_000);
      const [status] = await output;
      return { code: status.code, log };
    },
    async [Symbol.asyncDispose]() {
      // A failed start may leave the web build or the service running: end the whole group.
      await signalGroup(task.pid, "SIGKILL");
      await output.catch(() => {});
    },
  };
  let status: number | undefined;
  for (const deadline = Date.now() + STARTUP_BOUND_MS; !exited && Date.now() < deadline;) {
    status = await statusOf(`${origin}/healthz`);
    if (status === 200 && log.includes(`Listening on ${origin}/`)) {
      return { started, pid: task.pid };
    }
    await sleep(250);
  }
  await started.stop().catch(() => {});
  await started[Symbol.asyncDispose]();
  throw new Error(`The service never announced itself or answered 200 (last: ${status}):\n${log}`);
}

Deno.test("deno task start listens on the HOST and PORT it is given", async () => {
  await using db = await createTestDatabase();
  const { started, pid } = await startTask(db);
  await using _task = started;
  const { code, log } = await started.stop();
  assert.match(log, new RegExp(`Listening on ${started.origin.replaceAll(".", "\\.")}/`));
  assert.equal(code, 0, `the service did not shut down cleanly:\n${log}`);
  assert.equal(await statusOf(`${started.origin}/healthz`), undefined, "nothing listens any more");
  assert.equal(await signalGroup(pid, "SIGKILL"), false, "no process of the task is left");
});

Deno.test("every thread of deno task start serves a load's change to the next requests", async () => {
  await using db = await createTestDatabase();
  // A perimeter of its own: other test processes' loads notify the same database.
  const perimeter = `Workers ${crypto.randomUUID().slice(0, 8)}`;
  const date = "2018-03-12";
  await loadDays(db.sql, [date], { perimeter }, () => 50_000);
  const { started } = await startTask(db, { SERVE_THREADS: "2" });
  await using _task = started;
  const params = new URLSearchParams({
    perimeter,
    start: `${date}T06:00:00+01:00`,
    end: `${date}T06:00:00+01:00`,
  });
  // Each request on a connection of its own: the kernel spreads connections over the threads.
  const answeredMw = async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, async () => {
      const response = await fetch(`${started.origin}/api/consumption?${params}`, {
        headers: { connection: "close" },
      });
      assert.equal(response.status, 200);
      return (await response.json()).data[0].consumption_w / 1_000_000;
    }));
    return [...new Set(answers)];
  };

  assert.deepEqual(await answeredMw(), [50_000]);
  // Changed behind the loaders' back, without a notification: every thread that answers still
  // holds the rows it read (24 connections all reach a thread that has read them).
  await db.sql`update rte_consumption set consumption_mw = 1`;
  assert.deepEqual(await answeredMw(), [50_000]);
  // A load notifies: every thread drops what it held, and the next requests read the change.
  await loadDays(db.sql, [date], { perimeter }, () => 60_000);
  let seen: number[] = [];
  await waitFor(
    async () => JSON.stringify(seen = await answeredMw()) === "[60000]",
    "every thread to answer the loaded value",
    5_000,
  ).catch((error) => assert.fail(`${error.message}; answers: ${seen}`));

  const { code, log } = await started.stop();
  assert.match(log, /with 2 threads/);
  assert.equal(code, 0, `the service did not shut down cleanly:\n${log}`);
});

Deno.test("deno task start with SERVE_THREADS=0 exits 1 with one line naming it", async () => {
  const { code, stderr } = await new Deno.Command("deno", {
    args: ["task", "start"],
    cwd: PROJECT,
    env: {
      HOST: "127.0.0.1",
      PORT: String(freePort()),
      SERVE_THREADS: "0",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const errors = new TextDecoder().decode(stderr).split("\n").filter((line) =>
    line.startsWith("error")
  );
  assert.equal(code, 1);
  assert.deepEqual(errors, [
    "error: Invalid configuration: SERVE_THREADS: Too small: expected number to be >=1",
  ]);
});
