/** GET /api/events: stored Québec events of a local date range, as JSON or CSV. */
import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import { compareRows, eventsCsv, listEvents } from "../db/events.ts";
import { parseCalendarDate } from "../lib/calendar_date.ts";
import { resolveSegment } from "../db/event_segments.ts";
import {
  checkRange,
  csvAttachment,
  dateRangeParameters,
  outputFormat,
  parseQuery,
  requiredQuery,
} from "./query_params.ts";

export function eventsRoutes({ sql, config }: AppDeps): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const from = parseQuery("from", requiredQuery(c, "from"), parseCalendarDate);
    const to = parseQuery("to", requiredQuery(c, "to"), parseCalendarDate);
    checkRange(c, ["from", "to"], [Date.parse(from), Date.parse(to)], config.maxRangeDays);
    const rawSegment = c.req.query("segment");
    const segment = rawSegment === undefined
      ? undefined
      : parseQuery("segment", rawSegment, resolveSegment);
    const format = outputFormat(c);
    const events = await listEvents(sql, {
      from,
      to,
      segmentId: segment?.id,
    });
    // Sorted here, not in SQL, so the CSV is byte-identical to the CLI's.
    events.sort(compareRows);
    if (format === "csv") {
      return csvAttachment(c, `events_${from}_${to}.csv`, eventsCsv(events));
    }
    return c.json({
      from,
      to,
      segment: segment ?? null,
      count: events.length,
      events,
    });
  });
  return app;
}

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

export const eventsPaths = {
  "/api/events": {
    get: {
      summary: "Québec Ticketmaster events of a local date range",
      description:
        "Events stored by `deno task events`, whose local date (at the venue) lies between " +
        "`from` and `to`, both included; ordered by date, time (events without a time " +
        "first), title and id. `format=csv` returns the same CSV as the CLI (UTF-8 with BOM). " +
        "Stored events are never deleted: this is the union of every run, and `last_seen_at` " +
        "is the start of the last run that listed each event.",
      parameters: [
        ...dateRangeParameters("2025-02-01", "2025-06-30"),
        {
          name: "segment",
          in: "query",
          required: false,
          schema: { type: "string" },
          example: "Music",
          description:
            "Segment name (Music, Sports, Arts & Theatre, Film, Miscellaneous, Undefined) or id; " +
            "matches any of an event's classifications, like the CLI's `--segment`",
        },
        {
          name: "format",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["json", "csv"], default: "json" },
        },
      ],
      responses: {
        "200": {
          description: "The events",
          content: {
            "application/json": {
              example: {
                from: "2025-02-01",
                to: "2025-06-30",
                segment: { id: "KZFzniwnSyZfZ7v7nJ", name: "Music" },
                count: 1,
                events: [EVENT_EXAMPLE],
              },
            },
            "text/csv": { schema: { type: "string" } },
          },
        },
        "400": { $ref: "#/components/responses/Problem" },
        "503": { $ref: "#/components/responses/Problem" },
      },
    },
  },
};
