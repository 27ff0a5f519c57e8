/** GET /api/events: stored Québec events of a local date range, as JSON or CSV. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "./deps.ts";
import { compareRows, eventsCsv, listEvents } from "../db/events.ts";
import { resolveSegment } from "../db/event_segments.ts";
import { problemResponses } from "./problem.ts";
import {
  checkRange,
  csvAttachment,
  dateRangeQuery,
  formatQuery,
  parsedWith,
  queryOf,
} from "./query_params.ts";
import { createRouter, jsonOrCsvAnswer } from "./router.ts";

const EventsQuery = queryOf({
  ...dateRangeQuery("2025-02-01", "2025-06-30"),
  segment: parsedWith(resolveSegment).optional().openapi({
    example: "Music",
    description:
      "Segment name (Music, Sports, Arts & Theatre, Film, Miscellaneous, Undefined, any " +
      "case) or one of their ids; any other value is a 400. Matches any of an event's " +
      "classifications, like the CLI's `--segment`",
  }),
  format: formatQuery,
});

const EVENT_EXAMPLE = {
  id: "17G8vOG65SvaSph",
  title: "Undercover Legends of Rock",
  local_date: "2025-02-01",
  local_time: "20:00:00",
  start_utc: "2025-02-02T01:00:00Z",
  time_zone: "America/Toronto",
  venue_name: "Theatre du Casino du Lac-Leamy",
  address: "1 Blvd du Casino, Gatineau (QC) J8Y 6W3, Canada",
  address_lines: "1 Blvd du Casino",
  city: "Gatineau",
  province: "QC",
  postal_code: "J8Y 6W3",
  country: "Canada",
  image_url: "https://s1.ticketm.net/dam/a/12d/91bd5a60-ac04-4601-8d73-99456c65c12d_SOURCE",
  segment: "Music",
  genre: "Rock",
  status: "onsale",
  url: "https://www.ticketmaster.ca/event/31005B1EC4B12390",
  segment_id: "KZFzniwnSyZfZ7v7nJ",
  segment_ids: ["KZFzniwnSyZfZ7v7nJ"],
  last_seen_at: "2025-01-20T14:02:11.000Z",
};

// Ticketmaster leaves most fields out of some events: null then.
const optionalText = (description?: string) => z.string().nullable().openapi({ description });

const Event = z.object({
  id: z.string().openapi({ description: "Ticketmaster's event id" }),
  title: z.string(),
  local_date: z.string().openapi({ description: "YYYY-MM-DD at the venue" }),
  local_time: optionalText("HH:MM:SS at the venue; null when the API gives none (time TBA)"),
  start_utc: optionalText("`2025-02-02T01:00:00Z`, when the API gives it"),
  time_zone: optionalText("The venue's time zone"),
  venue_name: optionalText(
    "Every venue's name, `; `-separated, the one the address describes first (the first " +
      "in Québec)",
  ),
  address: optionalText("`line1, line2, City (QC) H2X 1Y4, Canada`, empty parts skipped"),
  address_lines: optionalText(),
  city: optionalText(),
  province: optionalText(),
  postal_code: optionalText(),
  country: optionalText(),
  image_url: optionalText("The largest image by area"),
  segment: optionalText("The primary classification's segment name"),
  genre: optionalText(),
  status: optionalText("onsale, offsale, cancelled, postponed, rescheduled"),
  url: optionalText("The event's Ticketmaster page"),
  segment_id: optionalText("The primary classification's segment id (not a CSV column)"),
  segment_ids: z.array(z.string()).openapi({
    description: "Every segment of every classification, primary first (not a CSV column)",
  }),
  last_seen_at: z.string().openapi({ description: "Start of the last run that listed the event" }),
}).openapi("Event", { example: EVENT_EXAMPLE });

const EventsAnswer = z.object({
  from: z.string().openapi({ description: "First local date asked for", example: "2025-02-01" }),
  to: z.string().openapi({ description: "Last local date asked for", example: "2025-06-30" }),
  segment: z.object({
    id: z.string().openapi({ example: "KZFzniwnSyZfZ7v7nJ" }),
    name: z.string().openapi({ example: "Music" }),
  }).nullable().openapi({ description: "The segment asked for; null for every segment" }),
  count: z.number().int().openapi({ description: "Number of events", example: 1 }),
  events: z.array(Event).openapi({
    description: "By date, time (events without a time first), title and id",
  }),
}).openapi("EventsAnswer");

const eventsRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Québec Ticketmaster events of a local date range",
  description:
    "Events stored by `deno task events`, whose local date (at the venue) lies between " +
    "`from` and `to`, both included; ordered by date, time (events without a time " +
    "first), title and id. `format=csv` returns the same CSV as the CLI (UTF-8 with BOM). " +
    "Stored events are never deleted: this is the union of every run, and `last_seen_at` " +
    "is the start of the last run that listed each event.",
  request: { query: EventsQuery },
  responses: {
    200: jsonOrCsvAnswer("The events", EventsAnswer),
    ...problemResponses(400, 503),
  },
});

export function eventsRoutes({ sql, config }: AppDeps) {
  return createRouter().openapi(eventsRoute, async (c) => {
    const { from, to, segment, format } = c.req.valid("query");
    checkRange(c, ["from", "to"], [Date.parse(from), Date.parse(to)], config.maxRangeDays);
    const events = await listEvents(sql, { from, to, segmentId: segment?.id });
    // Sorted here, not in SQL, so the CSV is byte-identical to the CLI's.
    events.sort(compareRows);
    if (format === "csv") {
      return csvAttachment(c, `events_${from}_${to}.csv`, eventsCsv(events));
    }
    const answer: z.infer<typeof EventsAnswer> = {
      from,
      to,
      segment: segment ?? null,
      count: events.length,
      events,
    };
    return c.json(answer, 200);
  });
}
