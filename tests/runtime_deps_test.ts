/**
 * deploy/runtime_deps.ts on a copy of the project: the image's deno.json and deno.lock keep only
 * the npm packages of the service and its CLIs, every kept lock entry unchanged, and the entry
 * points still resolve from the cache alone. Offline: the copy shares this DENO_DIR.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { lockChange } from "../deploy/runtime_deps.ts";
import { SERVICE_TOP_LEVEL } from "./helpers/service_files.ts";

const PROJECT = new URL("..", import.meta.url).pathname;
const SOURCES = [
  "deno.json",
  "deno.lock",
  "vendor",
  ...SERVICE_TOP_LEVEL,
  "routes",
  "db",
  "ingest",
  "lib",
  "deploy/healthcheck.ts",
  "deploy/runtime_deps.ts",
];
const ENTRIES = [
  "main.ts",
  "serving_worker.ts",
  "ingest/rte/cli.ts",
  "ingest/rte/refresh_cli.ts",
  "ingest/airqino/cli.ts",
  "ingest/ticketmaster/cli.ts",
  "deploy/healthcheck.ts",
];
const FLAGS = ["--allow-run=deno", "--allow-read=.", "--allow-write=deno.json,deno.lock"];
const DEV_IMPORTS = [
  "playwright-core",
  "yaml",
  "kubernetes-models",
  "kubernetes-models/",
  "dockerfile-utils",
  "fflate",
];
const DEV_PACKAGES = ["dockerfile-utils", "fflate", "kubernetes-models", "playwright-core", "yaml"];

async function deno(cwd: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command("deno", {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

async function readJson(path: string) {
  return JSON.parse(await Deno.readTextFile(path));
}

async function projectCopy(): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "runtime_deps_" });
  for (const path of SOURCES) await cp(join(PROJECT, path), join(dir, path), { recursive: true });
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("runtime_deps drops the development-only npm imports and prunes deno.lock to the rest, unchanged", async () => {
  await using copy = await projectCopy();
  const config = await readJson(join(copy.dir, "deno.json"));
  const lock = await readJson(join(copy.dir, "deno.lock"));

  const run = await deno(copy.dir, ["run", ...FLAGS, "deploy/runtime_deps.ts", ...ENTRIES]);
  assert.equal(run.code, 0, run.stderr);
  const [, kept, dropped] = /^runtime imports: kept (.*); dropped (.*)\n$/.exec(run.stdout) ?? [];
  assert.deepEqual(dropped?.split(", ").sort(), DEV_PACKAGES);
  for (const name of ["hono", "zod", "@hono/zod-openapi", "csv-parse", "csv-stringify"]) {
    assert.ok(kept.split(", ").includes(name), `${name} not kept: ${run.stdout}`);
  }

  const pruned = await readJson(join(copy.dir, "deno.json"));
  for (const key of DEV_IMPORTS) assert.ok(!(key in pruned.imports), `${key} still imported`);
  for (const key of ["hono", "hono/", "zod", "@hono/zod-openapi", "postgres"]) {
    assert.equal(pruned.imports[key], config.imports[key]);
  }
  assert.deepEqual({ ...pruned, imports: {} }, { ...config, imports: {} });

  const prunedLock = await readJson(join(copy.dir, "deno.lock"));
  for (const name of DEV_PACKAGES) {
    const specifiers = Object.keys(prunedLock.specifiers).filter((s) =>
      s.startsWith(`npm:${name}@`)
    );
    assert.deepEqual(specifiers, [], `${name} still in the lock's specifiers`);
  }
  // yaml stays as a dependency of openapi3-ts (@hono/zod-openapi's), so not in this list.
  const devPackages =
    /^(@kubernetes-models\/|kubernetes-models@|playwright-core@|dockerfile-|fflate@)/;
  assert.deepEqual(Object.keys(prunedLock.npm).filter((key) => devPackages.test(key)), []);
  for (const section of ["specifiers", "npm"]) {
    for (const [key, entry] of Object.entries(prunedLock[section])) {
      assert.deepEqual(entry, lock[section][key], `${section} "${key}" changed`);
    }
  }
  for (const dependency of prunedLock.workspace.dependencies) {
    assert.ok(lock.workspace.dependencies.includes(dependency), `${dependency} added`);
  }

  const cached = await deno(copy.dir, [
    "install",
    "--entrypoint",
    "--frozen",
    "--cached-only",
    ...ENTRIES,
  ]);
  assert.equal(cached.code, 0, cached.stderr);
});

Deno.test("runtime_deps without entry points prints its usage and exits 2", async () => {
  await using copy = await projectCopy();
  const run = await deno(copy.dir, ["run", ...FLAGS, "deploy/runtime_deps.ts"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^usage: deno run .* deploy\/runtime_deps\.ts ENTRY\.\.\.\n$/);
});

Deno.test("the lock check names a kept package whose integrity changed, then one pruning cannot add", () => {
  const lock = {
    version: "5",
    specifiers: { "npm:hono@4.13.19": "4.13.19", "npm:yaml@2.9.1": "2.9.1" },
    npm: { "hono@4.13.19": { integrity: "sha512-a" }, "yaml@2.9.1": { integrity: "sha512-b" } },
    workspace: { dependencies: ["npm:hono@4.13.19", "npm:yaml@2.9.1"] },
  };
  const pruned = {
    version: "5",
    specifiers: { "npm:hono@4.13.19": "4.13.19" },
    npm: { "hono@4.13.19": { integrity: "sha512-a" } },
    workspace: { dependencies: ["npm:hono@4.13.19"] },
  };
  assert.equal(lockChange(lock, pruned), undefined);

  const tampered = { ...pruned, npm: { "hono@4.13.19": { integrity: "sha512-x" } } };
  assert.equal(
    lockChange(lock, tampered),
    'npm package "hono@4.13.19" has integrity "sha512-x", was "sha512-a"',
  );
  const added = { ...pruned, npm: { ...pruned.npm, "left-pad@1.3.0": { integrity: "sha512-y" } } };
  assert.equal(lockChange(lock, added), 'npm package "left-pad@1.3.0" is new');
  const workspace = { ...pruned, workspace: { dependencies: ["npm:left-pad@1.3.0"] } };
  assert.equal(lockChange(lock, workspace), 'workspace dependency "npm:left-pad@1.3.0" is new');
});
