/** Polls `condition` every 25 ms until it holds; fails naming `what` after `timeoutMs`. */
import { sleep } from "../../ingest/http.ts";

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(25);
  }
}
