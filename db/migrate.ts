/**
 * Schema migrations: `db/migrations/NNNN_name.sql`, applied in file-name order, each once,
 * all pending ones in one transaction (all or nothing), recorded in `schema_migrations`.
 */
import postgres from "postgres";
import type { Sql } from "./client.ts";
import { inTransaction } from "./transaction.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Any constant: serialises concurrent migrators (two replicas starting at once).
const MIGRATION_LOCK_ID = 7_291_001;

export interface Migration {
  version: string;
  sql: string;
}

export async function readMigrations(): Promise<Migration[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(MIGRATIONS_DIR)) {
    if (entry.isFile && /^\d{4}_[a-z0-9_]+\.sql$/.test(entry.name)) {
      names.push(entry.name);
    }
  }
  names.sort();
  return await Promise.all(names.map(async (name) => ({
    version: name.replace(/\.sql$/, ""),
    sql: await Deno.readTextFile(new URL(name, MIGRATIONS_DIR)),
  })));
}

/** Applies the migrations not yet recorded; returns the versions it applied. */
export async function migrate(sql: Sql): Promise<string[]> {
  const migrations = await readMigrations();
  return await inTransaction(sql, async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`create table if not exists schema_migrations (
      version text primary key,
      applied_at timestamptz not null default now()
    )`;
    const done = new Set(
      (await tx`select version from schema_migrations`).map((r) => r.version as string),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.unsafe(migration.sql);
      await tx`insert into schema_migrations (version) values (${migration.version})`;
      applied.push(migration.version);
    }
    return applied;
  });
}

/** Creates the database named in `url` when it does not exist yet (a fresh machine). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name) return;
  const admin = postgres(withDatabase(url, "postgres"), {
    max: 1,
    onnotice: () => {},
  });
  try {
    const [row] = await admin`select 1 as present from pg_database where datname = ${name}`;
    if (!row) await admin.unsafe(`create database ${quoteIdentifier(name)}`);
  } catch (error) {
    // Another process created it between our check and our create.
    if ((error as { code?: string }).code !== "42P04") throw error;
  } finally {
    await admin.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
