/**
 * Loads one RTE file into `rte_consumption` in one transaction: it either lands whole or
 * not at all. Rows are streamed and written in batches (`unnest` arrays), so memory stays
 * flat. Nature precedence is enforced by the upsert wherever rows already exist: definitive >
 * consolidated > real time; an equal nature overwrites only a changed value, so re-running a
 * load changes nothing. Loads hold one advisory lock, so they never interleave.
 */
import type { Sql, Transaction } from "../../db/client.ts";
import { type ChangedSpan, type Nature, notifyConsumptionChanged } from "../../db/consumption.ts";
import { analyzeIfMuchChanged } from "../../db/analyze.ts";
import { inTransaction } from "../../db/transaction.ts";
import { RteFormatError } from "./errors.ts";
import { type HalfHour, toHalfHour } from "./half_hours.ts";
import { decodeLines } from "./lines.ts";
import { type Dialect, parseConsumption } from "./parse.ts";
import { openZipEntry } from "./unzip.ts";

export { RteFormatError };

export interface RteSource {
  /** File name as downloaded: `.zip` (as RTE serves it), `.xls`, or an ODRÉ `.csv`. */
  name: string;
  bytes: Uint8Array;
}

export interface LoadResult {
  file: string;
  /** Half-hour values read from the file. */
  rowsRead: number;
  /** Rows inserted or updated (0 on a re-run). */
  rowsChanged: number;
}

export type Progress = (file: string, rowsRead: number) => void;

const BATCH_SIZE = 2500;
// What the service's queries filter and order on: the statistics the planner reads.
const ANALYZED_COLUMNS = ["perimeter", "period_start", "nature"];

export async function loadRteSource(sql: Sql, source: RteSource): Promise<LoadResult> {
  return await loadRteStream(sql, source.name, single(source.bytes));
}

/**
 * Streams a file (zip or text; a file on disk or a download) into the database; `name`
 * decides how it is read. The input is closed (a download cancelled) however the load ends.
 */
export async function loadRteStream(
  sql: Sql,
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  progress?: Progress,
): Promise<LoadResult> {
  const input = chunks[Symbol.asyncIterator]();
  try {
    return await loadInTransaction(sql, name, { [Symbol.asyncIterator]: () => input }, progress);
  } finally {
    await input.return?.();
  }
}

async function loadInTransaction(
  sql: Sql,
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  progress?: Progress,
): Promise<LoadResult> {
  return await inTransaction(sql, async (tx) => {
    // Loads run one at a time (also across processes): each sees the others' committed rows.
    await tx`select pg_advisory_xact_lock(hashtextextended('rte_consumption loads', 0))`;
    let rowsRead = 0;
    let rowsChanged = 0;
    let batch = new Map<string, PerimeterRows>();
    let batchSize = 0;
    const spans = new Map<string, ChangedSpan>(); // perimeter → half-hours read, first to last
    // One write in flight while the next batch is parsed: the database and the parser overlap.
    let inFlight: Promise<number> | undefined;
    const flush = async () => {
      const previous = inFlight;
      inFlight = writeBatch(tx, name, batch);
      inFlight.catch(() => {}); // awaited later; this only keeps it from counting as unhandled
      batch = new Map();
      batchSize = 0;
      if (previous) rowsChanged += await previous;
      progress?.(name, rowsRead);
    };
    try {
      for await (const records of parseContent(name, chunks)) {
        for (const record of records) {
          const halfHour = toHalfHour(name, record);
          if (!halfHour) continue;
          rowsRead++;
          let rows = batch.get(halfHour.perimeter);
          if (!rows) batch.set(halfHour.perimeter, rows = emptyRows());
          append(rows, halfHour.periodStartMs / 1000, halfHour.consumptionMw, halfHour.nature);
          widenSpan(spans, halfHour);
          batchSize++;
        }
        if (batchSize >= BATCH_SIZE) await flush();
      }
      await flush();
      rowsChanged += await inFlight!;
    } finally {
      // On a failure, the write under way must end before the ROLLBACK is sent, or its
      // remaining statements would run after it, outside the transaction.
      await inFlight?.catch(() => {});
    }
    if (rowsRead === 0) throw new RteFormatError(name, "no consumption value in the file");
    if (rowsChanged > 0) await notifyConsumptionChanged(tx, [...spans.values()]);
    // Inside the transaction: the statistics commit with the rows they describe (readers,
    // notified at commit, never plan with the old ones), the loaders' lock keeps two loads from
    // both deciding to analyse, and a load is never committed without the analysis it called
    // for: after the commit, a failed or interrupted ANALYZE would stay missing, since
    // re-running the load changes nothing and so does not analyse.
    await analyzeIfMuchChanged(tx, "rte_consumption", ANALYZED_COLUMNS, rowsChanged);
    return { file: name, rowsRead, rowsChanged };
  });
}

/** Widens the perimeter's span to the half-hour: listeners drop what overlaps it on commit. */
function widenSpan(spans: Map<string, ChangedSpan>, { perimeter, periodStartMs }: HalfHour): void {
  const span = spans.get(perimeter);
  if (!span) spans.set(perimeter, { perimeter, firstMs: periodStartMs, lastMs: periodStartMs });
  else {
    span.firstMs = Math.min(span.firstMs, periodStartMs);
    span.lastMs = Math.max(span.lastMs, periodStartMs);
  }
}

/** A batch's half-hours of one perimeter, as the columns the statements take. */
interface PerimeterRows {
  epochs: number[]; // seconds
  mw: number[];
  natures: Nature[];
  /** Strictly increasing instants, so none repeats (a file lists them in time order). */
  increasing: boolean;
  /** All of one nature (a file has one). */
  oneNature: boolean;
}

function emptyRows(): PerimeterRows {
  return { epochs: [], mw: [], natures: [], increasing: true, oneNature: true };
}

function append(rows: PerimeterRows, epoch: number, mw: number, nature: Nature): void {
  const count = rows.epochs.length;
  if (count > 0 && epoch <= rows.epochs[count - 1]) rows.increasing = false;
  if (count > 0 && nature !== rows.natures[0]) rows.oneNature = false;
  rows.epochs.push(epoch);
  rows.mw.push(mw);
  rows.natures.push(nature);
}

/** The rows at `indexes`, in that order. */
function rowsAt(rows: PerimeterRows, indexes: Iterable<number>): PerimeterRows {
  const picked = emptyRows();
  for (const index of indexes) {
    append(picked, rows.epochs[index], rows.mw[index], rows.natures[index]);
  }
  return picked;
}

/** Writes a batch, one statement per perimeter and nature; returns the rows changed. */
async function writeBatch(
  tx: Transaction,
  sourceFile: string,
  batch: Map<string, PerimeterRows>,
): Promise<number> {
  let changed = 0;
  for (const [perimeter, rows] of batch) {
    for (const [nature, group] of byNature(lastOfEachInstant(rows))) {
      changed += await writeGroup(tx, sourceFile, perimeter, nature, group);
    }
  }
  return changed;
}

/**
 * The rows with each instant once, holding its last value: the last one wins inside a batch,
 * as ON CONFLICT does across batches.
 */
function lastOfEachInstant(rows: PerimeterRows): PerimeterRows {
  if (rows.increasing) return rows;
  const lastIndex = new Map<number, number>();
  rows.epochs.forEach((epoch, index) => lastIndex.set(epoch, index));
  return rowsAt(rows, lastIndex.values());
}

function byNature(rows: PerimeterRows): Map<Nature, PerimeterRows> {
  if (rows.oneNature) return new Map([[rows.natures[0], rows]]);
  const indexes = Map.groupBy(rows.natures.keys(), (index) => rows.natures[index]);
  return new Map([...indexes].map(([nature, group]) => [nature, rowsAt(rows, group)]));
}

/**
 * One statement, so the database needs no answer from here midway. Where the group's time
 * range holds no stored row yet (a first load) it is a plain INSERT, as fast as COPY;
 * otherwise the upsert applies the precedence rule. The loaders' lock makes the check safe.
 * Only the INSERT chosen reads the input (inlined in both, so it is sent once); the plain one
 * changes every row it is given.
 */
async function writeGroup(
  tx: Transaction,
  sourceFile: string,
  perimeter: string,
  nature: Nature,
  { epochs, mw }: PerimeterRows,
): Promise<number> {
  let first = epochs[0];
  let last = epochs[0];
  for (const epoch of epochs) {
    if (epoch < first) first = epoch;
    if (epoch > last) last = epoch;
  }
  const [{ stored, upserted }] = await tx<{ stored: boolean; upserted: number }[]>`
    with input as not materialized (
      select ${perimeter} as perimeter, to_timestamp(epoch) as period_start, mw,
        ${nature}::rte_nature as nature, ${sourceFile} as source_file
      from unnest(${arrayLiteral(epochs)}::float8[], ${arrayLiteral(mw)}::integer[])
        as input(epoch, mw)
    ), check_stored as (
      select exists (
        select 1 from rte_consumption
        where perimeter = ${perimeter}
          and period_start between to_timestamp(${first}) and to_timestamp(${last})
      ) as stored
    ), inserted as (
      insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
      select * from input where not (select stored from check_stored)
    ), upserted as (
      insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
      select * from input where (select stored from check_stored)
      on conflict (perimeter, period_start) do update
        set consumption_mw = excluded.consumption_mw,
            nature = excluded.nature,
            source_file = excluded.source_file,
            loaded_at = now()
        where excluded.nature > rte_consumption.nature
           or (excluded.nature = rte_consumption.nature
               and excluded.consumption_mw <> rte_consumption.consumption_mw)
      returning 1
    )
    select (select stored from check_stored), (select count(*) from upserted)::int as upserted`;
  return stored ? upserted : epochs.length;
}

/** A Postgres array literal of numbers: none needs quoting, and one join is far cheaper. */
function arrayLiteral(values: number[]): string {
  return `{${values.join(",")}}`;
}

/** Records of a file: unzips when needed, picks the dialect from the (entry) name. */
async function* parseContent(name: string, chunks: AsyncIterable<Uint8Array>) {
  let label = name;
  if (name.toLowerCase().endsWith(".zip")) {
    const entry = await openZipEntry(name, chunks);
    label = `${name}/${entry.name}`;
    chunks = entry.chunks;
  }
  const dialect = dialectOf(label);
  yield* parseConsumption(label, dialect, decodeLines(label, chunks, encodingOf(dialect)));
}

function dialectOf(name: string): Dialect {
  const lower = name.toLowerCase();
  if (lower.endsWith(".xls")) return "eco2mix";
  if (lower.endsWith(".csv")) return "odre";
  throw new RteFormatError(
    name,
    "unsupported file type (expected .zip, .xls or .csv)",
  );
}

function encodingOf(dialect: Dialect): "latin1" | "utf-8" {
  return dialect === "eco2mix" ? "latin1" : "utf-8";
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
