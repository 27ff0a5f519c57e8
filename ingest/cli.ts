/**
 * What every command-line entry point shares: `main(args, deps)` takes these instead of the
 * process's own (tests pass them; each CLI extends them with its own test injections), and
 * opens the database the same way. lib/cli.ts's `runMain` turns `main` into an exit code.
 */
import { type Config, loadConfig } from "../config.ts";
import type { Sql } from "../db/client.ts";
import { openDatabase } from "../db/open.ts";

export interface CliDeps {
  /** A database to use instead of DATABASE_URL's; left open. */
  sql?: Sql;
  /** Instead of the process environment, as `loadConfig` reads it. */
  env?: Record<string, string | undefined>;
  /** Where a CLI that prints data (a CSV) prints it. */
  stdout?: (text: string) => void | Promise<void>;
  /** Where a CLI's report lines go; console.error by default. */
  stderr?: (line: string) => void;
}

export function cliConfig(deps: CliDeps): Config {
  return loadConfig(deps.env);
}

export function cliStderr(deps: CliDeps): (line: string) => void {
  return deps.stderr ?? ((line) => console.error(line));
}

/**
 * Runs `fn` on the injected database, or on DATABASE_URL's (created and migrated if needed:
 * a CLI may run before the service ever started), closed afterwards.
 */
export async function withCliDatabase<T>(
  deps: CliDeps,
  config: Config,
  poolSize: number,
  fn: (sql: Sql) => Promise<T>,
): Promise<T> {
  if (deps.sql) return await fn(deps.sql);
  const sql = await openDatabase(config.databaseUrl, { max: poolSize });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}
