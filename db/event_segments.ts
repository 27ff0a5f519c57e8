/**
 * Ticketmaster segments (the top classification level). The six known ones resolve
 * offline so a name costs no API call; any other segment can be passed by its id, which
 * `--list-segments` prints from the live API.
 */

export interface Segment {
  id: string;
  name: string;
}

export const KNOWN_SEGMENTS: readonly Segment[] = [
  { id: "KZFzniwnSyZfZ7v7nJ", name: "Music" },
  { id: "KZFzniwnSyZfZ7v7nE", name: "Sports" },
  { id: "KZFzniwnSyZfZ7v7na", name: "Arts & Theatre" },
  { id: "KZFzniwnSyZfZ7v7nn", name: "Film" },
  { id: "KZFzniwnSyZfZ7v7n1", name: "Miscellaneous" },
  { id: "KZFzniwnSyZfZ7v7nl", name: "Undefined" },
];

// Classification ids are case-sensitive alphanumeric tokens with digits
// (`KZFzniwnSyZfZ7v7nJ`); names are words.
const SEGMENT_ID = /^(?=.*\d)[A-Za-z0-9]{10,40}$/;

/**
 * A segment name (any case) or id → the segment. Errors read like
 * `Unknown segment "Musc": use one of Music, Sports, … or a segment id`.
 */
export function resolveSegment(value: string): Segment {
  const wanted = value.trim();
  const known = KNOWN_SEGMENTS.find((segment) =>
    segment.id === wanted ||
    segment.name.toLowerCase() === wanted.toLowerCase()
  );
  if (known) return known;
  if (SEGMENT_ID.test(wanted)) {
    return { id: wanted, name: wanted };
  }
  const names = KNOWN_SEGMENTS.map((segment) => segment.name).join(", ");
  throw new RangeError(
    `Unknown segment "${value}": use one of ${names} or a segment id (see --list-segments)`,
  );
}
