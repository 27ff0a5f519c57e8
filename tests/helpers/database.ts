/**
 * Every test gets its own schema in the `opendata_feeds_test` database, migrated from
 * scratch and dropped on dispose: tests never touch the service's own database.
 */
import postgres from "postgres";
import { createSql, type Sql } from "../../db/client.ts";
import { ensureDatabase, migrate, quoteIdentifier, withDatabase } from "../../db/migrate.ts";

const TEST_DATABASE_URL = withDatabase(
  Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres",
  "opendata_feeds_test",
);

export interface TestDatabase extends AsyncDisposable {
  sql: Sql;
  url: string;
  schema: string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  await ensureDatabase(TEST_DATABASE_URL);
  const schema = `test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${quoteIdentifier(schema)}`);
  const sql = createSql(TEST_DATABASE_URL, { schema, max: 4 });
  await migrate(sql);
  return {
    sql,
    url: TEST_DATABASE_URL,
    schema,
    async [Symbol.asyncDispose]() {
      await sql.end();
      await admin.unsafe(`drop schema ${quoteIdentifier(schema)} cascade`);
      await admin.end();
    },
  };
}

/** `rte_consumption` as one digest: any row added, removed or rewritten changes it. */
export async function consumptionDigest(sql: Sql): Promise<string> {
  const [{ md5 }] = await sql`
    select md5(coalesce(string_agg(t::text, e'\n' order by perimeter, period_start), ''))
    from rte_consumption t`;
  return md5;
}
