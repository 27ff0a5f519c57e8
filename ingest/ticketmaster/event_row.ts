/**
 * One Discovery API event → one flat row (CSV, database, JSON). Any missing or malformed
 * part (venue, address, images, time, classifications) gives an empty field, never an error.
 * An event with several venues gets the address of its first one in Québec, and the names of
 * all of them, that one first.
 */
import type { EventRow } from "../../db/events.ts";
import { epochMsToZoned, formatUtcSeconds } from "../../lib/zoned_time.ts";
import type {
  DiscoveryClassification,
  DiscoveryEvent,
  DiscoveryImage,
  DiscoveryVenue,
} from "./discovery_types.ts";

const QUEBEC = "QC";
/** Between the venue names of an event with several venues. */
const VENUE_SEPARATOR = "; ";

/** The row, or undefined when the event has no id or no determinable local date. */
export function toEventRow(event: DiscoveryEvent): EventRow | undefined {
  const id = text(event.id);
  const venues = venuesOf(event);
  const venue = venues[0];
  const timeZone = text(event.dates?.timezone) ?? text(venue?.timezone);
  const startUtc = utcInstant(event.dates?.start?.dateTime);
  const localDate = isoDate(event.dates?.start?.localDate) ??
    dateInZone(startUtc, timeZone);
  if (!id || !localDate) return undefined;
  const classifications = classificationsOf(event);
  const classification = classifications[0];
  return {
    id,
    title: text(event.name) ?? "",
    local_date: localDate,
    local_time: isoTime(event.dates?.start?.localTime),
    start_utc: startUtc,
    time_zone: timeZone,
    venue_name: venueNames(venues),
    ...venueAddress(venue),
    image_url: largestImageUrl(event.images),
    segment: text(classification?.segment?.name),
    genre: text(classification?.genre?.name),
    status: text(event.dates?.status?.code),
    url: text(event.url),
    segment_id: text(classification?.segment?.id),
    segment_ids: [
      ...new Set(classifications.map((c) => text(c.segment?.id)).filter((id) => id !== null)),
    ],
  };
}

type AddressParts = Pick<
  EventRow,
  "address" | "address_lines" | "city" | "province" | "postal_code" | "country"
>;

function venueAddress(venue: DiscoveryVenue | undefined): AddressParts {
  const lines = [
    venue?.address?.line1,
    venue?.address?.line2,
    venue?.address?.line3,
  ]
    .map(text).filter((line): line is string => line !== null);
  const city = text(venue?.city?.name);
  const province = text(venue?.state?.stateCode) ?? text(venue?.state?.name);
  const postalCode = postal(text(venue?.postalCode));
  const country = text(venue?.country?.name) ??
    text(venue?.country?.countryCode);
  const locality = [city, province && `(${province})`, postalCode]
    .filter(Boolean).join(" ");
  const address = [...lines, locality, country].filter(Boolean).join(", ");
  return {
    address: address || null,
    address_lines: lines.join(", ") || null,
    city,
    province,
    postal_code: postalCode,
    country,
  };
}

// Canada Post style `H3J 1N5`; the API also sends `H3J1N5` and lowercase.
function postal(code: string | null): string | null {
  const match = code && /^([A-Z]\d[A-Z]) ?(\d[A-Z]\d)$/i.exec(code);
  return match ? `${match[1]} ${match[2]}`.toUpperCase() : code;
}

/**
 * The event's venues, the one its address columns describe first: the first in Québec, as the
 * query asked for `stateCode=QC`, else the first listed.
 */
function venuesOf(event: DiscoveryEvent): DiscoveryVenue[] {
  const listed = event._embedded?.venues;
  const venues = Array.isArray(listed) ? listed.filter(isObject) as DiscoveryVenue[] : [];
  const quebec = venues.findIndex((venue) => text(venue.state?.stateCode) === QUEBEC);
  return quebec > 0 ? [venues[quebec], ...venues.toSpliced(quebec, 1)] : venues;
}

// One cell, the address's venue first: `Theatre du Casino du Lac-Leamy; National Arts Centre`.
function venueNames(venues: readonly DiscoveryVenue[]): string | null {
  const names = venues.map((venue) => text(venue.name)).filter((name) => name !== null);
  return names.length > 0 ? [...new Set(names)].join(VENUE_SEPARATOR) : null;
}

// The primary one first; `primary` is not necessarily the first entry.
function classificationsOf(event: DiscoveryEvent): DiscoveryClassification[] {
  const list = Array.isArray(event.classifications)
    ? event.classifications.filter(isObject) as DiscoveryClassification[]
    : [];
  const primary = list.findIndex((c) => c.primary === true);
  return primary > 0 ? [list[primary], ...list.toSpliced(primary, 1)] : list;
}

// Largest by width × height, ties to the wider one, then the first listed.
function largestImageUrl(images: unknown): string | null {
  let best: { url: string; area: number; width: number } | undefined;
  for (const image of Array.isArray(images) ? images : []) {
    const url = isObject(image) ? text((image as DiscoveryImage).url) : null;
    if (!url) continue;
    const width = dimension((image as DiscoveryImage).width);
    const area = width * dimension((image as DiscoveryImage).height);
    if (
      !best || area > best.area || (area === best.area && width > best.width)
    ) {
      best = { url, area, width };
    }
  }
  return best?.url ?? null;
}

function dimension(value: unknown): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}

function isoDate(value: unknown): string | null {
  const date = text(value);
  return date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null;
}

// `19:00` and `19:00:00` both become `19:00:00` so stored and fresh rows compare equal.
function isoTime(value: unknown): string | null {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text(value) ?? "");
  return match ? `${match[1]}:${match[2]}:${match[3] ?? "00"}` : null;
}

function utcInstant(value: unknown): string | null {
  const raw = text(value);
  const ms = raw && /Z$|[+-]\d{2}:?\d{2}$/.test(raw) ? Date.parse(raw) : NaN;
  return Number.isNaN(ms) ? null : formatUtcSeconds(ms);
}

function dateInZone(utc: string | null, zone: string | null): string | null {
  if (!utc || !zone) return null;
  try {
    const local = epochMsToZoned(zone, Date.parse(utc));
    return new Date(Date.UTC(local.year, local.month - 1, local.day))
      .toISOString().slice(0, 10);
  } catch {
    return null; // an unknown zone name
  }
}

/** Trimmed text with inner runs of spaces collapsed, or null when empty or not text. */
function text(value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const cleaned = String(value).replace(/\s+/g, " ").trim();
  return cleaned === "" ? null : cleaned;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
