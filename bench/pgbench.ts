/**
 * pgbench on the SELECT of listConsumption, over random windows as long as the HTTP ones.
 *
 * pgbench passes only numbers, and the one number PostgreSQL reads as a timestamptz is a date,
 * YYYYMMDD, at midnight in the session's zone. The session runs in UTC+00:15, whose midnights
 * fall between half-hours: a window from one midnight to another N days later then holds
 * exactly N × 48 half-hours, like the HTTP windows. Its start is a random day whose window lies
 * inside the data; the script turns the day number into YYYYMMDD (Hinnant's civil_from_days).
 */
import type { Sql } from "../db/client.ts";
import { listConsumption } from "../db/consumption.ts";
import {
  DAY_S,
  HALF_HOUR_S,
  type Island,
  startCount,
  type StartRun,
  startRuns,
} from "./windows.ts";
import { WRK_CONNECTIONS, WRK_THREADS } from "./wrk.ts";

/** POSIX writes offsets west of Greenwich as positive: this is UTC+00:15. */
const QUARTER_PAST_ZONE = "<+0015>-00:15";
const MIDNIGHTS = { stepS: DAY_S, phaseS: -15 * 60 };
/** Half-hours a window may lack: the autumn changeover's repeated hour, twice in a year. */
export const MISSING_AT_MOST = 4;
const VARIABLES = { perimeter: ":perimeter", start: ":lo", end: ":hi" };

export interface PgbenchResult {
  transactionsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * The text listConsumption sends, read by calling it with a tag that records instead of
 * querying, its parameters named as pgbench variables: it follows any change to the query.
 */
export async function listConsumptionSelect(): Promise<string> {
  const range = { perimeter: "France", start: new Date(0), end: new Date(1) };
  const names = new Map<unknown, string>([
    [range.perimeter, VARIABLES.perimeter],
    [range.start, VARIABLES.start],
    [range.end, VARIABLES.end],
  ]);
  let text: string | undefined;
  const record = (strings: TemplateStringsArray, ...values: unknown[]) => {
    text = strings.reduce((sql, part, i) => {
      const name = names.get(values[i - 1]);
      if (!name) throw new Error(`listConsumption sends a parameter pgbench cannot name`);
      return sql + name + part;
    });
    return Promise.resolve([]);
  };
  await listConsumption(record as unknown as Sql, range);
  if (!text) throw new Error("listConsumption sent no query");
  return text;
}

/** pgbench's script: a random window of `days` days, then `select`. */
export function pgbenchScript(islands: Island[], days: number, select: string): string {
  const runs = startRuns(islands, days * DAY_S, MIDNIGHTS);
  if (runs.length === 0) throw new RangeError(`Cannot fit a window of ${days} days in the data`);
  return [
    `\\set i random(0, ${startCount(runs) - 1})`,
    `\\set day ${dayOf(runs)}`,
    ...yyyymmdd("day", "lo"),
    `\\set day :day + ${days}`,
    ...yyyymmdd("day", "hi"),
    select.trim(),
    "",
  ].join("\n");
}

/**
 * The same windows, each checked to hold `days` × 48 rows, less the autumn changeovers' hours
 * the files lack (at most two in a year): pgbench fails on the first that does not (the cast
 * fails with the count in its message).
 */
export function pgbenchCheckScript(islands: Island[], days: number, select: string): string {
  const rows = days * DAY_S / HALF_HOUR_S;
  const script = pgbenchScript(islands, days, "").trim();
  return [
    script,
    `select count(*) as found from (${select.trim()}) as answer \\gset`,
    `\\if :found < ${rows - MISSING_AT_MOST} or :found > ${rows}`,
    `select ('a pgbench window holds ' || :found || ' rows, not ${
      rows - MISSING_AT_MOST
    } to ${rows}')::int;`,
    `\\endif`,
    "",
  ].join("\n");
}

/** The day number of the i-th possible start: runs taken in order, as windows.ts's nthStart. */
function dayOf(runs: StartRun[]): string {
  let before = 0;
  const cases = runs.map((run) => {
    const day = `${run.first} + :i - ${before}`;
    before += run.count;
    return { below: before, day };
  });
  if (cases.length === 1) return cases[0].day;
  const whens = cases.slice(0, -1).map((c) => `when :i < ${c.below} then ${c.day}`);
  return `case ${whens.join(" ")} else ${cases.at(-1)!.day} end`;
}

/** `\set` lines turning day number `day` (days since 1970-01-01) into YYYYMMDD in `into`. */
function yyyymmdd(day: string, into: string): string[] {
  return [
    `\\set z :${day} + 719468`,
    `\\set era :z / 146097`,
    `\\set doe :z - :era * 146097`,
    `\\set yoe (:doe - :doe / 1460 + :doe / 36524 - :doe / 146096) / 365`,
    `\\set doy :doe - (365 * :yoe + :yoe / 4 - :yoe / 100)`,
    `\\set mp (5 * :doy + 2) / 153`,
    `\\set d :doy - (153 * :mp + 2) / 5 + 1`,
    `\\set m case when :mp < 10 then :mp + 3 else :mp - 9 end`,
    `\\set y :yoe + :era * 400 + case when :m <= 2 then 1 else 0 end`,
    `\\set ${into} :y * 10000 + :m * 100 + :d`,
  ];
}

/**
 * Runs `script` with wrk's clients and threads, prepared statements, no vacuum; latencies
 * come from pgbench's per-transaction log, written under `workDir`.
 */
export async function runPgbench(
  url: string,
  script: string,
  { seconds, workDir }: { seconds: number; workDir: string },
): Promise<PgbenchResult> {
  const dir = await Deno.makeTempDir({ dir: workDir, prefix: "pgbench_" });
  try {
    const scriptPath = `${dir}/script.sql`;
    await Deno.writeTextFile(scriptPath, script);
    const text = await pgbench(url, [
      `-c${WRK_CONNECTIONS}`,
      `-j${WRK_THREADS}`,
      `-T${seconds}`,
      "--log",
      `--log-prefix=${dir}/log`,
      "-f",
      scriptPath,
    ]);
    const tps = /^tps = ([\d.]+)/m.exec(text);
    if (!tps) throw new Error(`Cannot read pgbench's tps in:\n${text}`);
    const latencies = await loggedLatenciesMs(dir);
    return {
      transactionsPerSecond: Number(tps[1]),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the check script `transactions` times on one client; throws on the first bad window. */
export async function checkPgbenchWindows(
  url: string,
  script: string,
  { transactions, workDir }: { transactions: number; workDir: string },
): Promise<void> {
  const path = await Deno.makeTempFile({ dir: workDir, prefix: "pgbench_check_", suffix: ".sql" });
  try {
    await Deno.writeTextFile(path, script);
    await pgbench(url, ["-c1", `-t${transactions}`, "-f", path]);
  } finally {
    await Deno.remove(path);
  }
}

async function pgbench(url: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("pgbench", {
    args: ["-n", "-M", "prepared", "-D", "perimeter=France", ...args, url],
    env: { PGTZ: QUARTER_PAST_ZONE },
    stdin: "null",
  }).output();
  const text = decode(output.stdout);
  const failed = /number of failed transactions: (\d+)/.exec(text)?.[1];
  if (output.code !== 0 || (failed && failed !== "0")) {
    throw new Error(`pgbench ${args.join(" ")} failed:\n${text}${decode(output.stderr)}`);
  }
  return text;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** The third field of each line of every log file: the transaction's latency in µs. */
async function loggedLatenciesMs(dir: string): Promise<number[]> {
  const latencies: number[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.startsWith("log.")) continue;
    for (const line of (await Deno.readTextFile(`${dir}/${entry.name}`)).split("\n")) {
      const field = line.split(" ")[2];
      if (field) latencies.push(Number(field) / 1000);
    }
  }
  if (latencies.length === 0) throw new Error("pgbench logged no transactions");
  return latencies.sort((a, b) => a - b);
}

/** The value below which `fraction` of the sorted values lie (nearest rank). */
function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}
