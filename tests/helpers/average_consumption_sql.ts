/** Runs db/queries/average_consumption.sql with psql, as the README shows, on a test schema. */
import assert from "node:assert/strict";
import type { TestDatabase } from "./database.ts";

export interface AverageConsumption {
  halfHours: number;
  /** As psql prints them: `60930.454`, `60930453782`. */
  averageMw: string;
  averageW: string;
}

/**
 * Under a foreign time zone and date style, which the file must not depend on. The schema is
 * reached through `search_path`, as every test database lives in its own schema.
 */
export async function averageFromSqlFile(
  db: Pick<TestDatabase, "url" | "schema">,
  year: number,
): Promise<AverageConsumption> {
  const output = await new Deno.Command("psql", {
    args: [
      db.url,
      ...["-X", "-q", "-A", "-t", "-v", `year=${year}`],
      ...["-f", "db/queries/average_consumption.sql"],
    ],
    env: {
      PGOPTIONS: `-c search_path=${db.schema}`,
      PGTZ: "America/New_York",
      PGDATESTYLE: "SQL, DMY",
    },
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const [, halfHours, averageMw, averageW] = new TextDecoder().decode(output.stdout).trim()
    .split("|");
  return { halfHours: Number(halfHours), averageMw, averageW };
}
