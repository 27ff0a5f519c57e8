/** The periodic jobs the running service schedules (see ingest/scheduler.ts). */
import type { Job, JobDeps } from "./ingest/scheduler.ts";
import { rteRefreshJob } from "./ingest/rte/refresh.ts";
import { airQualityJob } from "./ingest/airqino/etl.ts";

export function scheduledJobs(deps: JobDeps): Job[] {
  return [rteRefreshJob(deps), airQualityJob(deps)];
}
