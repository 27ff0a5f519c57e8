/** Entry point: configuration → database schema → HTTP server and periodic jobs. */
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createSql } from "./db/client.ts";
import { ensureDatabase, migrate } from "./db/migrate.ts";
import { startScheduler } from "./ingest/scheduler.ts";
import { scheduledJobs } from "./jobs.ts";

const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const sql = createSql(config.databaseUrl);
await migrate(sql);

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
