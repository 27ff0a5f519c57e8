/**
 * Stores an export's events and records the run in the run log: one item for the date range
 * read, rows changed = events upserted, the run failed when the export is incomplete. A store
 * that fails is recorded as failed (when the database still answers), then thrown.
 */
import type { Sql } from "../../db/client.ts";
import {
  countUnseenSince,
  type EventFilter,
  type EventRow,
  TICKETMASTER_SOURCE,
  upsertEvents,
} from "../../db/events.ts";
import type { RunItem } from "../../db/run_log.ts";
import { loggedRun } from "../run_log.ts";

/** The date range of a run, as the run log keeps it. */
export interface RangeRunItem extends RunItem {
  status: "complete" | "incomplete";
}

export interface EventsToStore {
  rows: readonly EventRow[];
  /** The run's start: the run log's started_at, and the events' last_seen_at. */
  startedAt: Date;
  /** The range as the CLI names it, e.g. `2025-02-01..2025-06-30, segment Music`. */
  label: string;
  /** Why the export is incomplete; undefined when it is complete. */
  incomplete?: string;
  /** Set when the run read every event of this filter: count the stored ones it did not see. */
  unseenFilter?: EventFilter;
}

/** Returns how many stored events of `unseenFilter` the run did not see (0 without one). */
export async function storeEvents(sql: Sql, store: EventsToStore): Promise<number> {
  let unseen = 0;
  // The run is recorded only now: fetching needs no database, and the CSV is written without.
  await loggedRun<RangeRunItem>(sql, TICKETMASTER_SOURCE, async (run) => {
    const upserted = await upsertEvents(sql, store.rows, store.startedAt);
    if (store.unseenFilter) {
      unseen = await countUnseenSince(sql, store.unseenFilter, store.startedAt);
    }
    await run.add({
      name: store.label,
      status: store.incomplete ? "incomplete" : "complete",
      rowsChanged: upserted,
      error: store.incomplete,
    });
    return { error: store.incomplete };
  }, store.startedAt);
  return unseen;
}
