/** Entry point: configuration → database schema → HTTP server. */
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createSql } from "./db/client.ts";
import { ensureDatabase, migrate } from "./db/migrate.ts";

const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const sql = createSql(config.databaseUrl);
await migrate(sql);

const app = createApp({ sql, config });
Deno.serve({ hostname: config.host, port: config.port }, app.fetch);
