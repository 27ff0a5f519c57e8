/** Runs wrk and reads its report; the bench fails when a run saw anything but 2xx answers. */
import { luaArguments, type WindowSequence } from "./windows.ts";

/** What the issue measured with: two wrk threads, 16 connections, 10 s. */
export const WRK_THREADS = 2;
export const WRK_CONNECTIONS = 16;
export const WRK_SECONDS = 10;

const UNIQUE_WINDOWS_SCRIPT = new URL("./unique_windows.lua", import.meta.url).pathname;

export interface WrkRun {
  seconds: number;
  connections?: number;
  /** wrk gives up on a request after this long (its default: 2 s). */
  timeoutSeconds?: number;
  /** Ask for the sequence's windows from its k-th on, appended to the URL's query. */
  windows?: { sequence: WindowSequence; firstK: number };
}

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** The first k the next run of the same sequence may use (unique windows only). */
  nextK?: number;
}

export async function runWrk(url: string, run: WrkRun): Promise<WrkResult> {
  const args = [
    `-t${WRK_THREADS}`,
    `-c${run.connections ?? WRK_CONNECTIONS}`,
    `-d${run.seconds}s`,
    ...(run.timeoutSeconds ? [`--timeout`, `${run.timeoutSeconds}s`] : []),
    "--latency",
  ];
  const parsed = new URL(url);
  if (run.windows) {
    args.push("-s", UNIQUE_WINDOWS_SCRIPT, parsed.origin, "--");
    const path = `${parsed.pathname}?${parsed.search ? `${parsed.search.slice(1)}&` : ""}`;
    const { sequence, firstK } = run.windows;
    args.push(...luaArguments(sequence, { path, threads: WRK_THREADS, firstK }));
  } else {
    args.push(url);
  }
  const output = await new Deno.Command("wrk", { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) {
    throw new Error(`wrk ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return { ...parseWrk(text), nextK: run.windows ? checkedNextK(text, run.windows) : undefined };
}

/** Throws unless every request got a 2xx answer: a benchmark of errors measures nothing. */
export function assertAllAnswered(result: WrkResult, label: string): void {
  const { connect, read, write, timeout } = result.socketErrors;
  if (result.non2xx + connect + read + write + timeout > 0) {
    throw new Error(
      `wrk on ${label}: ${result.non2xx} non-2xx answers, socket errors: connect ${connect}, ` +
        `read ${read}, write ${write}, timeout ${timeout}`,
    );
  }
}

export function parseWrk(text: string): WrkResult {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const latency = (label: string) => {
    const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(text);
    if (!match) throw new Error(`Cannot read wrk's ${label} latency in:\n${text}`);
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2]]!;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const requests = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!requests) throw new Error(`Cannot read wrk's requests per second in:\n${text}`);
  return {
    requestsPerSecond: Number(requests[1]),
    p50Ms: latency("50%"),
    p99Ms: latency("99%"),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
  };
}

/** The script's own count: every k it used lies below the number of possible starts. */
function checkedNextK(text: string, { sequence }: { sequence: WindowSequence }): number {
  const match = /unique windows: next k (\d+) of (\d+)/.exec(text);
  if (!match) throw new Error(`wrk's script did not report its windows in:\n${text}`);
  const [nextK, modulus] = [Number(match[1]), Number(match[2])];
  if (modulus !== sequence.permutation.modulus || nextK > modulus) {
    throw new Error(`wrk asked for ${nextK} windows of ${modulus}: some were repeated`);
  }
  return nextK;
}
