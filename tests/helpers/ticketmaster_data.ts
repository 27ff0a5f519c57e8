/**
 * A generated, seeded Discovery-API data set for Québec, February to June 2025, with the
 * real data's traps: >2,000 regular events, a festival day of 1,050 events (forces windows
 * shorter than a day), Archtics events (country "CAN", no url, no classifications, venue
 * without address), Ontario events, events on both sides of the range's edges in the three
 * Québec time zones, events without time / zone / images, several classifications with the
 * primary one second, accents, mojibake, `??`, emoji, quotes, commas and formula-like names.
 */
import { zonedToEpochMs } from "../../lib/zoned_time.ts";

export type StubEvent = Record<string, unknown>;

export const MUSIC_ID = "KZFzniwnSyZfZ7v7nJ";

/**
 * A search page in the API's exact shape (fields as in the real responses of
 * ../shared/data/ticketmaster) holding one event with two venues: Ottawa (ON), then Gatineau
 * (QC). No real answer in ../shared has several venues, so the event is made up.
 */
export const MULTI_VENUE_FIXTURE = new URL(
  "../fixtures/ticketmaster/multi_venue_events.json",
  import.meta.url,
);
const SEGMENTS: [string, string, string[]][] = [
  [MUSIC_ID, "Music", ["Rock", "Pop", "Jazz", "Classical", "Hip-Hop/Rap"]],
  ["KZFzniwnSyZfZ7v7nE", "Sports", ["Hockey", "Basketball", "Wrestling"]],
  ["KZFzniwnSyZfZ7v7na", "Arts & Theatre", ["Comedy", "Theatre", "Dance", "Undefined"]],
  ["KZFzniwnSyZfZ7v7nn", "Film", ["Miscellaneous"]],
  ["KZFzniwnSyZfZ7v7n1", "Miscellaneous", ["Family", "Other"]],
  ["KZFzniwnSyZfZ7v7nl", "Undefined", ["Undefined"]],
];

interface VenueSpec {
  name: string;
  line1?: string;
  city?: string;
  stateCode?: string;
  postalCode?: string;
  country?: { name: string; countryCode: string };
  timezone: string;
}

const CANADA = { name: "Canada", countryCode: "CA" };
const QC_VENUES: VenueSpec[] = [
  {
    name: "Centre Bell",
    line1: "1909 Avenue des Canadiens-de-Montréal",
    city: "Montréal",
    postalCode: "H4B 5G0",
    timezone: "America/Toronto",
  },
  {
    name: "Théâtre Beanfield",
    line1: "2490 Rue Notre-Dame Ouest ",
    city: "Montreal",
    postalCode: "H3J1N5",
    timezone: "America/Toronto",
  },
  {
    name: "Théâtre Capitole",
    line1: "972 Rue Saint-Jean",
    city: "Québec",
    postalCode: "G1R 1R5",
    timezone: "America/Toronto",
  },
  {
    name: "Theatre du Casino du Lac-Leamy",
    line1: "1 Blvd du Casino",
    city: "GATINEAU",
    postalCode: "J8Y 6W3",
    timezone: "America/Toronto",
  },
  {
    name: "Colisée Vidéotron",
    line1: "6000, rue du ColisÃ©e, Trois-RiviÃ¨res",
    city: " Trois-Rivières",
    postalCode: "G9A 0B3",
    timezone: "America/Toronto",
  },
  {
    name: "Salle communautaire de Blanc-Sablon",
    line1: "1149 Boulevard Dr-Camille-Marcoux",
    city: "Blanc-Sablon",
    postalCode: "G0G 1W0",
    timezone: "America/Blanc-Sablon",
  },
  {
    name: "Centre récréatif des Îles",
    line1: "330 Chemin Principal",
    city: "Cap-aux-Meules",
    postalCode: "G4T 1C9",
    timezone: "America/Halifax",
  },
];
const ARCHTICS_VENUE: VenueSpec = {
  name: "General Use",
  stateCode: "QC",
  country: { name: "Can", countryCode: "CAN" },
  timezone: "America/New_York",
};
const ONTARIO_VENUE: VenueSpec = {
  name: "Scotiabank Arena",
  line1: "40 Bay St.",
  city: "Toronto",
  stateCode: "ON",
  postalCode: "M5J 2X2",
  timezone: "America/Toronto",
};

const NAMES = [
  "Révolution Les Étoiles",
  "Passion Céline - L'ultime hommage à Céline Dion",
  "Rimouski Oc??anic vs Huskies",
  "Lions de Trois-Rivières vs Maine Mariners ",
  'Soirée "Motown" & Disco, avec Michelle',
  "Orchestre symphonique de Montréal — Mahler 5",
  '=HYPERLINK("http://x")',
  "Jazz au Café 🎷",
  "Les Cowboys Fringants",
  "Canadiens de Montréal vs Maple Leafs de Toronto",
];
const TIMES = ["10:00:00", "13:30:00", "19:00:00", "19:30:00", "20:00:00", "20:30:00", "23:30:00"];
const ID_PREFIXES = ["vv", "Z7", "G5", "1A", "17", "Lv"];
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const IMAGE_SIZES = [
  [100, 56],
  [205, 115],
  [305, 203],
  [305, 225],
  [640, 360],
  [640, 427],
  [1024, 576],
  [1024, 683],
  [1136, 639],
  [2048, 1152],
];

export interface EventSpec {
  id: string;
  name: string;
  localDate: string;
  /** null: no specific time (no localTime, no dateTime). */
  localTime: string | null;
  venue?: VenueSpec | null;
  /** Classifications as [segment index, genre index, primary]; empty = none. */
  classifications?: [number, number, boolean][];
  /** "none", a fallback set, or the full set (with a `_SOURCE` original when `source`). */
  images?: "none" | "fallback" | "full" | "source";
  status?: string;
  withUrl?: boolean;
  /** false: `dates.timezone` absent (the venue's zone is the fallback). */
  zoneOnEvent?: boolean;
}

/** One event in the API's shape. */
export function makeEvent(spec: EventSpec): StubEvent {
  const venue = spec.venue === undefined ? QC_VENUES[0] : spec.venue;
  const zone = venue?.timezone ?? "America/Toronto";
  const start: Record<string, unknown> = {
    localDate: spec.localDate,
    dateTBD: false,
    dateTBA: false,
    timeTBA: false,
    noSpecificTime: spec.localTime === null,
  };
  if (spec.localTime !== null) {
    start.localTime = spec.localTime;
    start.dateTime = utcOf(zone, spec.localDate, spec.localTime);
  }
  const dates: Record<string, unknown> = { start, status: { code: spec.status ?? "onsale" } };
  if (spec.zoneOnEvent !== false) dates.timezone = zone;
  const event: StubEvent = {
    name: spec.name,
    type: "event",
    id: spec.id,
    test: false,
    locale: "en-us",
    dates,
    _links: { self: { href: `/discovery/v2/events/${spec.id}?locale=en-us` } },
  };
  if (spec.withUrl !== false) {
    event.url = `https://www.ticketmaster.ca/event/${spec.id.toUpperCase()}`;
  }
  const images = imagesFor(spec.id, spec.images ?? "source");
  if (images) event.images = images;
  const classifications = spec.classifications ?? [[0, 0, true]];
  if (classifications.length > 0) {
    event.classifications = classifications.map(([s, g, primary]) => ({
      primary,
      segment: { id: SEGMENTS[s][0], name: SEGMENTS[s][1] },
      genre: { id: `KnvZfZ7v${s}${g}`, name: SEGMENTS[s][2][g] },
      family: false,
    }));
  }
  if (venue) event._embedded = { venues: [venueJson(venue)] };
  return event;
}

/** The whole generated set (deterministic for a seed). */
export function quebecEvents(seed = 20250201): StubEvent[] {
  const random = mulberry32(seed);
  const ids = new Set<string>();
  const newId = (prefix = ID_PREFIXES[Math.floor(random() * ID_PREFIXES.length)]) => {
    for (;;) {
      let id = prefix;
      const length = 11 + Math.floor(random() * 8);
      for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(random() * ALPHABET.length)];
      if (!ids.has(id)) return ids.add(id), id;
    }
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const regular = (localDate: string, venue: VenueSpec, localTime?: string | null) => {
    const segment = weightedSegment(random());
    const genre = Math.floor(random() * SEGMENTS[segment][2].length);
    const roll = random();
    return makeEvent({
      id: newId(),
      name: pick(NAMES),
      localDate,
      localTime: localTime === undefined ? (random() < 0.03 ? null : pick(TIMES)) : localTime,
      venue,
      classifications: roll < 0.1
        ? [[0, 1, false], [segment === 0 ? 2 : segment, 0, true]] // primary second
        : roll < 0.12
        ? []
        : [[segment, genre, true]],
      images: roll < 0.05 ? "none" : roll < 0.85 ? "source" : "full",
      status: pick(["onsale", "onsale", "onsale", "onsale", "offsale", "cancelled", "postponed"]),
      zoneOnEvent: random() >= 0.2,
    });
  };
  const events: StubEvent[] = [];
  for (let i = 0; i < 2200; i++) {
    events.push(regular(dayOf("2025-02-01", Math.floor(random() * 150)), pick(QC_VENUES)));
  }
  for (let i = 0; i < 60; i++) { // just outside the range, in Québec
    const day = random() < 0.5
      ? dayOf("2025-01-25", Math.floor(random() * 7))
      : dayOf("2025-07-01", Math.floor(random() * 6));
    events.push(regular(day, pick(QC_VENUES)));
  }
  for (let i = 0; i < 1050; i++) { // Fête nationale: more than the paging cap in one day
    const quarter = 40 + (i % 56);
    const time = `${String(Math.floor(quarter / 4)).padStart(2, "0")}:${
      String((quarter % 4) * 15).padStart(2, "0")
    }:00`;
    events.push(regular("2025-06-24", pick(QC_VENUES.slice(0, 5)), time));
  }
  for (let i = 0; i < 150; i++) { // season tickets, suites, passes: another ticketing system
    events.push(makeEvent({
      id: newId("Za5ju3rKuq"),
      name: pick(["Abonnement saison 2025", "Suite corporative", "Laissez-passer VIP"]),
      localDate: dayOf("2025-02-01", Math.floor(random() * 150)),
      localTime: pick(TIMES),
      venue: ARCHTICS_VENUE,
      classifications: [],
      images: "fallback",
      withUrl: false,
    }));
  }
  for (let i = 0; i < 80; i++) {
    events.push(regular(dayOf("2025-02-01", Math.floor(random() * 150)), ONTARIO_VENUE));
  }
  events.push(...edgeEvents());
  return events;
}

/** Hand-placed events around the range's edges, named for readable failures. */
function edgeEvents(): StubEvent[] {
  const [toronto, , , , , blancSablon, magdalen] = QC_VENUES;
  const at = (
    id: string,
    venue: VenueSpec | null,
    localDate: string,
    localTime: string | null,
    extra: Partial<EventSpec> = {},
  ) => makeEvent({ id, name: `Edge ${id}`, localDate, localTime, venue, ...extra });
  return [
    at("edgeIn-MagdalenMidnight", magdalen, "2025-02-01", "00:00:00"),
    at("edgeIn-TorontoMidnight", toronto, "2025-02-01", "00:00:00"),
    at("edgeIn-NoTimeFirstDay", toronto, "2025-02-01", null),
    at("edgeIn-TorontoLastSecond", toronto, "2025-06-30", "23:59:59"),
    at("edgeIn-BlancSablonLate", blancSablon, "2025-06-30", "23:30:00"),
    at("edgeIn-MagdalenLate", magdalen, "2025-06-30", "23:30:00"),
    at("edgeIn-NoTimeLastDay", magdalen, "2025-06-30", null),
    at(
      "edgeIn-NoVenueFields",
      { name: "Parc", stateCode: "QC", timezone: "America/Toronto" },
      "2025-03-15",
      "12:00:00",
      {
        images: "none",
        classifications: [],
        zoneOnEvent: false,
      },
    ),
    at("edgeOut-TorontoEve", toronto, "2025-01-31", "23:59:59"),
    at("edgeOut-NoTimeEve", toronto, "2025-01-31", null),
    at("edgeOut-MagdalenJuly", magdalen, "2025-07-01", "00:30:00"),
    at("edgeOut-TorontoJuly", toronto, "2025-07-01", "00:00:00"),
    at("edgeOut-NoTimeJuly", toronto, "2025-07-01", null),
    at("edgeOut-NoVenue", null, "2025-03-15", "20:00:00"),
  ];
}

export interface ExpectedFilter {
  from: string;
  to: string;
  segmentId?: string;
  excludeArchtics?: boolean;
}

/** The ids a complete export must contain, computed from the data alone (sorted). */
export function expectedIds(events: StubEvent[], filter: ExpectedFilter): string[] {
  return events.filter((event) => {
    const venues = venuesOf(event);
    const localDate = (event.dates as { start: { localDate: string } }).start.localDate;
    const segments = ((event.classifications ?? []) as { segment: { id: string } }[])
      .map((c) => c.segment.id);
    return venues.some((venue) => venue.state?.stateCode === "QC") &&
      localDate >= filter.from && localDate <= filter.to &&
      (!filter.segmentId || segments.includes(filter.segmentId)) &&
      (!filter.excludeArchtics || venues.some((venue) => venue.country?.countryCode === "CA"));
  }).map((event) => String(event.id)).sort();
}

function venuesOf(event: StubEvent) {
  return (event._embedded as {
    venues?: { state?: { stateCode?: string }; country?: { countryCode?: string } }[];
  })?.venues ?? [];
}

function venueJson(venue: VenueSpec): Record<string, unknown> {
  const json: Record<string, unknown> = {
    name: venue.name,
    type: "venue",
    id: `KovZ${venue.name.length}${venue.timezone.length}`,
    locale: "en-us",
    timezone: venue.timezone,
    state: venue.stateCode === "ON"
      ? { name: "Ontario", stateCode: "ON" }
      : venue.stateCode
      ? { stateCode: venue.stateCode }
      : { name: "Quebec", stateCode: "QC" },
    country: venue.country ?? CANADA,
    location: { longitude: "-73.5", latitude: "45.5" },
    markets: [{ name: "Montréal & Area", id: "120" }],
  };
  if (venue.postalCode) json.postalCode = venue.postalCode;
  if (venue.city) json.city = { name: venue.city };
  if (venue.line1) json.address = { line1: venue.line1 };
  return json;
}

function imagesFor(id: string, kind: EventSpec["images"]) {
  if (kind === "none") return undefined;
  const base = kind === "fallback"
    ? "https://s1.ticketm.net/dam/c/fallback/generic"
    : `https://s1.ticketm.net/dam/a/${id.slice(-3)}/${id}`;
  const images = IMAGE_SIZES.map(([width, height]) => ({
    ratio: width / height > 1.7 ? "16_9" : "3_2",
    url: `${base}_${width}x${height}.jpg`,
    width,
    height,
    fallback: kind === "fallback",
  }));
  if (kind === "source") {
    images.splice(3, 0, {
      ratio: "16_9",
      url: `${base}_SOURCE`,
      width: 2426,
      height: 1365,
      fallback: false,
    });
  }
  return images;
}

function weightedSegment(roll: number): number {
  return roll < 0.4 ? 0 : roll < 0.6 ? 1 : roll < 0.85 ? 2 : roll < 0.88 ? 3 : roll < 0.98 ? 4 : 5;
}

function utcOf(zone: string, localDate: string, localTime: string): string {
  const [year, month, day] = localDate.split("-").map(Number);
  const [hour, minute, second] = localTime.split(":").map(Number);
  const ms = zonedToEpochMs(zone, { year, month, day, hour, minute, second })!;
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

function dayOf(first: string, offset: number): string {
  const ms = Date.parse(`${first}T00:00:00Z`) + offset * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

// Small seeded PRNG: the same data on every run.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
