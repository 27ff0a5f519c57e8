/**
 * The API's contract is generated from the routes' zod schemas, and the web UI's types are
 * generated from its committed copy: the copy must be what the service serves, and the
 * document must say what every endpoint takes and answers.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createSql } from "../db/client.ts";

const COMMITTED = new URL("../web/src/lib/api/openapi.json", import.meta.url);

interface Operation {
  parameters?: { name: string; in: string; schema?: unknown }[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** GET /openapi.json needs no database: the client is never asked a query, so never connects. */
async function servedDocument(): Promise<Document> {
  const config = loadConfig({});
  const sql = createSql(config.databaseUrl, { max: 1 });
  try {
    const response = await createApp({ sql, config }).request("/openapi.json");
    assert.equal(response.status, 200);
    return await response.json();
  } finally {
    await sql.end();
  }
}

function operations(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ])
  );
}

Deno.test("the web UI's copy of the OpenAPI document is the one the service serves", async () => {
  const committed = JSON.parse(await Deno.readTextFile(COMMITTED));
  assert.deepEqual(
    committed,
    await servedDocument(),
    "web/src/lib/api/openapi.json differs from /openapi.json: run `deno task openapi`, commit it",
  );
});

Deno.test("every operation describes its 200 answer and each query parameter", async () => {
  const document = await servedDocument();
  const all = operations(document);
  assert.ok(all.some(([name]) => name === "GET /api/consumption"), "the routes are registered");
  for (const [name, operation] of all) {
    const content = Object.entries(operation.responses["200"]?.content ?? {});
    assert.ok(content.length > 0, `${name}: no 200 content`);
    for (const [mediaType, { schema }] of content) {
      assert.ok(schema, `${name}: the 200 ${mediaType} answer has no schema`);
    }
    for (const parameter of operation.parameters ?? []) {
      assert.equal(parameter.in, "query", `${name}: ${parameter.name}`);
      assert.ok(parameter.schema, `${name}: query parameter ${parameter.name} has no schema`);
    }
  }
});

Deno.test("every schema reference of the document resolves to a component", async () => {
  const document = await servedDocument();
  const text = JSON.stringify(document);
  const references = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)];
  assert.ok(references.length > 0);
  for (const [, name] of references) {
    assert.ok(document.components.schemas[name], `#/components/schemas/${name} is missing`);
  }
});
