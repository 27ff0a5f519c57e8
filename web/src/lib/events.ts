/** The events API's shapes (generated from routes/events.ts) and its URLs. */
import type { components } from "./api/schema.d.ts";

export type EventsResponse = components["schemas"]["EventsAnswer"];

/** Ticketmaster's segments; the API also takes a segment id. */
export const SEGMENTS = [
  "Music",
  "Sports",
  "Arts & Theatre",
  "Film",
  "Miscellaneous",
  "Undefined",
];

export interface EventsFilter {
  from: string;
  to: string;
  segment?: string;
}

export function eventsUrl(filter: EventsFilter, format?: "csv"): string {
  const query = new URLSearchParams({ from: filter.from, to: filter.to });
  if (filter.segment) query.set("segment", filter.segment);
  if (format) query.set("format", format);
  return `/api/events?${query}`;
}
