/** Loads whole days of consumption through the real ingest, as the consumption tests need. */
import type { Sql } from "../../db/client.ts";
import { loadRteSource } from "../../ingest/rte/load.ts";
import { eco2mixXls, halfHourlyDay, type XlsOptions } from "./rte_fixtures.ts";

/** A value telling its time: 06:30 is 50 630 MW. */
export const byTime = (time: string) => 50_000 + Number(time.replace(":", ""));

/** One file per day, every half-hour valued by `mw`; `options` sets perimeter and nature. */
export async function loadDays(
  sql: Sql,
  dates: string[],
  options: XlsOptions = {},
  mw: (time: string) => number = byTime,
): Promise<void> {
  for (const date of dates) {
    await loadRteSource(sql, {
      name: `${options.perimeter ?? "France"}_${date}.xls`,
      bytes: eco2mixXls(halfHourlyDay(date, mw), options),
    });
  }
}
