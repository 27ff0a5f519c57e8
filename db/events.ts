/** Queries over `ticketmaster_events`. */
import type { Sql } from "./client.ts";
import { inTransaction } from "./transaction.ts";
import { type CsvValue, toCsv } from "../lib/csv.ts";
import { formatUtcSeconds } from "../lib/zoned_time.ts";

/** This feed's name in the run log (`refresh_runs.source`). */
export const TICKETMASTER_SOURCE = "ticketmaster";

export interface EventRow {
  id: string;
  title: string;
  /** YYYY-MM-DD at the venue. */
  local_date: string;
  /** HH:MM:SS at the venue; null when the API gives none (time TBA, no specific time). */
  local_time: string | null;
  /** `2025-02-01T01:00:00Z`, when the API gives it. */
  start_utc: string | null;
  time_zone: string | null;
  /**
   * Every venue's name, `; `-separated, the one the address columns describe first (the first
   * venue in Québec): `Theatre du Casino du Lac-Leamy; National Arts Centre`.
   */
  venue_name: string | null;
  /** `line1, line2, City (QC) H2X 1Y4, Canada`, empty parts skipped. */
  address: string | null;
  address_lines: string | null;
  city: string | null;
  province: string | null;
  postal_code: string | null;
  country: string | null;
  /** The largest image by area. */
  image_url: string | null;
  segment: string | null;
  genre: string | null;
  /** onsale, offsale, cancelled, postponed, rescheduled. */
  status: string | null;
  url: string | null;
  /** The primary classification's segment, as `segment`; not a CSV column. */
  segment_id: string | null;
  /**
   * Every segment of every classification, primary first: the API's `segmentId` filter
   * matches any of them, and so does the stored events' segment filter. Not a CSV column.
   */
  segment_ids: string[];
}

/** The CSV columns, in order (every EventRow field but segment_id and segment_ids). */
export const CSV_COLUMNS = [
  "id",
  "title",
  "local_date",
  "local_time",
  "start_utc",
  "time_zone",
  "venue_name",
  "address",
  "address_lines",
  "city",
  "province",
  "postal_code",
  "country",
  "image_url",
  "segment",
  "genre",
  "status",
  "url",
] as const satisfies readonly (keyof EventRow)[];

/** Date, then time (events without a time first), then title, then id. */
export function compareRows(a: EventRow, b: EventRow): number {
  return compareText(a.local_date, b.local_date) ||
    compareText(a.local_time ?? "", b.local_time ?? "") ||
    compareText(a.title, b.title) ||
    compareText(a.id, b.id);
}

export function eventsCsv(rows: readonly EventRow[]): string {
  return toCsv(
    [...CSV_COLUMNS],
    rows.map((row): CsvValue[] => CSV_COLUMNS.map((column) => row[column])),
  );
}

// Code-unit order: the same on every machine, unlike locale collation.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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
    start_utc: row.start_utc && formatUtcSeconds(row.start_utc.getTime()),
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

/**
 * The newest `last_seen_at`, i.e. the start of the last run that stored events, for
 * GET /api/status; null when none is stored. One probe from the end of its index.
 */
export async function newestSeenAt(sql: Sql): Promise<Date | null> {
  const [{ newest }] = await sql<{ newest: Date | null }[]>`
    select max(last_seen_at) as newest from ticketmaster_events`;
  return newest;
}

// `@>` rather than `= any(...)`: only the former can use the GIN index on segment_ids.
function matching(sql: Sql, filter: EventFilter) {
  return sql`local_date between ${filter.from}::date and ${filter.to}::date
    ${filter.segmentId ? sql`and segment_ids @> array[${filter.segmentId}]::text[]` : sql``}`;
}
