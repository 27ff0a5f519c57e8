/** The service's configuration: read once from the environment, validated with zod. */
import { z } from "zod";

const EnvironmentSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default(
    "postgres://postgres@127.0.0.1:5432/opendata_feeds",
  ),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  // Threads serving HTTP, each with its own pool and memory budgets (the image sets 2).
  SERVE_THREADS: z.coerce.number().int().min(1).max(64).default(navigator.hardwareConcurrency),
  MAX_RANGE_DAYS: z.coerce.number().int().positive().default(366),
  // Memory for cached /api/consumption responses (invalidated on every ingest); 0 = off.
  CONSUMPTION_CACHE_MB: z.coerce.number().min(0).default(64),
  RTE_BASE_URL: z.url().default("https://eco2mix.rte-france.com"),
  REFRESH_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  // How many years of RTE annual files the refresh fills in (1 = the current year only).
  RTE_BACKFILL_YEARS: z.coerce.number().int().min(0).max(20).default(2),
  AIRQINO_BASE_URL: z.url().default("https://airqino-api.magentalab.it"),
  // Bearer token for the AirQino API (required by the API since 2026; optional here). Keycloak
  // access tokens expire within minutes, so AIRQINO_REFRESH_TOKEN (Keycloak's refresh_token
  // grant at AIRQINO_AUTH_URL) is the lasting setting; it wins when both are set.
  AIRQINO_TOKEN: z.string().optional(),
  AIRQINO_REFRESH_TOKEN: z.string().optional(),
  AIRQINO_AUTH_URL: z.url().default(
    "https://airqino-auth.magentalab.it/realms/airqino/protocol/openid-connect/token",
  ),
  AIRQINO_STATIONS: z.string().regex(/^\d+(,\d+)*$/, "expected ids like 283164601,283181971")
    .default("283164601,283181971"),
  AIRQUALITY_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  // Only `deno task events` needs the key; it is never logged or written anywhere.
  TICKETMASTER_API_KEY: z.string().optional(),
  TICKETMASTER_BASE_URL: z.url().default("https://app.ticketmaster.com"),
});

// Trailing slashes dropped so paths can be appended with "/".
const baseUrl = (url: string) => url.replace(/\/+$/, "");

/** The variables, validated, as the names the code uses: `Config` is derived from this. */
const ConfigSchema = EnvironmentSchema.transform((e) => ({
  databaseUrl: e.DATABASE_URL,
  host: e.HOST,
  port: e.PORT,
  serveThreads: e.SERVE_THREADS,
  maxRangeDays: e.MAX_RANGE_DAYS,
  consumptionCacheMb: e.CONSUMPTION_CACHE_MB,
  rteBaseUrl: baseUrl(e.RTE_BASE_URL),
  refreshIntervalMinutes: e.REFRESH_INTERVAL_MINUTES,
  rteBackfillYears: e.RTE_BACKFILL_YEARS,
  airqinoBaseUrl: baseUrl(e.AIRQINO_BASE_URL),
  airqinoToken: e.AIRQINO_TOKEN,
  airqinoRefreshToken: e.AIRQINO_REFRESH_TOKEN,
  airqinoAuthUrl: e.AIRQINO_AUTH_URL,
  airqinoStations: e.AIRQINO_STATIONS.split(","),
  airqualityIntervalMinutes: e.AIRQUALITY_INTERVAL_MINUTES,
  ticketmasterApiKey: e.TICKETMASTER_API_KEY,
  ticketmasterBaseUrl: baseUrl(e.TICKETMASTER_BASE_URL),
}));

export type Config = z.output<typeof ConfigSchema>;

/**
 * Every variable any entry point may read. Each deno task grants only those it uses (plus PG*
 * for postgres.js); `readEnv` skips the rest, which keep their defaults.
 */
export const CONFIG_VARIABLES = Object.keys(EnvironmentSchema.shape) as Array<
  keyof typeof EnvironmentSchema.shape
>;

/**
 * Parses the environment. Throws one readable line naming every bad variable,
 * e.g. `Invalid configuration: PORT: Too big: expected number to be <=65535`.
 */
export function loadConfig(
  env: Record<string, string | undefined> = readEnv(),
): Config {
  const result = ConfigSchema.safeParse(withoutEmpty(env));
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      `${issue.path.join(".")}: ${issue.message}`
    );
    throw new Error(`Invalid configuration: ${problems.join("; ")}`);
  }
  return result.data;
}

// Each task is granted only the variables it uses; the others take their defaults.
function readEnv(): Record<string, string | undefined> {
  return Object.fromEntries(
    CONFIG_VARIABLES.map((
      name,
    ) => [name, readable(name) ? Deno.env.get(name) : undefined]),
  );
}

function readable(variable: string): boolean {
  return Deno.permissions.querySync({ name: "env", variable }).state ===
    "granted";
}

// An empty variable (`PORT=`) means "use the default", as in most shells' .env files.
function withoutEmpty(env: Record<string, string | undefined>) {
  return Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
}
