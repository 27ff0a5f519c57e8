/**
 * `deno task openapi`: writes the OpenAPI document the routes' schemas generate to
 * web/src/lib/api/openapi.json, which the web UI's types are generated from (`npm run types`).
 * Commit the result: tests/openapi_contract_test.ts fails while it differs from /openapi.json.
 */
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createSql } from "./db/client.ts";
import { openApiDocument } from "./routes/openapi.ts";

const OUTPUT = "web/src/lib/api/openapi.json";

// The default configuration and a client that is never asked a query: it never connects.
const config = loadConfig({});
const document = openApiDocument(createApp({ sql: createSql(config.databaseUrl), config }));
await Deno.writeTextFile(
  OUTPUT,
  `${JSON.stringify(document, null, 2)}
`,
);
console.log(`wrote ${OUTPUT}`);
