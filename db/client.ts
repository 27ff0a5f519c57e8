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
    connect_timeout: 5,
    connection: {
      application_name: "opendata-feeds",
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
      code === "CONNECTION_DESTROYED" || code === "ENOTFOUND" ||
      code === "57P01" || code === "57P03" || code === "3D000");
}
