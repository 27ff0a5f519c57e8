/** Queries over `rte_consumption`. */
import type { Sql } from "./client.ts";

export type Nature = "real_time" | "consolidated" | "definitive";

export interface ConsumptionRange {
  perimeter: string;
  /** Inclusive bounds on the half-hour's start instant. */
  start: Date;
  end: Date;
}

export interface ConsumptionRow {
  period_start: Date;
  consumption_mw: number;
  nature: Nature;
}

/** Half-hours whose start lies in [start, end] (SQL BETWEEN), oldest first. */
export async function listConsumption(
  sql: Sql,
  range: ConsumptionRange,
): Promise<ConsumptionRow[]> {
  return await sql<ConsumptionRow[]>`
    select period_start, consumption_mw, nature
    from rte_consumption
    where perimeter = ${range.perimeter}
      and period_start between ${range.start} and ${range.end}
    order by period_start`;
}

export interface LatestConsumption {
  perimeter: string;
  period_start: Date;
  nature: Nature;
}

/** The newest stored half-hour per perimeter, for freshness reports. */
export async function latestConsumption(
  sql: Sql,
): Promise<LatestConsumption[]> {
  return await sql<LatestConsumption[]>`
    select distinct on (perimeter) perimeter, period_start, nature
    from rte_consumption
    order by perimeter, period_start desc`;
}
