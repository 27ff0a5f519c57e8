/**
 * The real responses kept in `../shared/data/airqino/`: two fetches of the `data` array
 * for both stations (fetch A ends 2023-12-06 16:00, fetch B three days later). Read in
 * fetch order and merged like the ETL's upsert would, the newer fetch winning.
 */
import { parseDataArray, type ParsedHour } from "./payload.ts";

export const SHARED_DIR = "../shared/data/airqino";

/** Oldest fetch first. */
export const SHARED_FETCHES = [
  "degbun+projet_etl_data354_degbun_josue",
  "degbun+Projet_Data354_ETL_DEGBUN_JOSUE",
];

export const SHARED_STATIONS = [
  { id: "283164601", name: "SMART188", file: "station1_data.json" },
  { id: "283181971", name: "SMART189", file: "station2_data.json" },
];

export async function readSharedFetch(
  dir: string,
  fetch: string,
  file: string,
): Promise<ParsedHour[]> {
  const path = `${dir}/${fetch}/${file}`;
  try {
    return parseDataArray(JSON.parse(await Deno.readTextFile(path)));
  } catch (error) {
    throw new Error(
      `Cannot read ${path}: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** Every hour of a station across both fetches, oldest first. */
export async function readSharedHistory(
  dir: string,
  file: string,
): Promise<ParsedHour[]> {
  const byHour = new Map<number, ParsedHour>();
  for (const fetch of SHARED_FETCHES) {
    for (const row of await readSharedFetch(dir, fetch, file)) {
      byHour.set(row.hourStart.getTime(), row);
    }
  }
  return [...byHour.values()].sort((a, b) => a.hourStart.getTime() - b.hourStart.getTime());
}
