/**
 * Headless Debian Chromium driven by playwright-core (no browser download), serving the
 * real app on loopback, for the web UI's end-to-end tests.
 */
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { createApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import type { Sql } from "../../db/client.ts";
import { WEB_ROOT } from "../../routes/web.ts";
import { serve } from "./server.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = "web/test-artifacts";

// Without the background-networking flags Chromium keeps dialling Google on a closed network.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  const missing = [CHROMIUM, `${WEB_ROOT}/index.html`].filter((path) => !isFile(path));
  if (missing.length === 0) return null;
  return `web e2e tests skipped: ${missing.join(" and ")} missing ` +
    "(apt-get install chromium; deno task web:build)";
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

export interface BrowserSession extends AsyncDisposable {
  /** Base URL of the app under test, e.g. `http://127.0.0.1:41234`. */
  url: string;
  page: Page;
}

/**
 * Serves the real app (API + web/dist) for `sql` and opens a page in a fresh browser
 * (playwright gives every launch a new empty --user-data-dir). Locale en-US by default,
 * so expected numbers read `55,000`.
 */
export async function openBrowserSession(
  sql: Sql,
  context: BrowserContextOptions = {},
): Promise<BrowserSession> {
  const server = serve(createApp({ sql, config: loadConfig({}) }).fetch);
  const browser = await launchChromium();
  const page = await browser.newPage({
    locale: "en-US",
    timezoneId: "America/Toronto",
    ...context,
  });
  page.setDefaultTimeout(10_000);
  return {
    url: server.url,
    page,
    async [Symbol.asyncDispose]() {
      await browser.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

async function launchChromium(): Promise<Browser> {
  // playwright-core probes for WSL when it loads, with a read of /proc/sys that Deno grants
  // only under --allow-all; this variable makes the probe lazy (it runs only to open URLs in
  // a desktop browser, never here). Hence the dynamic import after setting it.
  Deno.env.set("__IS_WSL_TEST__", "1");
  const { chromium } = await import("playwright-core");
  return await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Saves a full-page screenshot as `web/test-artifacts/<name>.png` (kept by CI). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}
