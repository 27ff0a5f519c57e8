/**
 * The query parameters the routes share, as zod schemas: one declaration validates the value,
 * types the handler's `c.req.valid("query")` and describes the parameter in /openapi.json. A
 * value that fails is a 400 problem naming it (router.ts), whose detail is the parser's message.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { invalidParameter, ProblemError } from "./problem.ts";
import { parseCalendarDate } from "../lib/calendar_date.ts";
import { CSV_CONTENT_TYPE } from "../lib/csv.ts";
import { messageOf } from "../lib/message_of.ts";
import { DAY_MS } from "../lib/zoned_time.ts";

/**
 * The query of a route. A repeated parameter counts by its first value, as `c.req.query(name)`
 * reads it (Hono's validator would hand over an array); unknown parameters are ignored.
 */
export function queryOf<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.transform(firstValues).pipe(z.object(shape));
}

function firstValues(query: unknown): unknown {
  if (typeof query !== "object" || query === null) return query;
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]),
  );
}

/** Flags a blank value, which the router words like an absent one: `… "from" is required`. */
const BLANK = { blank: true };

/**
 * Absent, or present but blank (`?from=`): either way the parameter was not given. A present
 * value is always text (see `queryOf`), so a value of the wrong type can only be an absent one.
 */
export function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === "invalid_type" || (issue.code === "custom" && issue.params?.blank === true);
}

/** A required text value; blank counts as absent, and nothing else is checked then. */
export function requiredText() {
  return z.string().refine((raw) => raw.trim() !== "", { params: BLANK, abort: true });
}

/** A value read by `parse`; what it throws (`Cannot parse "2018-13-01": …`) is the detail. */
export function parsedWith<T>(parse: (raw: string) => T) {
  return z.string().transform((raw, context) => {
    try {
      return parse(raw);
    } catch (error) {
      context.addIssue({ code: "custom", message: messageOf(error) });
      return z.NEVER;
    }
  });
}

/** A required value read by `parse`. */
export function required<T>(parse: (raw: string) => T) {
  return requiredText().pipe(parsedWith(parse));
}

/** `from` and `to`: calendar dates (`YYYY-MM-DD`), both included. */
export function dateRangeQuery(fromExample: string, toExample: string) {
  const date = () => required(parseCalendarDate).openapi({ format: "date" });
  return {
    from: date().openapi({ example: fromExample, description: "First day, YYYY-MM-DD" }),
    to: date().openapi({
      example: toExample,
      description: "Last day, not before from; range at most MAX_RANGE_DAYS",
    }),
  };
}

/** `format=json|csv`, json when absent. */
export const formatQuery = z.enum(["json", "csv"], {
  error: (issue) => `"format" must be json or csv, not "${issue.input}"`,
}).default("json").openapi({ description: "csv for a spreadsheet-ready download" });

/**
 * A range given by two parameters, checked once both parsed (the longest range is a setting):
 * the end must not come before the start, and the two may be at most `maxDays` apart. Both
 * errors name the end parameter.
 */
export function checkRange(
  c: Context,
  [startName, endName]: [string, string],
  [start, end]: [number, number],
  maxDays: number,
): void {
  if (end < start) {
    throw invalidParameter(
      endName,
      `"${endName}" (${c.req.query(endName)}) is before "${startName}" (${c.req.query(startName)})`,
    );
  }
  if (end - start > maxDays * DAY_MS) {
    throw new ProblemError({
      type: "/problems/range-too-long",
      title: "Range too long",
      status: 400,
      detail: `The range spans more than ${maxDays} days; split it`,
      parameter: endName,
    });
  }
}

/** A CSV download: spreadsheet-ready text with the file name browsers save it under. */
export function csvAttachment(c: Context, fileName: string, csv: string): Response {
  return c.body(csv, 200, csvAttachmentHeaders(fileName));
}

/** The headers of a CSV download saved as `fileName`. */
export function csvAttachmentHeaders(fileName: string): Record<string, string> {
  return {
    "Content-Type": CSV_CONTENT_TYPE,
    "Content-Disposition": `attachment; filename="${fileName}"`,
  };
}
