/**
 * Conditional GET: the validators (ETag, Last-Modified) of the last copy of each URL that
 * was ingested, so the next refresh downloads only what changed.
 */
import type { Sql } from "./client.ts";

export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

export async function readValidators(sql: Sql, url: string): Promise<Validators> {
  const [row] = await sql<{ etag: string | null; last_modified: string | null }[]>`
    select etag, last_modified from http_validators where url = ${url}`;
  return { etag: row?.etag ?? null, lastModified: row?.last_modified ?? null };
}

export async function saveValidators(sql: Sql, url: string, validators: Validators): Promise<void> {
  await sql`
    insert into http_validators (url, etag, last_modified)
    values (${url}, ${validators.etag ?? null}, ${validators.lastModified ?? null})
    on conflict (url) do update
      set etag = excluded.etag, last_modified = excluded.last_modified, updated_at = now()`;
}
