/** Entry point: configuration → database schema → HTTP server and periodic jobs. */
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import type { Sql } from "./db/client.ts";
import { openDatabase } from "./db/open.ts";
import { startScheduler } from "./ingest/scheduler.ts";
import { scheduledJobs } from "./jobs.ts";
import { describe } from "./lib/cli.ts";

let sql: Sql;
let config;
try {
  config = loadConfig();
  sql = await openDatabase(config.databaseUrl);
} catch (error) {
  console.error(`error: ${describe(error)}`);
  Deno.exit(1);
}

const deps = { sql, config };
const server = Deno.serve({ hostname: config.host, port: config.port }, createApp(deps).fetch);
const scheduler = startScheduler(sql, scheduledJobs(deps));

// Docker and Kubernetes stop containers with SIGTERM: finish requests and runs, then exit.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    await Promise.allSettled([server.shutdown(), scheduler.stop()]);
    await sql.end({ timeout: 5 });
    Deno.exit(0);
  });
}
