/** What every entry point does first: create the database if missing, connect, migrate. */
import { createSql, type Sql, type SqlOptions } from "./client.ts";
import { ensureDatabase, migrate } from "./migrate.ts";

export async function openDatabase(url: string, options: SqlOptions = {}): Promise<Sql> {
  await ensureDatabase(url);
  const sql = createSql(url, options);
  try {
    await migrate(sql);
  } catch (error) {
    await sql.end();
    throw error;
  }
  return sql;
}
