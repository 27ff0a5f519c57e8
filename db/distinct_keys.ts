/** SQL fragments shared by the query modules. */
import type { Sql } from "./client.ts";

/**
 * `with recursive keys (key) as (…)`: the distinct values of an indexed leading column, found
 * by a loose index scan (one index probe per value, jumping from one to the next) instead of
 * reading every row. Callers select from `keys` where `key is not null`.
 */
export function distinctKeys(sql: Sql, table: string, column: string) {
  return sql`
    with recursive keys (key) as (
      (select ${sql(column)} from ${sql(table)} order by 1 limit 1)
      union all
      select (
        select following.${sql(column)} from ${sql(table)} following
        where following.${sql(column)} > keys.key
        order by 1 limit 1
      )
      from keys
      where keys.key is not null
    )`;
}
