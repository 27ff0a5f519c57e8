/** The periodic jobs the running service schedules (see ingest/scheduler.ts). */
import type { AppDeps } from "./app.ts";
import type { Job } from "./ingest/scheduler.ts";

export function scheduledJobs(_deps: AppDeps): Job[] {
  return [];
}
