/**
 * Ingest of the real annual files into an empty table, next to a plain COPY of the same rows
 * (the floor), interleaved run by run so both see the same machine; leaves the rows loaded.
 */
import type { Sql } from "../db/client.ts";
import { loadRteStream } from "../ingest/rte/load.ts";
import { countRows } from "./data.ts";
import { count, markdownTable, times } from "./markdown.ts";

export interface IngestRun {
  ingestS: number;
  copyS: number;
}

export async function benchIngest(
  sql: Sql,
  { url, annualDir, runs, workDir }: {
    url: string;
    annualDir: string;
    runs: number;
    workDir: string;
  },
): Promise<string> {
  const files = [];
  for await (const entry of Deno.readDir(annualDir)) files.push(`${annualDir}/${entry.name}`);
  files.sort();
  const csvPath = `${workDir}/rte_consumption.csv`;
  const measured: IngestRun[] = [];
  let rows = 0;
  for (let run = 0; run < runs; run++) {
    await sql`truncate rte_consumption`;
    const started = performance.now();
    for (const path of files) {
      using file = await Deno.open(path);
      await loadRteStream(sql, path.split("/").pop()!, file.readable);
    }
    const ingestS = (performance.now() - started) / 1000;
    rows = await countRows(sql);
    // The floor: the same rows, already parsed, written by one plain COPY.
    if (run === 0) await psql(url, `\\copy rte_consumption to '${csvPath}' csv`);
    await sql`truncate rte_consumption`;
    const copyStarted = performance.now();
    await psql(url, `\\copy rte_consumption from '${csvPath}' csv`);
    measured.push({ ingestS, copyS: (performance.now() - copyStarted) / 1000 });
    console.error(
      `ingest run ${run + 1}/${runs}: ${ingestS.toFixed(2)} s, COPY ${
        measured.at(-1)!.copyS.toFixed(2)
      } s`,
    );
  }
  await Deno.remove(csvPath);
  const ratios = measured.map((run) => run.ingestS / run.copyS);
  return [
    `Ingest of the ${files.length} annual files (${count(rows)} half-hours) into an empty ` +
    `table, next to a plain \`COPY\` of the same rows from a CSV file (the floor), ${runs} runs ` +
    `in one process (the first one with a cold JIT):`,
    "",
    markdownTable(
      ["run", "`deno task ingest` path s", "rows/s", "plain `COPY` s", "rows/s", "ratio"],
      measured.map((run, i) => [
        String(i + 1),
        run.ingestS.toFixed(2),
        count(rows / run.ingestS),
        run.copyS.toFixed(2),
        count(rows / run.copyS),
        times(ratios[i]),
      ]),
    ),
    "",
    `Median ratio: ${times(median(ratios))} (range ${times(Math.min(...ratios))}–` +
    `${times(Math.max(...ratios))}).`,
  ].join("\n");
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function psql(url: string, command: string): Promise<void> {
  const output = await new Deno.Command("psql", {
    args: [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command],
    stdin: "null",
  }).output();
  if (output.code !== 0) throw new Error(`psql: ${new TextDecoder().decode(output.stderr)}`);
}
