/**
 * The periodic jobs the running service schedules (see ingest/scheduler.ts): one per feed,
 * each built from the same JobDeps, each recording its runs in the run log.
 */
import type { Job, JobDeps } from "./ingest/scheduler.ts";
import { rteRefreshJob } from "./ingest/rte/refresh.ts";
import { airQualityJob } from "./ingest/airqino/etl.ts";

export function scheduledJobs(deps: JobDeps): Job[] {
  // No Ticketmaster job: a run needs a date range and an API key, so it is asked for by hand
  // (`deno task events`), and its runs go to the same run log.
  return [rteRefreshJob(deps), airQualityJob(deps)];
}
