/**
 * `deno task openapi`: writes the OpenAPI document the routes' schemas generate to
 * web/src/lib/api/openapi.json, which the web UI's types are generated from (`npm run types`).
 * Commit the result: tests/openapi_contract_test.ts fails while it differs from /openapi.json.
 */
import { offlineOpenApiDocument } from "./app.ts";

const OUTPUT = "web/src/lib/api/openapi.json";

await Deno.writeTextFile(OUTPUT, `${JSON.stringify(offlineOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${OUTPUT}`);
