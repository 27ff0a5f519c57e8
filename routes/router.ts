/**
 * Every route module builds its sub-app here: an OpenAPIHono whose zod schemas validate the
 * request, type the handler and write /openapi.json. A request that fails validation gets
 * the same 400 problem as any other bad parameter, naming the first parameter at fault.
 * The 200 answers routes declare take their shape from `jsonAnswer` and `jsonOrCsvAnswer`.
 */
import { type Hook, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { invalidParameter } from "./problem.ts";
import { isMissing } from "./query_params.ts";

export function createRouter<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: problemOnInvalidInput });
}

// deno-lint-ignore no-explicit-any
const problemOnInvalidInput: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  // Issues come in the order of the query schema's fields: the first names the parameter.
  const [issue] = result.error.issues;
  const parameter = String(issue.path[0] ?? "query");
  // zod says "expected string, received undefined"; a user needs to hear which one is missing.
  const detail = isMissing(issue) ? `Query parameter "${parameter}" is required` : issue.message;
  throw invalidParameter(parameter, detail);
};

/** A 200 answer in JSON, for `createRoute({ responses })`. */
export function jsonAnswer<Schema extends z.ZodType>(description: string, schema: Schema) {
  return { description, content: { "application/json": { schema } } };
}

/** The 200 answer of an endpoint that also offers CSV (`format=csv`). */
export function jsonOrCsvAnswer<Schema extends z.ZodType>(description: string, schema: Schema) {
  return {
    description,
    content: { "application/json": { schema }, "text/csv": { schema: CsvText } },
  };
}

const CsvText = z.string().openapi({
  description: "UTF-8 with a byte-order mark, CRLF line ends; an empty cell is a null value",
});
