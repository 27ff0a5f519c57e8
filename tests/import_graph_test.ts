/**
 * The one-way flow of the README, checked on the source: no import cycle anywhere, and each
 * layer imports only the layers below it (source → ingest → db → routes; lib under all).
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { SERVICE_TOP_LEVEL } from "./helpers/service_files.ts";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));
const SOURCE_DIRS = ["lib", "db", "ingest", "routes"];
const TOP_LEVEL = [...SERVICE_TOP_LEVEL, "openapi_cli.ts"];

/** What each layer may import besides itself. Top-level files (main, app, jobs) may import all. */
const ALLOWED: Record<string, string[]> = {
  lib: [],
  "config.ts": ["lib"],
  db: ["lib", "config.ts", "vendor"],
  ingest: ["lib", "config.ts", "db", "vendor"],
  routes: ["lib", "config.ts", "db", "vendor"],
};

Deno.test("no module imports itself through a cycle", async () => {
  const graph = await importGraph();
  const cycles = findCycles(graph);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => c.join(" → ")).join("\n")}`);
});

Deno.test("each layer imports only the layers below it", async () => {
  const graph = await importGraph();
  const violations: string[] = [];
  for (const [from, targets] of graph) {
    const allowed = ALLOWED[layerOf(from)];
    if (allowed === undefined) continue;
    for (const to of targets) {
      const layer = layerOf(to);
      if (layer !== layerOf(from) && !allowed.includes(layer)) violations.push(`${from} → ${to}`);
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("the graph reader sees the imports it must judge", async () => {
  const graph = await importGraph();
  assert.ok(graph.get("app.ts")?.has("routes/consumption.ts"));
  assert.ok(graph.get("main.ts")?.has("service.ts"));
  assert.ok(graph.get("service.ts")?.has("app.ts"));
  assert.deepEqual(findCycles(new Map([["a", new Set(["b"])], ["b", new Set(["a"])]])), [[
    "a",
    "b",
    "a",
  ]]);
});

function layerOf(path: string): string {
  const [first] = path.split("/");
  return path.includes("/") ? first : path;
}

/** Relative module → the relative modules it imports (static, dynamic and type imports). */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  for (const file of await sourceFiles()) {
    const text = await Deno.readTextFile(join(ROOT, file));
    const targets = new Set<string>();
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      targets.add(relative(ROOT, join(ROOT, dirname(file), match[1])));
    }
    graph.set(file, targets);
  }
  return graph;
}

async function sourceFiles(): Promise<string[]> {
  const files = [...TOP_LEVEL];
  async function walk(dir: string) {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.ts$/.test(entry.name)) files.push(path);
    }
  }
  for (const dir of SOURCE_DIRS) await walk(dir);
  return files.sort();
}

/** Every cycle found by a depth-first walk, each written from its first module back to it. */
function findCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  function visit(node: string) {
    const at = stack.indexOf(node);
    if (at >= 0) {
      cycles.push([...stack.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    stack.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    stack.pop();
    done.add(node);
  }
  for (const node of [...graph.keys()].sort()) visit(node);
  return cycles;
}
