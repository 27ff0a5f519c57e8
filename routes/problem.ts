/** RFC 9457 problem details (`application/problem+json`), shared by every route. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isConnectionError } from "../db/client.ts";

export interface Problem {
  type: string;
  title: string;
  status: ContentfulStatusCode;
  detail?: string;
  /** The query parameter at fault, when there is one. */
  parameter?: string;
}

/** Thrown by validators and handlers; `handleError` turns it into the response. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export function problemResponse(problem: Problem): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": "application/problem+json; charset=utf-8" },
  });
}

export function invalidParameter(
  parameter: string,
  detail: string,
): ProblemError {
  return new ProblemError({
    type: "/problems/invalid-parameter",
    title: "Invalid query parameter",
    status: 400,
    detail,
    parameter,
  });
}

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

export function notFound(c: Context): Response {
  return problemResponse({
    type: "about:blank",
    title: "Not Found",
    status: 404,
    detail: `No resource at ${c.req.path}`,
  });
}

/** Never leaks a stack trace or SQL: unknown errors are logged and answered generically. */
export function handleError(error: Error): Response {
  if (error instanceof ProblemError) return problemResponse(error.problem);
  if (isConnectionError(error)) {
    return problemResponse({
      type: "about:blank",
      title: "Service Unavailable",
      status: 503,
      detail: "The database is unreachable; try again shortly",
    });
  }
  console.error(error);
  return problemResponse({
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    detail: "An unexpected error occurred; it has been logged",
  });
}
