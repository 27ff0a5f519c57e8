/** Queries over `ticketmaster_events`. */
import type { Sql } from "./client.ts";
import { inTransaction } from "./transaction.ts";
import { CSV_COLUMNS, type EventRow, formatUtc } from "../ingest/ticketmaster/event_row.ts";

export interface StoredEvent extends EventRow {
  /** Start of the last run that listed the event (ISO). */
  last_seen_at: string;
}

export interface EventFilter {
  /** Local dates, both included. */
  from: string;
  to: string;
  /** Matches any of an event's classifications, like the API's `segmentId`. */
  segmentId?: string;
}

const COLUMNS = [...CSV_COLUMNS, "segment_id", "segment_ids", "last_seen_at"] as const;
// Constant column names only: safe to splice into the statement.
const UPDATE_SET = COLUMNS.filter((column) => column !== "id")
  .map((column) => `${column} = excluded.${column}`).join(", ");
// 21 parameters per row; postgres allows 65,535 per statement.
const BATCH_ROWS = 1000;

/**
 * Inserts or refreshes events by id, all or nothing; returns how many were written.
 * `seenAt` (the run's start) becomes their `last_seen_at`.
 */
export async function upsertEvents(
  sql: Sql,
  rows: readonly EventRow[],
  seenAt: Date,
): Promise<number> {
  await inTransaction(sql, async (tx) => {
    for (let i = 0; i < rows.length; i += BATCH_ROWS) {
      const batch = rows.slice(i, i + BATCH_ROWS).map((row) => ({
        ...row,
        last_seen_at: seenAt,
      }));
      await tx`
        insert into ticketmaster_events ${tx(batch, ...COLUMNS)}
        on conflict (id) do update set ${tx.unsafe(UPDATE_SET)}`;
    }
  });
  return rows.length;
}

/** Stored events whose local date is in the range (unsorted: callers use compareRows). */
export async function listEvents(
  sql: Sql,
  filter: EventFilter,
): Promise<StoredEvent[]> {
  const rows = await sql<
    (Omit<StoredEvent, "start_utc" | "last_seen_at"> & {
      start_utc: Date | null;
      last_seen_at: Date;
    })[]
  >`
    select id, title, local_date::text as local_date, local_time::text as local_time,
      start_utc, time_zone, venue_name, address, address_lines, city, province,
      postal_code, country, image_url, segment, segment_id, segment_ids, genre, status, url,
      last_seen_at
    from ticketmaster_events
    where ${matching(sql, filter)}`;
  return rows.map((row) => ({
    ...row,
    start_utc: row.start_utc && formatUtc(row.start_utc.getTime()),
    last_seen_at: row.last_seen_at.toISOString(),
  }));
}

/**
 * Stored events of the filter that no run listed since `since`: after a complete run that
 * started then, these are the ones Ticketmaster no longer lists (removed, or moved out of
 * the range or segment).
 */
export async function countUnseenSince(
  sql: Sql,
  filter: EventFilter,
  since: Date,
): Promise<number> {
  const [{ count }] = await sql<{ count: number }[]>`
    select count(*)::int as count from ticketmaster_events
    where ${matching(sql, filter)} and last_seen_at < ${since}`;
  return count;
}

// `@>` rather than `= any(...)`: only the former can use the GIN index on segment_ids.
function matching(sql: Sql, filter: EventFilter) {
  return sql`local_date between ${filter.from}::date and ${filter.to}::date
    ${filter.segmentId ? sql`and segment_ids @> array[${filter.segmentId}]::text[]` : sql``}`;
}
