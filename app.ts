/** Builds the HTTP application from its dependencies; tests build one per test database. */
import { Hono } from "hono";
import type { Config } from "./config.ts";
import type { Sql } from "./db/client.ts";
import { handleError, methodNotAllowed, notFound } from "./routes/problem.ts";
import { statusRoutes } from "./routes/status.ts";
import { consumptionRoutes } from "./routes/consumption.ts";
import { airQualityRoutes } from "./routes/air_quality.ts";
import { eventsRoutes } from "./routes/events.ts";
import { webRoutes } from "./routes/web.ts";

export interface AppDeps {
  sql: Sql;
  config: Config;
}

const READ_ONLY_PATHS = ["/api/*", "/healthz", "/openapi.json", "/docs"];

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.route("/", statusRoutes(deps));
  app.route("/api/consumption", consumptionRoutes(deps));
  app.route("/api/air-quality", airQualityRoutes(deps));
  app.route("/api/events", eventsRoutes(deps));
  // The API is read-only: writing methods on its paths are refused, not "not found".
  app.on(["POST", "PUT", "PATCH", "DELETE"], READ_ONLY_PATHS, methodNotAllowed("GET"));
  app.route("/", webRoutes()); // last: it answers every path no route above claimed
  app.notFound(notFound);
  app.onError(handleError);
  return app;
}
