/**
 * The web UI: static files built by Vite into `web/dist`, and `index.html` for a browser
 * asking for any other page, so a mistyped or old link still opens the app. Mount it after
 * every other route: it answers paths nobody else claimed. API clients, /api paths and
 * missing assets still get the 404 problem.
 *
 * The build writes a `.br` and a `.gz` twin next to each text file (web/vite.config.ts),
 * compressed once at maximum quality; a client that accepts one gets it instead of the file.
 */
import { type Context, Hono } from "hono";
import { serveStatic } from "hono/serve-static";
import { getMimeType } from "hono/utils/mime";
import { join } from "node:path";
import { acceptedCodings, type ContentCoding } from "./content_coding.ts";

export const WEB_ROOT = "web/dist";

// Vite puts a content hash in every asset name, so an asset URL never changes content.
const IMMUTABLE = "public, max-age=31536000, immutable";

const TWIN_SUFFIX: Record<ContentCoding, string> = { br: ".br", gzip: ".gz" };

export function webRoutes(root = WEB_ROOT): Hono {
  const app = new Hono();
  // Hono's own Deno serveStatic picks a twin by its order, not the client's q-values, and
  // leaves the uncompressed file open when it sends a twin.
  const options = { root, join, isDir, getContent: fileOrTwin };
  const file = serveStatic(options);
  const index = serveStatic({ ...options, path: "index.html" });
  app.get("*", async (c, next) => {
    if (isApiPath(c.req.path)) return await next();
    const found = await file(c, notHere) ?? (wantsPage(c) ? await index(c, notHere) : undefined);
    return found ?? await next();
  });
  return app;
}

// serveStatic calls this when the file is missing; the handler then falls through itself.
async function notHere(): Promise<void> {}

/**
 * The file at `path`, or its twin in the coding the client wants most, typed as the file;
 * null when there is no such file. Caches must key it on Accept-Encoding, even when plain.
 */
async function fileOrTwin(path: string, c: Context): Promise<Response | null> {
  const file = await openFile(path);
  if (!file) return null;
  const headers = new Headers({
    "Content-Type": getMimeType(path) ?? "application/octet-stream",
    "Cache-Control": path.includes("/assets/") ? IMMUTABLE : "no-cache",
    "Vary": "Accept-Encoding",
  });
  for (const coding of acceptedCodings(c.req.header("Accept-Encoding"))) {
    const twin = await openFile(path + TWIN_SUFFIX[coding]);
    if (!twin) continue;
    file.handle.close();
    headers.set("Content-Encoding", coding);
    return sendFile(twin, headers);
  }
  return sendFile(file, headers);
}

interface OpenFile {
  handle: Deno.FsFile;
  size: number;
}

async function openFile(path: string): Promise<OpenFile | null> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const info = await handle.stat();
  if (info.isFile) return { handle, size: info.size };
  handle.close();
  return null;
}

function sendFile({ handle, size }: OpenFile, headers: Headers): Response {
  headers.set("Content-Length", String(size));
  return new Response(handle.readable, { headers });
}

/** Lets serveStatic answer a directory, `/` above all, with its index.html. */
async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/** A browser navigating to a page, as opposed to a script, an API client or an asset. */
function wantsPage(c: Context): boolean {
  const accept = c.req.header("Accept") ?? "";
  return accept.includes("text/html") && !/\.[A-Za-z0-9]+$/.test(c.req.path);
}
