/**
 * Trims deno.json and deno.lock to the npm packages the service and its CLIs import, so that the
 * image caches no development-only package (playwright-core, kubernetes-models, dockerfile-utils,
 * fflate; yaml stays, as a dependency of @hono/zod-openapi's openapi3-ts). Deleting them from the
 * cache does not work: Deno installs the whole npm snapshot of deno.lock whatever the entry
 * points, and `--cached-only` refuses to start when any of it is missing. So they leave the
 * import map and the lock instead.
 *
 * Run in the folder holding deno.json and deno.lock, after a full `deno install --frozen`:
 * 1. `deno info --json --frozen ENTRY` for each entry: the npm packages its graph imports;
 * 2. deno.json keeps its other imports (vendor/) and the npm imports of those packages;
 * 3. `deno install` prunes deno.lock to the new import map; exit 1 if it changed anything else
 *    (a version, an integrity, a dependency);
 * 4. `deno cache --frozen ENTRY...` proves that nothing dropped was needed.
 * A `deno install --frozen` into an empty DENO_DIR then caches only what remains.
 *
 * Usage (the service and the CLIs that run in production; ingest/airqino/eval_cli.ts and
 * openapi_cli.ts are development tools):
 *   deno run --allow-run=deno --allow-read=. --allow-write=deno.json,deno.lock \
 *     deploy/runtime_deps.ts main.ts ingest/rte/cli.ts ingest/rte/refresh_cli.ts \
 *     ingest/airqino/cli.ts ingest/ticketmaster/cli.ts deploy/healthcheck.ts
 */
import { isDeepStrictEqual } from "node:util";
import { runMain } from "../lib/cli.ts";

const USAGE = "usage: deno run --allow-run=deno --allow-read=. " +
  "--allow-write=deno.json,deno.lock deploy/runtime_deps.ts ENTRY...";

// deno-lint-ignore no-explicit-any
type Json = any;

/** What a lock section's entries are called in messages. */
const ENTRY_NAMES: Record<string, string> = { specifiers: "specifier", npm: "npm package" };

/**
 * The npm package an import names: `npm:hono@4.13.19`, `npm:/hono@4.13.19/cors` → "hono",
 * `npm:/@hono/zod-openapi@1.6.3` → "@hono/zod-openapi"; undefined for anything else.
 */
export function npmPackageName(specifier: string): string | undefined {
  return /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(specifier)?.[1];
}

/** The npm packages a `deno info --json` graph imports: its npm redirects and modules. */
export function importedPackages(info: Json): Set<string> {
  const specifiers = [
    ...Object.keys(info.redirects ?? {}),
    ...(info.modules ?? []).map((module: Json) => String(module.specifier)),
  ];
  const names = specifiers.map(npmPackageName).filter((name) => name !== undefined);
  return new Set(names);
}

/**
 * The first entry of the new lock that pruning the old one cannot explain, as one phrase; or
 * undefined when every entry of the new lock is in the old one, unchanged.
 */
export function lockChange(old: Json, lock: Json): string | undefined {
  if (lock.version !== old.version) return `version ${lock.version}, was ${old.version}`;
  for (const [section, entries] of Object.entries<Json>(lock)) {
    if (section === "version" || section === "workspace") continue;
    const noun = ENTRY_NAMES[section] ?? `${section} entry`;
    for (const [key, entry] of Object.entries<Json>(entries)) {
      const before = old[section]?.[key];
      if (before === undefined) return `${noun} "${key}" is new`;
      if (isDeepStrictEqual(entry, before)) continue;
      if (typeof entry !== "object" || typeof before !== "object") {
        return `${noun} "${key}" is ${JSON.stringify(entry)}, was ${JSON.stringify(before)}`;
      }
      for (const field of new Set([...Object.keys(entry), ...Object.keys(before)])) {
        if (isDeepStrictEqual(entry[field], before[field])) continue;
        return `${noun} "${key}" has ${field} ${JSON.stringify(entry[field])}, was ${
          JSON.stringify(before[field])
        }`;
      }
    }
  }
  const workspace = new Set(flatten(old.workspace));
  const added = flatten(lock.workspace).find((line) => !workspace.has(line));
  return added === undefined ? undefined : `workspace ${added} is new`;
}

/** `{dependencies: ["npm:zod@4"]}` → `["dependency \"npm:zod@4\""]`, nested paths joined. */
function flatten(value: Json, path = ""): string[] {
  if (Array.isArray(value)) {
    const noun = path.replace(/ies$/, "y").replace(/s$/, "");
    return value.map((item) => `${noun} ${JSON.stringify(item)}`);
  }
  if (typeof value !== "object" || value === null) return [`${path} ${JSON.stringify(value)}`];
  return Object.entries(value).flatMap(([key, item]) =>
    flatten(item, path ? `${path}.${key}` : key)
  );
}

/** Runs `deno ARGS` in the current folder: its stdout, or an error with its last stderr line. */
async function deno(args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  if (!success) {
    const last = new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "";
    throw new Error(`\`deno ${args.join(" ")}\` failed: ${last.replace(/^error: /, "")}`);
  }
  return new TextDecoder().decode(stdout);
}

function listed(names: Set<string>): string {
  return names.size === 0 ? "none" : [...names].join(", ");
}

async function readJson(path: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(path));
}

async function main(entries: string[]): Promise<number> {
  if (entries.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const used = new Set<string>();
  for (const entry of entries) {
    const info = JSON.parse(await deno(["info", "--json", "--frozen", entry]));
    for (const name of importedPackages(info)) used.add(name);
  }

  const config = await readJson("deno.json");
  const oldLock = await readJson("deno.lock");
  const kept = new Set<string>();
  const dropped = new Set<string>();
  const imports: Record<string, string> = {};
  for (const [key, target] of Object.entries<string>(config.imports ?? {})) {
    const name = npmPackageName(target);
    if (name !== undefined && !used.has(name)) {
      dropped.add(name);
      continue;
    }
    if (name !== undefined) kept.add(name);
    imports[key] = target;
  }
  await Deno.writeTextFile("deno.json", `${JSON.stringify({ ...config, imports }, null, 2)}\n`);

  await deno(["install"]);
  const change = lockChange(oldLock, await readJson("deno.lock"));
  if (change !== undefined) {
    console.error(`deno.lock changed beyond pruning: ${change}`);
    return 1;
  }
  await deno(["cache", "--frozen", ...entries]);
  console.log(`runtime imports: kept ${listed(kept)}; dropped ${listed(dropped)}`);
  return 0;
}

if (import.meta.main) Deno.exit(await runMain(() => main(Deno.args)));
