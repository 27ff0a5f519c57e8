/** Reading and checking query parameters; every failure is a 400 problem naming the parameter. */
import type { Context } from "hono";
import { invalidParameter, ProblemError } from "./problem.ts";
import { CSV_CONTENT_TYPE } from "../lib/csv.ts";
import { DAY_MS } from "../lib/zoned_time.ts";

/** The raw value of a required query parameter, or a 400 naming it. */
export function requiredQuery(c: Context, name: string): string {
  const value = c.req.query(name);
  if (value === undefined || value.trim() === "") {
    throw invalidParameter(name, `Query parameter "${name}" is required`);
  }
  return value;
}

/** Runs a parser on a query value; its error message becomes the 400's detail. */
export function parseQuery<T>(
  name: string,
  raw: string,
  parse: (raw: string) => T,
): T {
  try {
    return parse(raw);
  } catch (error) {
    throw invalidParameter(
      name,
      error instanceof Error ? error.message : String(error),
    );
  }
}

/**
 * A range given by two parameters: the end must not come before the start, and the two may
 * be at most `maxDays` apart. Both errors name the end parameter.
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
  return c.body(csv, 200, {
    "content-type": CSV_CONTENT_TYPE,
    "content-disposition": `attachment; filename="${fileName}"`,
  });
}

/** `format=json|csv`, json when absent. */
export function outputFormat(c: Context): "json" | "csv" {
  const format = c.req.query("format") ?? "json";
  if (format !== "json" && format !== "csv") {
    throw invalidParameter("format", `"format" must be json or csv, not "${format}"`);
  }
  return format;
}

/** OpenAPI descriptions of a `from`/`to` pair of calendar dates, both included. */
export function dateRangeParameters(fromExample: string, toExample: string) {
  const date = (name: string, example: string) => ({
    name,
    in: "query",
    required: true,
    schema: { type: "string", format: "date" },
    example,
  });
  return [
    date("from", fromExample),
    { ...date("to", toExample), description: "Not before from; range at most MAX_RANGE_DAYS" },
  ];
}
