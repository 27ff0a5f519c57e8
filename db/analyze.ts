/**
 * Table statistics right after a load, instead of whenever autovacuum gets to them (it may be
 * slow, or off): until then the planner guesses from a table it has never sampled, e.g. a
 * bitmap scan plus a sort for a year's read that the primary key returns in order.
 */
import type { Transaction } from "./client.ts";

// Autovacuum's defaults (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor): a load
// analyses when autovacuum would, only at once. Constants rather than the server's settings,
// which are often raised to quieten autovacuum: here the loaders are the table's writers.
const ANALYZE_THRESHOLD_ROWS = 50;
const ANALYZE_SCALE_FACTOR = 0.1;

/**
 * Analyses `columns` of `table` when it was never analysed, or when `rowsChanged` (inserted or
 * updated by the load running in `tx`) is a significant share of the rows it held when last
 * analysed. Decided from pg_class.reltuples, which only VACUUM and ANALYZE set, not from the
 * pg_stat counters: PostgreSQL 15 flushes those lazily, so the load's changes are not in yet.
 *
 * Only the columns the planner needs statistics of: the others would make every load's
 * ANALYZE half as long again. Autovacuum, where it runs, still analyses the whole table later,
 * since an ANALYZE limited to some columns leaves its change counter as it was.
 * Returns whether it analysed.
 */
export async function analyzeIfMuchChanged(
  tx: Transaction,
  table: string,
  columns: string[],
  rowsChanged: number,
): Promise<boolean> {
  if (rowsChanged === 0) return false;
  const [{ reltuples, analysed }] = await tx<{ reltuples: number; analysed: boolean }[]>`
    select c.reltuples, exists (
      select from pg_stats s where s.schemaname = n.nspname and s.tablename = c.relname
    ) as analysed
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.oid = ${table}::regclass`;
  // reltuples is -1 until the first VACUUM or ANALYZE.
  const due = reltuples < 0 || !analysed ||
    rowsChanged >= ANALYZE_THRESHOLD_ROWS + ANALYZE_SCALE_FACTOR * reltuples;
  if (due) await tx`analyze ${tx(table)} (${tx(columns)})`;
  return due;
}
