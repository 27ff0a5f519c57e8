/** Queries over `ticketmaster_events`. */
import type { Sql } from "./client.ts";
import { CSV_COLUMNS, type EventRow, formatUtc } from "../ingest/ticketmaster/event_row.ts";

export interface StoredEvent extends EventRow {
  fetched_at: string;
}

export interface EventFilter {
  /** Local dates, both included. */
  from: string;
  to: string;
  segmentId?: string;
}

const COLUMNS = [...CSV_COLUMNS, "segment_id", "fetched_at"] as const;
// Constant column names only: safe to splice into the statement.
const UPDATE_SET = COLUMNS.filter((column) => column !== "id")
  .map((column) => `${column} = excluded.${column}`).join(", ");
// 20 parameters per row; postgres allows 65,535 per statement.
const BATCH_ROWS = 1000;

/** Inserts or refreshes events by id, all or nothing; returns how many were written. */
export async function upsertEvents(
  sql: Sql,
  rows: readonly EventRow[],
  fetchedAt: Date,
): Promise<number> {
  await sql.begin(async (tx) => {
    for (let i = 0; i < rows.length; i += BATCH_ROWS) {
      const batch = rows.slice(i, i + BATCH_ROWS).map((row) => ({
        ...row,
        fetched_at: fetchedAt,
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
    (Omit<StoredEvent, "start_utc" | "fetched_at"> & {
      start_utc: Date | null;
      fetched_at: Date;
    })[]
  >`
    select id, title, local_date::text as local_date, local_time::text as local_time,
      start_utc, time_zone, venue_name, address, address_lines, city, province,
      postal_code, country, image_url, segment, segment_id, genre, status, url, fetched_at
    from ticketmaster_events
    where local_date between ${filter.from}::date and ${filter.to}::date
      ${filter.segmentId ? sql`and segment_id = ${filter.segmentId}` : sql``}`;
  return rows.map((row) => ({
    ...row,
    start_utc: row.start_utc && formatUtc(row.start_utc.getTime()),
    fetched_at: row.fetched_at.toISOString(),
  }));
}
