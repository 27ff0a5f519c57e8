/** Entry point: configuration → database schema → the app served on every thread, and jobs. */
import { startService } from "./service.ts";

await startService();
