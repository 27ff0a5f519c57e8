/** Creates postgres.js clients. Every query module takes the `Sql` it returns as first argument. */
import postgres from "postgres";

export type Sql = postgres.Sql;
export type Transaction = postgres.TransactionSql;

export interface SqlOptions {
  /** Put this schema first on the search path (tests use one schema each). */
  schema?: string;
  /** Pool size. */
  max?: number;
}

export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // A database that accepts connections but never answers is given up on quickly, and
    // reconnecting after failures waits at most 250 ms (the library's default backoff grows to
    // 20 s, which kept requests waiting long after the database was back).
    connect_timeout: 2,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.25),
    connection: {
      application_name: "opendata-feeds",
      // postgres.js prepares every query, and PostgreSQL kept re-planning the range reads on
      // every execution (custom plans, tens of µs each). One generic plan per statement and
      // connection instead: the queries here select key ranges, whose best plan does not
      // depend on the bounds (tests/query_plan_test.ts). A query whose best plan did depend on
      // its values would need them inlined.
      plan_cache_mode: "force_generic_plan",
      ...(options.schema ? { search_path: options.schema } : {}),
    },
  });
}

/** True when the error means "the database could not be reached" (as opposed to a bad query). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" &&
    (code.startsWith("ECONN") || code === "CONNECT_TIMEOUT" ||
      code === "CONNECTION_CLOSED" || code === "CONNECTION_ENDED" ||
      code === "CONNECTION_DESTROYED" || code === "ENOTFOUND" || code === "EPIPE" ||
      code === "57P01" || code === "57P03" || code === "3D000");
}
