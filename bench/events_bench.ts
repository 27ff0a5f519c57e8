/**
 * `deno task bench:events`: the five-month Québec export (2025-02-01..2025-06-30) against the
 * local Discovery API stub serving the generated data set, with the stub enforcing the real
 * spike arrest (one call per 200 ms) and the client at its default spacing. Prints requests
 * and wall time next to the floor: ⌈events / 200⌉ requests at 5 requests per second. A last
 * run without spacing shows what the tool itself costs. Prints a Markdown table.
 */
import { type ClientOptions, DiscoveryClient } from "../ingest/ticketmaster/client.ts";
import { exportEvents, type ExportOptions } from "../ingest/ticketmaster/export_events.ts";
import { PAGE_SIZE } from "../ingest/ticketmaster/harvest.ts";
import { resolveSegment } from "../db/event_segments.ts";
import { quebecEvents } from "../tests/helpers/ticketmaster_data.ts";
import { serveTicketmaster, STUB_API_KEY } from "../tests/helpers/ticketmaster_stub.ts";

const RANGE = { from: "2025-02-01", to: "2025-06-30" };
const SPIKE_ARREST_MS = 200;

interface Case {
  label: string;
  options: ExportOptions;
  client?: Partial<ClientOptions>;
  spikeArrestMs: number;
}

const CASES: Case[] = [
  {
    label: "all events, default spacing",
    options: { range: RANGE },
    spikeArrestMs: SPIKE_ARREST_MS,
  },
  {
    label: "Music, default spacing",
    options: { range: RANGE, segment: resolveSegment("Music") },
    spikeArrestMs: SPIKE_ARREST_MS,
  },
  {
    label: "all events, no spacing (tool overhead)",
    options: { range: RANGE },
    client: { spacingMs: 0 },
    spikeArrestMs: 0,
  },
];

const events = quebecEvents();
console.log(
  `machine: ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}; ` +
    `stub data set: ${events.length} events\n`,
);
console.log(
  "| run | events exported | events received | requests | 429 retries | wall time | " +
    "floor requests | floor time |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const run of CASES) {
  await using stub = serveTicketmaster({ events, spikeArrestMs: run.spikeArrestMs });
  const client = new DiscoveryClient({ apiKey: STUB_API_KEY, baseUrl: stub.url, ...run.client });
  const started = performance.now();
  const { rows, report } = await exportEvents(client, run.options);
  const seconds = (performance.now() - started) / 1000;
  const floor = Math.ceil(report.expected / PAGE_SIZE);
  console.log(
    `| ${run.label} | ${rows.length} | ${report.fetched} | ${report.requests} | ` +
      `${client.spikeArrests} | ${seconds.toFixed(2)} s | ${floor} | ` +
      `${(floor * SPIKE_ARREST_MS / 1000).toFixed(2)} s |`,
  );
  if (!report.complete) console.error(`  incomplete: ${JSON.stringify(report)}`);
}
