/**
 * The service's queries run on one generic plan per statement and connection (db/client.ts sets
 * plan_cache_mode), instead of being re-planned for every range they are given; and the generic
 * plan of the consumption range read is the one a range calls for: the primary key, in order.
 */
import assert from "node:assert/strict";
import type { Sql } from "../db/client.ts";
import { listConsumption } from "../db/consumption.ts";
import { loadRteSource } from "../ingest/rte/load.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { consecutiveDates, eco2mixXls, halfHourlyDay } from "./helpers/rte_fixtures.ts";

interface PreparedStatement {
  name: string;
  generic_plans: number;
  custom_plans: number;
}

/** A year of half-hours, loaded (and so analysed) as `deno task ingest` does. */
async function loadYear(sql: Sql): Promise<void> {
  const rows = consecutiveDates("2018-01-01", 365).flatMap((date) =>
    halfHourlyDay(date, (time) => 50_000 + Number(time.replace(":", "")))
  );
  await loadRteSource(sql, { name: "2018.xls", bytes: eco2mixXls(rows) });
}

/** The range read's prepared statement on this connection. */
async function rangeRead(sql: Sql): Promise<PreparedStatement> {
  const found = await sql<PreparedStatement[]>`
    select name, generic_plans::int, custom_plans::int from pg_prepared_statements
    where statement like '%period_start_ms%from rte_consumption%order by period_start'`;
  assert.equal(found.length, 1, JSON.stringify(found));
  return found[0];
}

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function nodesOf(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans ?? []) as Record<string, unknown>[];
  return [plan, ...children.flatMap(nodesOf)];
}

Deno.test("the consumption range read is planned once, generically, however many ranges it reads", async () => {
  await using db = await createTestDatabase();
  await loadYear(db.sql);
  const connection = await db.sql.reserve();
  try {
    for (let month = 1; month <= 12; month++) {
      const start = new Date(Date.UTC(2018, month - 1, 1));
      const end = new Date(Date.UTC(2018, month - 1, month + 1, 12));
      const rows = await listConsumption(connection, { perimeter: "France", start, end });
      assert.equal(rows.length, (month + 0.5) * 48 + 1);
    }
    const statement = await rangeRead(connection);
    assert.equal(statement.custom_plans, 0);
    assert.equal(statement.generic_plans, 12);
  } finally {
    connection.release();
  }
});

Deno.test("the generic plan of the range read walks the primary key in order, with no sort", async () => {
  await using db = await createTestDatabase();
  await loadYear(db.sql);
  const connection = await db.sql.reserve();
  try {
    const range = {
      perimeter: "France",
      start: new Date("2018-01-01"),
      end: new Date("2019-01-01"),
    };
    assert.equal((await listConsumption(connection, range)).length, 17_516);
    const { name } = await rangeRead(connection);
    assert.match(name, /^\w+$/);
    // The range as constants: EXECUTE's arguments in a utility statement take no parameters.
    const [{ "QUERY PLAN": [{ Plan: plan }] }] = await connection.unsafe(
      `explain (format json) execute "${name}"('France', '${range.start.toISOString()}', ` +
        `'${range.end.toISOString()}')`,
    );
    const nodes = nodesOf(plan);
    assert.equal(nodes.length, 1, JSON.stringify(plan));
    assert.match(nodes[0]["Node Type"] as string, /^Index (Only )?Scan$/);
    assert.equal(nodes[0]["Index Name"], "rte_consumption_pkey");
  } finally {
    connection.release();
  }
});
