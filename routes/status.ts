/** Operational endpoints: /healthz, /openapi.json and the human-readable /docs. */
import { Hono } from "hono";
import type { AppDeps } from "../app.ts";
import { openApiDocument } from "./openapi.ts";
import { renderDocsPage } from "./docs_page.ts";

export function statusRoutes({ sql }: AppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    await sql`select 1`;
    return c.json({ status: "ok" });
  });
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", (c) => c.html(renderDocsPage(openApiDocument())));
  return app;
}

export const statusPaths = {
  "/healthz": {
    get: {
      summary: "Liveness and database reachability",
      responses: {
        "200": { description: "The service and its database answer" },
        "503": { $ref: "#/components/responses/Problem" },
      },
    },
  },
};
