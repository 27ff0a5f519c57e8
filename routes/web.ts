/**
 * The web UI: static files built by Vite into `web/dist`, and `index.html` for a browser
 * asking for any other page, so a mistyped or old link still opens the app. Mount it after
 * every other route: it answers paths nobody else claimed. API clients, /api paths and
 * missing assets still get the 404 problem.
 */
import { type Context, Hono } from "hono";
import { serveStatic } from "hono/deno";

export const WEB_ROOT = "web/dist";

// Vite puts a content hash in every asset name, so an asset URL never changes content.
const IMMUTABLE = "public, max-age=31536000, immutable";

export function webRoutes(root = WEB_ROOT): Hono {
  const app = new Hono();
  const file = serveStatic({ root, onFound: setCacheControl });
  const index = serveStatic({ root, path: "index.html", onFound: setCacheControl });
  app.get("*", async (c, next) => {
    if (isApiPath(c.req.path)) return await next();
    const found = await file(c, notHere) ?? (wantsPage(c) ? await index(c, notHere) : undefined);
    return found ?? await next();
  });
  return app;
}

// serveStatic calls this when the file is missing; the handler then falls through itself.
async function notHere(): Promise<void> {}

function setCacheControl(path: string, c: Context): void {
  c.header("Cache-Control", path.includes("/assets/") ? IMMUTABLE : "no-cache");
}

function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/** A browser navigating to a page, as opposed to a script, an API client or an asset. */
function wantsPage(c: Context): boolean {
  const accept = c.req.header("Accept") ?? "";
  return accept.includes("text/html") && !/\.[A-Za-z0-9]+$/.test(c.req.path);
}
