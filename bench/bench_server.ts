/**
 * The service exactly as `deno task start` serves it (service.ts, every thread), with the
 * bench's routes added to every thread's app (bench/bench_routes.ts). bench/served.ts runs it.
 */
import { startService } from "../service.ts";

await startService({ extension: new URL("./bench_routes.ts", import.meta.url).href });
