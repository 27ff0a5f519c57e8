/** The events API's shapes (routes/events.ts) and its URLs. */
export interface EventItem {
  id: string;
  title: string;
  local_date: string;
  /** `20:00:00` at the venue; null when the API gives none. */
  local_time: string | null;
  venue_name: string | null;
  city: string | null;
  segment: string | null;
  genre: string | null;
  status: string | null;
  url: string | null;
}

export interface EventsResponse {
  count: number;
  events: EventItem[];
}

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
