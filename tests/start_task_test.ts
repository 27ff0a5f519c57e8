/**
 * `deno task start` as deno.json runs it: the listen permission follows HOST and PORT (the task
 * computes it in `sh -c`), so the service serves on the address it is given.
 */
import assert from "node:assert/strict";
import { sleep } from "../ingest/http.ts";
import { createTestDatabase } from "./helpers/database.ts";
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

Deno.test("deno task start listens on the HOST and PORT it is given", async () => {
  await using db = await createTestDatabase();
  const port = freePort();
  // Detached: the task and everything it starts (npm, sh, deno) form one process group.
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
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const output = task.output();
  let exited = false;
  output.then(() => exited = true, () => exited = true);
  try {
    const healthz = `http://127.0.0.1:${port}/healthz`;
    let status: number | undefined;
    for (const deadline = Date.now() + STARTUP_BOUND_MS; !exited && Date.now() < deadline;) {
      status = await statusOf(healthz);
      if (status === 200) break;
      await sleep(250);
    }
    if (!exited) task.kill("SIGTERM"); // `deno task` passes it on to the service
    await waitFor(() => exited, "deno task start to exit on SIGTERM", 30_000);
    const { code, stdout, stderr } = await output;
    const log = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(status, 200, `GET ${healthz} never answered 200:\n${log}`);
    assert.match(log, new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}/`));
    assert.equal(code, 0, `the service did not shut down cleanly:\n${log}`);
    assert.equal(await statusOf(healthz), undefined, "nothing listens any more");
    assert.equal(await signalGroup(task.pid, "SIGKILL"), false, "no process of the task is left");
  } finally {
    // A failed start may leave the web build or the service running: end the whole group.
    await signalGroup(task.pid, "SIGKILL");
    await output.catch(() => {});
  }
});
