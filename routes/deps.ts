/** What the HTTP application is built from; tests build one per test database. */
import type { Config } from "../config.ts";
import type { Sql } from "../db/client.ts";
import type { DatabaseGuardOptions } from "./database_guard.ts";

export interface AppDeps {
  sql: Sql;
  config: Config;
  /** Deadline and concurrency for database reads; tests may shorten them. */
  guard?: DatabaseGuardOptions;
}
