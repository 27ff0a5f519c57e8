/**
 * `deno task ingest [--year YYYY]… [--current] [PATH…]`: loads RTE files (zip, xls, ODRÉ
 * csv; directories are searched recursively) or downloads them from RTE. Each file is one
 * transaction. Prints one line per file; on any failure exits 1 after the other files.
 */
import { parseArgs } from "node:util";
import type { Sql } from "../../db/client.ts";
import { runMain } from "../../lib/cli.ts";
import { cliConfig, type CliDeps, withCliDatabase } from "../cli.ts";
import { conditionalGet } from "../http.ts";
import { type LoadResult, loadRteStream, type Progress } from "./load.ts";
import { annualFile, consolidatedFile, realTimeFile, type RteRemoteFile } from "./urls.ts";

const USAGE = "usage: deno task ingest [--year YYYY]... [--current] [PATH...]";
const SUPPORTED = /\.(zip|xls|csv)$/i;

/** Besides the shared deps, tests pass RTE's base URL. */
export interface IngestCliDeps extends CliDeps {
  rteBaseUrl?: string;
}

export async function main(args: string[], deps: IngestCliDeps = {}): Promise<number> {
  let options;
  try {
    options = parseCliArgs(args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const config = cliConfig(deps);
  const rteBaseUrl = deps.rteBaseUrl ?? config.rteBaseUrl;
  return await withCliDatabase(deps, config, 1, async (sql) => {
    const remote = [
      ...options.years.map((year) => annualFile(rteBaseUrl, year)),
      ...(options.current ? [consolidatedFile(rteBaseUrl), realTimeFile(rteBaseUrl)] : []),
    ];
    let failures = 0;
    for (const file of remote) failures += await report(file.name, () => download(sql, file));
    for (const path of options.paths) {
      let files: string[];
      try {
        files = await expandPath(path);
      } catch (error) {
        console.error(`error: Cannot read "${path}": ${(error as Error).message}`);
        failures++;
        continue;
      }
      if (files.length === 0) {
        console.error(`error: ${path}: no .zip, .xls or .csv file in this folder`);
        failures++;
      }
      for (const file of files) failures += await report(file, () => loadPath(sql, file));
    }
    return failures === 0 ? 0 : 1;
  });
}

function parseCliArgs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      year: { type: "string", multiple: true, default: [] },
      current: { type: "boolean", default: false },
    },
  });
  const years = values.year.map((text) => {
    if (!/^\d{4}$/.test(text)) {
      throw new Error(`Cannot parse --year "${text}": expected YYYY`);
    }
    return Number(text);
  });
  if (years.length === 0 && !values.current && positionals.length === 0) {
    throw new Error("nothing to ingest: give a path, --year or --current");
  }
  return { years, current: values.current, paths: positionals };
}

/** Runs one file's load, prints its line, returns 1 on failure. */
async function report(
  label: string,
  load: () => Promise<LoadResult>,
): Promise<number> {
  const started = performance.now();
  try {
    const result = await load();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    clearProgress();
    console.log(
      `${label}: ${result.rowsRead} half-hours read, ${result.rowsChanged} changed (${seconds} s)`,
    );
    return 0;
  } catch (error) {
    clearProgress();
    console.error(`error: ${(error as Error).message}`);
    return 1;
  }
}

async function download(sql: Sql, file: RteRemoteFile): Promise<LoadResult> {
  const response = await conditionalGet(file.url, {});
  if (response.status !== "ok") throw new Error(`${file.url}: unexpected 304`);
  return await loadRteStream(sql, file.name, response.body, progress);
}

async function loadPath(sql: Sql, path: string): Promise<LoadResult> {
  using file = await Deno.open(path);
  return await loadRteStream(
    sql,
    path.split("/").pop()!,
    file.readable,
    progress,
  );
}

/** A file as given, or a directory's supported files (sorted, recursive). */
async function expandPath(path: string): Promise<string[]> {
  if (!(await Deno.stat(path)).isDirectory) return [path];
  const found: string[] = [];
  await walk(path, found);
  return found.sort();
}

async function walk(dir: string, found: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir.replace(/\/+$/, "")}/${entry.name}`;
    if (entry.isDirectory) await walk(path, found);
    else if (entry.isFile && SUPPORTED.test(entry.name)) found.push(path);
  }
}

const isTerminal = Deno.stderr.isTerminal();
const encoder = new TextEncoder();

const progress: Progress = (file, rowsRead) => {
  if (isTerminal) {
    Deno.stderr.writeSync(encoder.encode(`\r${file}: ${rowsRead} half-hours…`));
  }
};

function clearProgress(): void {
  if (isTerminal) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
}

if (import.meta.main) Deno.exit(await runMain(() => main(Deno.args)));
