/**
 * The OpenAPI 3.1 document (/openapi.json) and its human-readable page (/docs), generated from
 * the zod schemas every route was declared with: nothing here describes a route by hand.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { renderDocsPage } from "./docs_page.ts";

const INFO = {
  title: "opendata-feeds",
  version: "1.0.0",
  description:
    "Public open-data feeds (RTE éCO2mix electricity consumption, AirQuino air quality, " +
    "Ticketmaster events) as one HTTP API. Errors are RFC 9457 problem details.",
};

/** The document of every route of `app`, sub-apps mounted with `app.route(…)` included. */
export function openApiDocument(app: OpenAPIHono) {
  return app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO });
}

/**
 * Serves the document of `app`, the app this is mounted in. It is built on the first request,
 * once every route is mounted, and kept: routes do not change while the app runs.
 */
export function openApiRoutes(app: OpenAPIHono): Hono {
  const routes = new Hono();
  let document: ReturnType<typeof openApiDocument> | undefined;
  let page: string | undefined;
  const documentOnce = () => document ??= openApiDocument(app);
  routes.get("/openapi.json", (c) => c.json(documentOnce()));
  routes.get("/docs", (c) => c.html(page ??= renderDocsPage(documentOnce())));
  return routes;
}
