/**
 * The parts of Discovery API v2 responses this feed reads. Every field is optional and
 * typed `unknown` where upstream data is known to vary: the mapper checks each value.
 */

export interface DiscoveryImage {
  url?: unknown;
  width?: unknown;
  height?: unknown;
}

export interface DiscoveryVenue {
  name?: unknown;
  postalCode?: unknown;
  timezone?: unknown;
  city?: { name?: unknown };
  state?: { name?: unknown; stateCode?: unknown };
  country?: { name?: unknown; countryCode?: unknown };
  address?: { line1?: unknown; line2?: unknown; line3?: unknown };
}

export interface DiscoveryClassification {
  primary?: unknown;
  segment?: { id?: unknown; name?: unknown };
  genre?: { id?: unknown; name?: unknown };
}

export interface DiscoveryEvent {
  id?: unknown;
  name?: unknown;
  url?: unknown;
  images?: unknown;
  dates?: {
    start?: { localDate?: unknown; localTime?: unknown; dateTime?: unknown };
    timezone?: unknown;
    status?: { code?: unknown };
  };
  classifications?: unknown;
  _embedded?: { venues?: unknown };
}

/** `page` of a search response. */
export interface PageInfo {
  size: number;
  totalElements: number;
  totalPages: number;
  number: number;
}

export interface EventsPage {
  /** Empty when the response has no `_embedded` (no results, or past the last page). */
  events: DiscoveryEvent[];
  page: PageInfo;
}
