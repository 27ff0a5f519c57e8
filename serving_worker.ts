/// <reference lib="deno.worker" />
/**
 * A thread serving the app beside the main one (service.ts): it reads the same config, opens
 * its own pool, and serves on the shared port until told to stop.
 */
import { serveApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createSql } from "./db/client.ts";
import { describe } from "./lib/cli.ts";

/** What a serving worker is told, and what it answers. */
export type ToWorker = { type: "start"; extension?: string } | { type: "stop" };
export type FromWorker =
  | { type: "listening" }
  | { type: "stopped" }
  | { type: "failed"; error: string };

let stop: (() => Promise<void>) | undefined;

self.onmessage = async ({ data }: MessageEvent<ToWorker>) => {
  const answer = (message: FromWorker) => self.postMessage(message);
  if (data.type === "stop") {
    await stop?.();
    answer({ type: "stopped" });
    self.close();
    return;
  }
  try {
    const config = loadConfig();
    // Its own pool, with the main thread's settings; the schema is migrated already.
    const sql = createSql(config.databaseUrl);
    const server = await serveApp({ sql, config }, data.extension);
    stop = async () => {
      await server.shutdown();
      await sql.end({ timeout: 5 });
    };
    answer({ type: "listening" });
  } catch (error) {
    answer({ type: "failed", error: describe(error) });
  }
};
