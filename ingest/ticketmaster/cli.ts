/**
 * `deno task events --from 2025-02-01 --to 2025-06-30 [--segment Music] [--out FILE]`:
 * every Québec event whose local date is in the range → a CSV for spreadsheets, and an
 * upsert into Postgres recorded in the run log (`--no-db` skips both). `--list-segments` prints
 * the live segments.
 * Exit codes: 0 complete, 1 failure, 2 bad usage, 3 incomplete (what was fetched is kept,
 * in `<FILE without .csv>.incomplete.csv`: a complete FILE from an earlier run stays; the next
 * complete run removes it).
 * The API key comes from TICKETMASTER_API_KEY and is never printed or written.
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import type { Config } from "../../config.ts";
import { eventsCsv } from "../../db/events.ts";
import { resolveSegment, type Segment } from "../../db/event_segments.ts";
import { describe, runMain } from "../../lib/cli.ts";
import { cliConfig, type CliDeps, cliStderr, withCliDatabase } from "../cli.ts";
import { unreachableHost } from "../http.ts";
import { type ClientOptions, DEFAULT_MAX_REQUESTS, DiscoveryClient } from "./client.ts";
import { exportEvents, type ExportReport } from "./export_events.ts";
import { type LocalDateRange, parseLocalDateRange } from "./query_range.ts";
import { storeEvents } from "./store_run.ts";

/** `deno task events` may read and write only here (and read db/migrations). */
const DEFAULT_OUT = "exports/events.csv";
const USAGE = "usage: deno task events --from YYYY-MM-DD --to YYYY-MM-DD [--segment NAME|ID] " +
  "[--out FILE|-] [--exclude-archtics] [--no-db] [--max-requests N] | --list-segments";

/** Besides the shared deps, tests pass client settings (spacing, retry delays). */
export interface EventsCliDeps extends CliDeps {
  client?: Partial<ClientOptions>;
}

interface CliOptions {
  range: LocalDateRange;
  segment?: Segment;
  out: string;
  excludeArchtics: boolean;
  store: boolean;
  maxRequests: number;
}

export async function main(args: string[], deps: EventsCliDeps = {}): Promise<number> {
  const stderr = cliStderr(deps);
  const stdout = deps.stdout ?? writeStdout;
  let parsed: CliOptions | "list-segments";
  try {
    parsed = parseCliArgs(args);
  } catch (error) {
    // A value that cannot be used says exactly why; a misused option also gets the usage.
    const usage = error instanceof RangeError ? "" : `\n${USAGE}`;
    stderr(`error: ${(error as Error).message}${usage}`);
    return 2;
  }
  try {
    const config = cliConfig(deps);
    if (!config.ticketmasterApiKey) {
      stderr(
        "error: TICKETMASTER_API_KEY is not set (get a key at https://developer.ticketmaster.com)",
      );
      return 2;
    }
    const forbidden = permissionProblem(
      config.ticketmasterBaseUrl,
      parsed === "list-segments" ? "-" : parsed.out,
    );
    if (forbidden) {
      stderr(`error: ${forbidden}`);
      return 2;
    }
    const client = new DiscoveryClient({
      apiKey: config.ticketmasterApiKey,
      baseUrl: config.ticketmasterBaseUrl,
      ...(parsed === "list-segments" ? {} : { maxRequests: parsed.maxRequests }),
      ...deps.client,
    });
    if (parsed === "list-segments") {
      const segments = await client.listSegments();
      await stdout(segments.map((s) => `${s.id}\t${s.name}\n`).join(""));
      return 0;
    }
    return await exportRun(client, parsed, config, deps, stdout, stderr);
  } catch (error) {
    stderr(`error: ${describe(error)}`);
    return 1;
  }
}

async function exportRun(
  client: DiscoveryClient,
  options: CliOptions,
  config: Config,
  deps: CliDeps,
  stdout: (text: string) => void | Promise<void>,
  stderr: (line: string) => void,
): Promise<number> {
  const startedAt = new Date();
  const { rows, report } = await exportEvents(client, options);
  const label = `${options.range.from}..${options.range.to}` +
    (options.segment ? `, segment ${options.segment.name}` : "");
  // A stop before the first event has nothing worth writing.
  if (rows.length > 0 || report.complete) {
    const csv = eventsCsv(rows);
    // An incomplete run must not replace a complete file from an earlier run.
    const target = options.out === "-" || report.complete
      ? options.out
      : incompletePath(options.out);
    if (target === "-") await stdout(csv);
    else await writeAtomically(target, csv);
    const removedStale = target !== "-" && report.complete && await removeStale(target);
    stderr(
      `${rows.length} Québec events (${label}) → ${target === "-" ? "stdout" : target}` +
        (target === options.out ? "" : ` (incomplete, so ${options.out} is left untouched)`) +
        (removedStale
          ? ` (removed ${incompletePath(target)}, left by an earlier incomplete run)`
          : ""),
    );
  }
  stderr(describeRequests(client, report));
  const problem = incompleteness(report);
  if (options.store && rows.length > 0) {
    let unseen: number;
    try {
      unseen = await withCliDatabase(deps, config, 1, (sql) =>
        storeEvents(sql, {
          rows,
          startedAt,
          label,
          incomplete: problem,
          // Only a complete run of every kind of event can tell that one is no longer listed.
          unseenFilter: report.complete && !options.excludeArchtics
            ? { from: options.range.from, to: options.range.to, segmentId: options.segment?.id }
            : undefined,
        }));
    } catch (error) {
      stderr(
        `error: cannot store the events in Postgres: ${(error as Error).message} ` +
          "(the CSV is written; --no-db skips storage)",
      );
      return 1;
    }
    stderr(`${rows.length} events upserted into Postgres (ticketmaster_events)`);
    if (unseen > 0) {
      stderr(
        `${unseen} stored events of ${label} are no longer listed by Ticketmaster ` +
          "(last_seen_at before this run); they stay in the database",
      );
    }
  }
  if (problem) {
    stderr(`INCOMPLETE: ${problem}`);
    return 3;
  }
  return 0;
}

function describeRequests(client: DiscoveryClient, report: ExportReport): string {
  const quota = client.quotaAvailable === undefined
    ? ""
    : `, ${client.quotaAvailable} calls left today`;
  return `${report.requests} API requests (${client.spikeArrests} spike-arrest retries${quota}) ` +
    `over ${report.windows} time windows (${report.splits} split); ` +
    `${report.fetched} events received, ${report.outsideRange} outside the local dates` +
    (report.unusable ? `, ${report.unusable} without id or date` : "");
}

/** One sentence saying what is missing, or undefined when the export is complete. */
function incompleteness(report: ExportReport): string | undefined {
  const parts: string[] = [];
  if (report.stopped) {
    parts.push(
      `${report.stopped}; events starting from ${report.unread?.from} to ${report.unread?.to} ` +
        "were not read",
    );
  }
  if (report.missing > 0) {
    parts.push(
      `${report.missing} of the ${report.expected} events the API reported could not be fetched ` +
        "(more than 1000 in one second, or the listing changed while paging)",
    );
  }
  return parts.length ? parts.join("; ") : undefined;
}

function parseCliArgs(args: string[]): CliOptions | "list-segments" {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      segment: { type: "string" },
      out: { type: "string", default: DEFAULT_OUT },
      "exclude-archtics": { type: "boolean", default: false },
      "no-db": { type: "boolean", default: false },
      "max-requests": { type: "string" },
      "list-segments": { type: "boolean", default: false },
    },
  });
  if (values["list-segments"]) return "list-segments";
  if (!values.from || !values.to) throw new Error("--from and --to are required");
  return {
    range: parseLocalDateRange(values.from, values.to),
    segment: values.segment === undefined ? undefined : resolveSegment(values.segment),
    out: values.out,
    excludeArchtics: values["exclude-archtics"],
    store: !values["no-db"],
    maxRequests: positiveInteger("--max-requests", values["max-requests"]) ??
      DEFAULT_MAX_REQUESTS,
  };
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) {
    throw new RangeError(`Cannot parse ${name} "${text}": expected a positive integer`);
  }
  return Number(text);
}

/**
 * After a complete run, the incomplete file an earlier run left beside it is out of date.
 * True when there was one.
 */
async function removeStale(out: string): Promise<boolean> {
  try {
    await Deno.remove(incompletePath(out));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** `exports/events.csv` → `exports/events.incomplete.csv`. */
function incompletePath(out: string): string {
  return `${out.replace(/\.csv$/i, "")}.incomplete.csv`;
}

/**
 * Why the run cannot work, checked before any request is spent: the task may reach only
 * app.ticketmaster.com (and Postgres), and only write (and, for the rename, read) under
 * exports/.
 */
function permissionProblem(baseUrl: string, out: string): string | undefined {
  const unreachable = unreachableHost(baseUrl, "TICKETMASTER_BASE_URL");
  if (unreachable) return unreachable.message;
  if (out === "-") return undefined;
  const folder = dirname(out);
  const missing = (["write", "read"] as const).filter((name) =>
    Deno.permissions.querySync({ name, path: folder }).state !== "granted"
  );
  return missing.length === 0 ? undefined : `no permission to ${missing.join(" and ")} ` +
    `"${folder}" for --out ${out} (deno task events may write only under exports/; ` +
    "to write elsewhere, see docs/events.md)";
}

// Write then rename: a crash never leaves a truncated CSV behind.
async function writeAtomically(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.partial`;
  await Deno.writeTextFile(temporary, text);
  await Deno.rename(temporary, path);
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  for (let written = 0; written < bytes.length;) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

if (import.meta.main) Deno.exit(await runMain(() => main(Deno.args)));
