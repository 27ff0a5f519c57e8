/** Québec events of a local date range → sorted rows, with the run's report. */
import type { DiscoveryClient } from "./client.ts";
import { compareRows, type EventRow } from "../../db/events.ts";
import { toEventRow } from "./event_row.ts";
import { harvestEvents, type HarvestReport } from "./harvest.ts";
import { isInRange, type LocalDateRange, queryWindow } from "./query_range.ts";
import type { Segment } from "../../db/event_segments.ts";

export interface ExportOptions {
  range: LocalDateRange;
  segment?: Segment;
  /**
   * Skip events whose venue country is "CAN" (Archtics: season tickets, suites, passes,
   * sold by the venues' own systems) by asking for countryCode=CA, which drops them.
   */
  excludeArchtics?: boolean;
}

export interface ExportReport extends HarvestReport {
  /** Received events whose local date is outside the range (the query's margins). */
  outsideRange: number;
  /** Received events without an id or a local date (cannot be placed). */
  unusable: number;
}

export interface ExportResult {
  rows: EventRow[];
  report: ExportReport;
}

export async function exportEvents(
  client: DiscoveryClient,
  options: ExportOptions,
): Promise<ExportResult> {
  const filters: Record<string, string> = { stateCode: "QC" };
  if (options.excludeArchtics) filters.countryCode = "CA";
  if (options.segment) filters.segmentId = options.segment.id;
  const { events, report } = await harvestEvents(
    client,
    queryWindow(options.range),
    filters,
  );
  const rows: EventRow[] = [];
  let outsideRange = 0;
  let unusable = 0;
  for (const event of events) {
    const row = toEventRow(event);
    if (!row) unusable++;
    else if (!isInRange(row.local_date, options.range)) outsideRange++;
    else rows.push(row);
  }
  rows.sort(compareRows);
  return { rows, report: { ...report, outsideRange, unusable } };
}
