/**
 * The service's top-level modules (entry point, service and its serving thread, app, config,
 * jobs): the files a new top-level module must be added to, once, for the tests that list them.
 */
export const SERVICE_TOP_LEVEL = [
  "main.ts",
  "service.ts",
  "serving_worker.ts",
  "app.ts",
  "config.ts",
  "jobs.ts",
];
