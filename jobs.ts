/** The periodic jobs the running service schedules (see ingest/scheduler.ts). */
import type { AppDeps } from "./app.ts";
import type { Job } from "./ingest/scheduler.ts";
import { rteRefreshJob } from "./ingest/rte/refresh.ts";
import { airQualityJob } from "./ingest/airqino/etl.ts";

export function scheduledJobs(deps: AppDeps): Job[] {
  return [rteRefreshJob(deps), airQualityJob(deps)];
}
