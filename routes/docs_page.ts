/** A dependency-free HTML rendering of the OpenAPI document (no CDN, works offline). */
import { createHash } from "node:crypto";

const DOCS_STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;" +
  "padding:0 1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}" +
  "pre{padding:.6rem;overflow:auto}table{border-collapse:collapse}" +
  "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}";

/**
 * The page's one inline `<style>`, as a CSP source: the Content-Security-Policy allows this
 * exact stylesheet and no other inline style, so the page stays a single offline response.
 */
export const DOCS_STYLE_SOURCE = `'sha256-${
  createHash("sha256").update(DOCS_STYLE).digest("base64")
}'`;

interface Parameter {
  name: string;
  required?: boolean;
  description?: string;
  schema?: { example?: unknown };
}

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  responses?: Record<
    string,
    { description?: string; content?: Record<string, unknown> }
  >;
}

export function renderDocsPage(
  document: {
    info: { title: string; description?: string };
    paths?: Record<string, unknown>;
  },
): string {
  const sections = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map((
      [method, operation],
    ) => renderOperation(method, path, operation))
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(document.info.title)} API</title>
<style>${DOCS_STYLE}</style>
</head><body>
<h1>${escapeHtml(document.info.title)} API</h1>
<p>${
    escapeHtml(document.info.description ?? "")
  } Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
${sections.join("\n")}
</body></html>`;
}

function renderOperation(
  method: string,
  path: string,
  operation: Operation,
): string {
  const parameters = operation.parameters ?? [];
  // The document generated from zod puts a parameter's example in its schema.
  const examples = parameters.flatMap((p) =>
    p.schema?.example === undefined ? [] : [`${p.name}=${p.schema.example}`]
  );
  const example = examples.length > 0 ? `${path}?${examples.join("&")}` : path;
  const rows = parameters.map((p) =>
    `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${
      p.required ? "required" : "optional"
    }</td><td>${escapeHtml(p.description ?? "")}</td></tr>`
  ).join("");
  const responses = Object.entries(operation.responses ?? {}).map((
    [status, response],
  ) => `<li><code>${status}</code> ${escapeHtml(response.description ?? "problem details")}</li>`)
    .join("");
  return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(operation.summary ?? "")}</p>
${operation.description ? `<p>${escapeHtml(operation.description)}</p>` : ""}
${rows ? `<table><tr><th>parameter</th><th></th><th>meaning</th></tr>${rows}</table>` : ""}
<p>Try: <a href="${escapeHtml(example)}"><code>${escapeHtml(example)}</code></a></p>
<ul>${responses}</ul></section>`;
}

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  )
    .replaceAll('"', "&quot;");
}
