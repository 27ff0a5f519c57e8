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
Deno.serve({ hostname: config.host, port: config.port }, createApp(deps).fetch);
startScheduler(sql, scheduledJobs(deps));
