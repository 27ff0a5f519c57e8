/**
 * Loads one RTE file into `rte_consumption` in one transaction: it either lands whole or
 * not at all. Rows are streamed and written in batches (`unnest` arrays), so memory stays
 * flat. Nature precedence is enforced by the upsert wherever rows already exist: definitive >
 * consolidated > real time; an equal nature overwrites only a changed value, so re-running a
 * load changes nothing. Loads hold one advisory lock, so they never interleave.
 */
import type { Sql, Transaction } from "../../db/client.ts";
import { notifyConsumptionChanged } from "../../db/consumption.ts";
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
    let batch = new Map<string, Map<number, HalfHour>>(); // perimeter → instant → value
    let batchSize = 0;
    // One write in flight while the next batch is parsed: the database and the parser overlap.
    let inFlight: Promise<number> | undefined;
    const flush = async () => {
      const previous = inFlight;
      inFlight = upsertHalfHours(tx, name, [...batch.values()].flatMap((m) => [...m.values()]));
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
          // Last one wins inside a batch; ON CONFLICT handles repeats across batches.
          let instants = batch.get(halfHour.perimeter);
          if (!instants) batch.set(halfHour.perimeter, instants = new Map());
          instants.set(halfHour.periodStartMs, halfHour);
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
    if (rowsChanged > 0) await notifyConsumptionChanged(tx);
    return { file: name, rowsRead, rowsChanged };
  });
}

/**
 * Writes a batch, one statement per (perimeter, nature) group; returns rows changed. A group
 * whose time range holds no stored row yet (a first load) is a plain INSERT, as fast as COPY;
 * otherwise the upsert applies the precedence rule. The loaders' lock makes the check safe.
 */
async function upsertHalfHours(
  tx: Transaction,
  sourceFile: string,
  rows: HalfHour[],
): Promise<number> {
  const groups = Map.groupBy(rows, (row) => `${row.perimeter}\u0000${row.nature}`);
  let changed = 0;
  for (const group of groups.values()) {
    const { perimeter, nature } = group[0];
    const epochs = group.map((r) => r.periodStartMs / 1000);
    const [{ stored }] = await tx`
      select exists (
        select 1 from rte_consumption
        where perimeter = ${perimeter}
          and period_start between to_timestamp(${Math.min(...epochs)})
                               and to_timestamp(${Math.max(...epochs)})
      ) as stored`;
    const input = tx`
      select ${perimeter}, to_timestamp(epoch), mw, ${nature}::rte_nature, ${sourceFile}
      from unnest(
        ${tx.array(epochs)}::float8[],
        ${tx.array(group.map((r) => r.consumptionMw))}::integer[]
      ) as input(epoch, mw)`;
    const result = stored
      ? await tx`
        insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
        ${input}
        on conflict (perimeter, period_start) do update
          set consumption_mw = excluded.consumption_mw,
              nature = excluded.nature,
              source_file = excluded.source_file,
              loaded_at = now()
          where excluded.nature > rte_consumption.nature
             or (excluded.nature = rte_consumption.nature
                 and excluded.consumption_mw <> rte_consumption.consumption_mw)`
      : await tx`
        insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
        ${input}`;
    changed += result.count;
  }
  return changed;
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
