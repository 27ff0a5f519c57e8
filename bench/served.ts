/**
 * The service as deployed, for the bench: service.ts (through bench/bench_server.ts) in a
 * process of its own, with the image's SERVE_THREADS and DENO_V8_FLAGS (Dockerfile), so req/s
 * and resident memory are the deployed service's.
 */
import { heapLimitOf } from "../deploy/validate.ts";
import { sleep } from "../ingest/http.ts";

import { RSS_PATH } from "./bench_routes.ts";

const SERVER = new URL("./bench_server.ts", import.meta.url).pathname;
const STARTUP_MS = 60_000;

export interface Served extends AsyncDisposable {
  origin: string;
  /** The service's resident memory now, in MiB. */
  rssMib(): Promise<number>;
}

/** Starts the service on a free port of loopback and waits until /healthz answers 200. */
export async function serveForBench(
  databaseUrl: string,
  { cacheMb }: { cacheMb: number },
): Promise<Served> {
  const heap = heapLimitOf(await Deno.readTextFile("Dockerfile"));
  if (!heap) throw new Error("The Dockerfile sets no DENO_V8_FLAGS");
  // The variables `deno task start` may read: the bench sets some of them.
  const startTask = JSON.parse(await Deno.readTextFile("deno.json")).tasks.start;
  const allowEnv = /--allow-env=\S+/.exec(startTask)![0];
  const port = freePort();
  const database = new URL(databaseUrl);
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "--unstable-net",
      `--allow-net=127.0.0.1:${port},${database.host}`,
      allowEnv,
      // The start task's, and bench/: every thread imports bench_routes.ts when it starts.
      "--allow-read=web/dist,db/migrations,serving_worker.ts,app.ts,config.ts,routes,db,lib,vendor,bench",
      SERVER,
    ],
    env: {
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      CONSUMPTION_CACHE_MB: String(cacheMb),
      REFRESH_INTERVAL_MINUTES: "0",
      AIRQUALITY_INTERVAL_MINUTES: "0",
      SERVE_THREADS: String(heap.isolates),
      DENO_V8_FLAGS: heap.flags,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
  };
  for (const deadline = Date.now() + STARTUP_MS; Date.now() < deadline;) {
    if (await healthy(origin)) {
      return {
        origin,
        rssMib: async () => Number(await (await fetch(`${origin}${RSS_PATH}`)).text()) / 2 ** 20,
        [Symbol.asyncDispose]: stop,
      };
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`The service did not answer ${origin}/healthz within ${STARTUP_MS} ms`);
}

async function healthy(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/healthz`);
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
