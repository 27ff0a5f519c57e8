/**
 * Hash routing: `#/consumption/2018-01-15`, `#/air-quality?station=…`, `#/events?from=…`.
 * The URL is the page's only state, so every view can be shared as a link.
 */
export type Page = "consumption" | "air-quality" | "events";

export interface Route {
  page: Page;
  /** Path segments after the page name, e.g. the day of the consumption page. */
  rest: string[];
  params: URLSearchParams;
}

const PAGES: Page[] = ["consumption", "air-quality", "events"];

export function parseHash(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const [name = "", ...rest] = path.split("/").filter(Boolean).map(
    decodeURIComponent,
  );
  const page = PAGES.find((p) => p === name) ?? "consumption";
  return { page, rest, params: new URLSearchParams(query) };
}

/** Builds `#/page/rest?params`, leaving out empty parameters. */
export function href(
  page: Page,
  rest: string[] = [],
  params: Record<string, string | undefined> = {},
): string {
  const path = [page, ...rest].map(encodeURIComponent).join("/");
  const query = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] =>
      Boolean(entry[1])
    ),
  ).toString();
  return `#/${path}${query ? `?${query}` : ""}`;
}

export const router = $state({ route: parseHash(location.hash) });

addEventListener("hashchange", () => {
  router.route = parseHash(location.hash);
});

/** Goes to a view; `replace` keeps the back button from stepping through defaults. */
export function navigate(target: string, replace = false): void {
  if (target === location.hash) return;
  if (replace) {
    history.replaceState(history.state, "", target);
    router.route = parseHash(target);
  } else {
    location.hash = target;
  }
}
