/** The OpenAPI 3.1 document (/openapi.json) and its human-readable page (/docs). */
import { Hono } from "hono";
import { renderDocsPage } from "./docs_page.ts";
import { consumptionPaths } from "./consumption.ts";
import { airQualityPaths } from "./air_quality.ts";
import { eventsPaths } from "./events.ts";
import { statusPaths } from "./status.ts";

export function openApiRoutes(): Hono {
  const app = new Hono();
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", (c) => c.html(renderDocsPage(openApiDocument())));
  return app;
}

function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "opendata-feeds",
      version: "1.0.0",
      description:
        "Public open-data feeds (RTE éCO2mix electricity consumption, AirQuino air quality, " +
        "Ticketmaster events) as one HTTP API. Errors are RFC 9457 problem details.",
    },
    paths: { ...statusPaths, ...consumptionPaths, ...airQualityPaths, ...eventsPaths },
    components: {
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status"],
          properties: {
            type: { type: "string", example: "/problems/invalid-parameter" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            parameter: {
              type: "string",
              description: "The query parameter at fault",
            },
          },
        },
      },
      responses: {
        Problem: {
          description: "A problem (RFC 9457)",
          content: {
            "application/problem+json": {
              schema: { $ref: "#/components/schemas/Problem" },
            },
          },
        },
      },
    },
  };
}
