/**
 * Reads every event of a search although the API serves at most ~1000 results per query
 * (documented rule: size × page < 1000). The time range is split into windows until each
 * window's reported total fits; each window is paged with size 200 and a stable sort; ids
 * are de-duplicated; each window's reading is checked against its reported total and read
 * again when the result set moved underneath (it is not a snapshot).
 */
import { type DiscoveryClient, StopFetching } from "./client.ts";
import type { DiscoveryEvent } from "./discovery_types.ts";
import { formatUtcSeconds } from "../../lib/zoned_time.ts";
import type { InstantWindow } from "./query_range.ts";

export const PAGE_SIZE = 200;
/** Items reachable per query: pages 0..4 of 200 (page × size < 1000). */
export const MAX_REACHABLE = 1000;
// A split aims below the cap: events are unevenly spread, and every window that turns
// out too full costs one wasted request.
const SPLIT_TARGET = 800;
const MAX_REREADS = 2;
// `id,asc` is a total order; `date,asc` has many ties, which page boundaries reorder.
const STABLE_SORT = "id,asc";

export interface HarvestReport {
  /** API calls, retries included. */
  requests: number;
  /** Windows read to the end, and windows that had to be split first. */
  windows: number;
  splits: number;
  /** Sum of the read windows' reported totals, and the distinct ids received. */
  expected: number;
  fetched: number;
  /** Events reported but not received (beyond the paging cap, or a moving result set). */
  missing: number;
  /** Why the run stopped early, and the part of the range left unread. */
  stopped?: string;
  unread?: { from: string; to: string };
  complete: boolean;
}

export interface HarvestResult {
  events: DiscoveryEvent[];
  report: HarvestReport;
}

/** The window's reported total at its last page, or the parts to read instead. */
type WindowRead = { total: number; parts?: undefined } | {
  parts: InstantWindow[];
};

export async function harvestEvents(
  client: DiscoveryClient,
  window: InstantWindow,
  filters: Record<string, string>,
): Promise<HarvestResult> {
  const events = new Map<string, DiscoveryEvent>();
  const report: HarvestReport = {
    requests: 0,
    windows: 0,
    splits: 0,
    expected: 0,
    fetched: 0,
    missing: 0,
    complete: false,
  };
  const startRequests = client.requests;
  const pending = [window]; // a stack, kept chronological: earliest on top
  while (pending.length > 0) {
    const current = pending.pop()!;
    const found = new Map<string, DiscoveryEvent>();
    let read: WindowRead;
    try {
      read = await readWindow(client, current, filters, found);
    } catch (error) {
      if (!(error instanceof StopFetching)) throw error;
      addAll(events, found.values()); // keep what this window gave before the stop
      report.stopped = error.message;
      report.unread = {
        from: formatUtcSeconds(current.startSec * 1000),
        to: formatUtcSeconds(window.endSec * 1000),
      };
      break;
    }
    if (read.parts) {
      report.splits++;
      pending.push(...read.parts.reverse());
      continue;
    }
    report.windows++;
    report.expected += read.total;
    report.missing += Math.max(0, read.total - found.size);
    addAll(events, found.values());
  }
  report.requests = client.requests - startRequests;
  report.fetched = events.size;
  report.complete = report.stopped === undefined && report.missing === 0;
  return { events: [...events.values()], report };
}

/** Fills `found` with the window's events, or returns the parts to read instead. */
async function readWindow(
  client: DiscoveryClient,
  window: InstantWindow,
  filters: Record<string, string>,
  found: Map<string, DiscoveryEvent>,
): Promise<WindowRead> {
  const query = (page: number) => ({
    ...filters,
    startDateTime: formatUtcSeconds(window.startSec * 1000),
    endDateTime: formatUtcSeconds(window.endSec * 1000),
    size: String(PAGE_SIZE),
    page: String(page),
    sort: STABLE_SORT,
  });
  for (let attempt = 0;; attempt++) {
    found.clear();
    const first = await client.searchEvents(query(0));
    const total = first.page.totalElements;
    if (total > MAX_REACHABLE && window.endSec > window.startSec) {
      return { parts: splitWindow(window, total, first.events) };
    }
    addAll(found, first.events);
    const pages = Math.min(
      Math.ceil(total / PAGE_SIZE),
      MAX_REACHABLE / PAGE_SIZE,
    );
    let latestTotal = total;
    for (let page = 1; page < pages; page++) {
      const next = await client.searchEvents(query(page));
      latestTotal = next.page.totalElements;
      if (next.events.length === 0) break;
      addAll(found, next.events);
    }
    const moved = latestTotal !== total ||
      found.size < Math.min(latestTotal, MAX_REACHABLE);
    if (!moved || attempt === MAX_REREADS) return { total: latestTotal };
  }
}

/**
 * Parts expected to hold ~SPLIT_TARGET events each. The first page (200 events in id order,
 * close to a random sample of the window as ids do not follow dates) places the cuts at its
 * start-instant quantiles, so a festival day gets narrow windows in one step; without a
 * usable sample the cuts are equal in time. Parts are contiguous and share no second.
 */
export function splitWindow(
  window: InstantWindow,
  total: number,
  sample: readonly DiscoveryEvent[] = [],
): InstantWindow[] {
  const span = window.endSec - window.startSec + 1;
  const count = Math.min(span, Math.max(2, Math.ceil(total / SPLIT_TARGET)));
  const instants = sample.map(startSec)
    .filter((sec) => sec >= window.startSec && sec <= window.endSec)
    .sort((a, b) => a - b);
  const cuts = new Set<number>();
  for (let i = 1; i < count; i++) {
    const cut = instants.length >= count
      ? instants[Math.floor((i * instants.length) / count)]
      : window.startSec + Math.floor((i * span) / count);
    // A cut at the window's first second isolates that second instead.
    cuts.add(Math.max(cut, window.startSec + 1));
  }
  const starts = [window.startSec, ...[...cuts].sort((a, b) => a - b)];
  return starts.map((start, i) => ({
    startSec: start,
    endSec: i + 1 < starts.length ? starts[i + 1] - 1 : window.endSec,
  }));
}

// The instant the API filters on; events without a time have an undocumented one.
function startSec(event: DiscoveryEvent): number {
  const dateTime = event.dates?.start?.dateTime;
  return typeof dateTime === "string" ? Math.floor(Date.parse(dateTime) / 1000) : NaN;
}

function addAll(
  target: Map<string, DiscoveryEvent>,
  events: Iterable<DiscoveryEvent>,
): void {
  for (const event of events) {
    if (typeof event?.id === "string") target.set(event.id, event);
  }
}
