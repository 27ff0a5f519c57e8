/**
 * The bench's routes, under /api/ where the web UI's catch-all hands over: the reference, a
 * prebuilt JSON body of the asked size answered by the same app (every middleware), and the
 * process's resident memory.
 */
import type { Hono } from "hono";

/** The reference route: `${STATIC_PATH}/<bytes>` answers a body of that many bytes. */
export const STATIC_PATH = "/api/bench-static-body";
/** The service process's resident memory in bytes, as any of its threads reads it. */
export const RSS_PATH = "/api/bench-rss";

const bodies = new Map<number, string>();

export function extendApp(app: Hono): void {
  app.get(`${STATIC_PATH}/:bytes{[0-9]+}`, (c) => {
    const bytes = Number(c.req.param("bytes"));
    let body = bodies.get(bytes);
    if (body === undefined) bodies.set(bytes, body = `{"padding":"${"0".repeat(bytes - 14)}"}`);
    return c.body(body, 200, { "content-type": "application/json" });
  });
  // Process-wide: the serving threads are threads of one process.
  app.get(RSS_PATH, (c) => c.text(String(Deno.memoryUsage().rss)));
}
