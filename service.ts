/**
 * The running service: the app served on SERVE_THREADS threads, the periodic jobs on the
 * main one. Every thread listens on the same address with SO_REUSEPORT (`reusePort`, which
 * needs --unstable-net), so the kernel spreads connections evenly over them; each thread
 * has its own database pool, its own rows in memory and its own LISTEN for the loads'
 * changes. SIGTERM (Docker, Kubernetes) or SIGINT: every thread stops accepting and finishes
 * its requests, the jobs end their runs, then the process exits.
 */
import { serveApp } from "./app.ts";
import { type Config, loadConfig } from "./config.ts";
import type { Sql } from "./db/client.ts";
import { openDatabase } from "./db/open.ts";
import { type Scheduler, startScheduler } from "./ingest/scheduler.ts";
import { scheduledJobs } from "./jobs.ts";
import { describe } from "./lib/cli.ts";
import type { FromWorker, ToWorker } from "./serving_worker.ts";

export interface ServiceOptions {
  /**
   * A module whose `extendApp(app)` adds routes to every thread's app before it serves:
   * `deno task bench` mounts its reference route this way.
   */
  extension?: string;
}

/** Config and schema on the main thread (exit 1 with one line when they fail), then serving. */
export async function startService(options: ServiceOptions = {}): Promise<void> {
  let config: Config;
  let sql: Sql;
  try {
    config = loadConfig();
    sql = await openDatabase(config.databaseUrl);
  } catch (error) {
    console.error(`error: ${describe(error)}`);
    Deno.exit(1);
  }
  // Stops what has started, whenever the signal comes.
  const started: { workers: ServingWorker[]; server?: Deno.HttpServer; scheduler?: Scheduler } = {
    workers: [],
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, async () => {
      await Promise.allSettled([
        started.server?.shutdown(),
        ...started.workers.map((worker) => worker.stop()),
        started.scheduler?.stop(),
      ]);
      await sql.end({ timeout: 5 });
      Deno.exit(0);
    });
  }
  const threads = config.serveThreads;
  try {
    // The workers first: once this thread listens too, every thread does.
    started.workers = await Promise.all(
      Array.from({ length: threads - 1 }, () => startServingWorker(options.extension)),
    );
    started.server = await serveApp({ sql, config }, options.extension);
  } catch (error) {
    console.error(`error: ${describe(error)}`);
    Deno.exit(1);
  }
  started.scheduler = startScheduler(sql, scheduledJobs({ sql, config }));
  const { hostname, port } = started.server.addr as Deno.NetAddr;
  console.log(
    `Listening on http://${hostname}:${port}/ with ${threads} thread${threads > 1 ? "s" : ""}`,
  );
}

interface ServingWorker {
  /** Stops accepting, finishes its requests, closes its pool. */
  stop(): Promise<void>;
}

async function startServingWorker(extension: string | undefined): Promise<ServingWorker> {
  const worker = new Worker(new URL("./serving_worker.ts", import.meta.url), { type: "module" });
  const next = () =>
    new Promise<FromWorker>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`a serving worker failed: ${event.message}`));
      };
    });
  const tell = (message: ToWorker) => worker.postMessage(message);
  const started = next();
  tell({ type: "start", extension });
  const answer = await started;
  if (answer.type !== "listening") {
    worker.terminate();
    throw new Error(
      answer.type === "failed" ? answer.error : `a serving worker said ${answer.type}`,
    );
  }
  // From now on an uncaught error in the thread ends the process, as it would on the main one.
  worker.onerror = null;
  return {
    async stop() {
      const stopped = next();
      tell({ type: "stop" });
      await stopped.finally(() => worker.terminate());
    },
  };
}
