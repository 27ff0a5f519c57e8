/** RFC 9457 problem details (`application/problem+json`), shared by every route. */
import { z } from "@hono/zod-openapi";
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

/** The same problem as a schema: its one declaration in /openapi.json. */
export const ProblemSchema = z.object({
  type: z.string().openapi({ example: "/problems/invalid-parameter" }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  parameter: z.string().optional().openapi({ description: "The query parameter at fault" }),
}).openapi("Problem");

const PROBLEM_DESCRIPTIONS = {
  400: "A parameter is missing or invalid; `parameter` names it",
  404: "Nothing matches (e.g. an unknown station)",
  503: "The database is unreachable or slow; retry after `Retry-After` seconds",
} as const;

interface ProblemAnswer {
  description: string;
  content: { "application/problem+json": { schema: typeof ProblemSchema } };
}

/** The problem answers a route may give, for `createRoute({ responses })`. */
export function problemResponses<const Code extends keyof typeof PROBLEM_DESCRIPTIONS>(
  ...codes: Code[]
): Record<Code, ProblemAnswer> {
  const answers = {} as Record<Code, ProblemAnswer>;
  for (const code of codes) {
    answers[code] = {
      description: PROBLEM_DESCRIPTIONS[code],
      content: { "application/problem+json": { schema: ProblemSchema } },
    };
  }
  return answers;
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

/** For a path that exists but not with this method (e.g. `POST /api/consumption`). */
export function methodNotAllowed(allow: string) {
  return (c: Context): Response => {
    const response = problemResponse({
      type: "about:blank",
      title: "Method Not Allowed",
      status: 405,
      detail: `${c.req.method} is not supported here; use ${allow}`,
    });
    response.headers.set("allow", allow);
    return response;
  };
}

export function notFound(c: Context): Response {
  return problemResponse({
    type: "about:blank",
    title: "Not Found",
    status: 404,
    detail: `No resource at ${c.req.path}`,
  });
}

/** Seconds a client should wait before retrying after a 503. */
const RETRY_AFTER_SECONDS = 2;

/** The database is down or not answering: a 503 the client may retry. */
export function serviceUnavailable(detail: string): Response {
  const response = problemResponse({
    type: "about:blank",
    title: "Service Unavailable",
    status: 503,
    detail,
  });
  response.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
  return response;
}

/** A request's database deadline passed (see database_guard.ts): expected, not a bug. */
export class DeadlineExceeded extends Error {
  constructor() {
    super("The database did not answer in time; try again shortly");
  }
}

/** Never leaks a stack trace or SQL: unknown errors are logged and answered generically. */
export function handleError(error: Error): Response {
  if (error instanceof ProblemError) return problemResponse(error.problem);
  if (isConnectionError(error)) {
    return serviceUnavailable("The database is unreachable; try again shortly");
  }
  if (error instanceof DeadlineExceeded) return serviceUnavailable(error.message);
  console.error(error);
  return problemResponse({
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    detail: "An unexpected error occurred; it has been logged",
  });
}
