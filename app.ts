/**
 * Builds the HTTP application from its dependencies (tests build one per test database), and
 * serves it on one thread of the service (service.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { BlankEnv } from "hono/types";
import type { AppDeps } from "./routes/deps.ts";
import { handleError, notFound } from "./routes/problem.ts";
import { useHttpPolicy } from "./routes/http_policy.ts";
import { statusRoutes } from "./routes/status.ts";
import { consumptionRoutes } from "./routes/consumption.ts";
import { airQualityRoutes } from "./routes/air_quality.ts";
import { eventsRoutes } from "./routes/events.ts";
import { webRoutes } from "./routes/web.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { DatabaseGuard, DEFAULT_GUARD } from "./routes/database_guard.ts";

export type { AppDeps };

const CONSUMPTION_PATH = "/api/consumption";

/**
 * The API's routes are declared with zod schemas on OpenAPIHono sub-apps; mounted here with
 * `app.route`, they land in this app's registry, from which /openapi.json is generated.
 */
export function createApp(deps: AppDeps): OpenAPIHono<BlankEnv> {
  const app = new OpenAPIHono<BlankEnv>();
  // HTTP policy (security headers, CORS, 405 on the read-only paths, HEAD lengths): first,
  // so every response below, 404s and errors included, goes through it.
  useHttpPolicy(app);
  const guard = new DatabaseGuard(deps.guard ?? DEFAULT_GUARD);
  // GET /api/consumption answers from rows held in memory and guards its reads of them itself.
  app.use(
    "/api/*",
    (c, next) => c.req.path === CONSUMPTION_PATH ? next() : guard.middleware(c, next),
  );
  app.use("/healthz", guard.middleware);
  app.route("/", statusRoutes(deps));
  app.route("/", openApiRoutes(app));
  app.route(CONSUMPTION_PATH, consumptionRoutes(deps, guard));
  app.route("/api/air-quality", airQualityRoutes(deps));
  app.route("/api/events", eventsRoutes(deps));
  app.route("/", webRoutes()); // last: it answers every path no route above claimed
  app.notFound(notFound);
  app.onError(handleError);
  return app;
}

/**
 * Serves `createApp(deps)` (extended by `extension`) on the configured address, sharing the
 * port with the other threads. The main thread and every worker call this.
 */
export async function serveApp(
  deps: AppDeps,
  extension: string | undefined,
): Promise<Deno.HttpServer> {
  const app = createApp(deps);
  if (extension) (await import(extension)).extendApp(app);
  return Deno.serve({
    hostname: deps.config.host,
    port: deps.config.port,
    // SO_REUSEPORT: every thread listens on the address, the kernel spreads connections.
    reusePort: true,
    onListen: () => {}, // service.ts announces the service once every thread listens
  }, app.fetch);
}
