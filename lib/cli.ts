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

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `${error.message.replace(/, run again with .*$/s, "")}: this task's permission flags ` +
      "(deno.json) do not allow it; run it with `deno run` and a wider flag";
  }
  return error instanceof Error ? error.message : String(error);
}
