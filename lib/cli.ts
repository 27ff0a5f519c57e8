import { messageOf } from "./message_of.ts";

/**
 * Runs a command-line entry point: its exit code, or one `error: …` line and exit 1 for
 * anything it did not handle (a database that refuses the connection, a missing permission).
 */
export async function runMain(main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (error) {
    console.error(`error: ${describe(error)}`);
    return 1;
  }
}

export function describe(error: unknown): string {
  const message = messageOf(error);
  // A host name the task may not reach fails its DNS look-up with EPERM, not NotCapable.
  const host = /^getaddrinfo EPERM (\S+)/.exec(message)?.[1];
  if (error instanceof Deno.errors.NotCapable || host) {
    const what = host
      ? `Requires net access to "${host}"`
      : message.replace(/, run again with .*$/s, "");
    return `${what}: this task's permission flags (deno.json) do not allow it; run it with ` +
      "`deno run` and a wider flag";
  }
  return message;
}
