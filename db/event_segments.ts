/**
 * Ticketmaster segments (the top classification level). Only the six known ones resolve, by
 * name or id, offline: a well-formed id Ticketmaster does not know is not an error upstream,
 * it just matches no event, so an unknown value must be refused here, not exported empty.
 * `--list-segments` prints the live list: should Ticketmaster ever add a segment, add it below.
 */

export interface Segment {
  id: string;
  name: string;
}

// The same six in the 2016 SDK recording of /discovery/v2/classifications and in every event
// of ../shared/data/ticketmaster.
export const KNOWN_SEGMENTS: readonly Segment[] = [
  { id: "KZFzniwnSyZfZ7v7nJ", name: "Music" },
  { id: "KZFzniwnSyZfZ7v7nE", name: "Sports" },
  { id: "KZFzniwnSyZfZ7v7na", name: "Arts & Theatre" },
  { id: "KZFzniwnSyZfZ7v7nn", name: "Film" },
  { id: "KZFzniwnSyZfZ7v7n1", name: "Miscellaneous" },
  { id: "KZFzniwnSyZfZ7v7nl", name: "Undefined" },
];

/**
 * A segment name (any case) or id → the segment. Errors read like
 * `Unknown segment "Musc": expected one of Music, Sports, …, or a segment id like …`.
 */
export function resolveSegment(value: string): Segment {
  const wanted = value.trim();
  const known = KNOWN_SEGMENTS.find((segment) =>
    segment.id === wanted || segment.name.toLowerCase() === wanted.toLowerCase()
  );
  if (known) return known;
  const names = KNOWN_SEGMENTS.map((segment) => segment.name).join(", ");
  throw new RangeError(
    `Unknown segment "${value}": expected one of ${names}, ` +
      `or a segment id like ${KNOWN_SEGMENTS[0].id}`,
  );
}
