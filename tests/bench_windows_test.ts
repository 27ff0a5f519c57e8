import assert from "node:assert/strict";
import {
  DAY_S,
  gcd,
  HALF_HOUR_S,
  luaArguments,
  nthStart,
  permutationOf,
  permute,
  startCount,
  startRuns,
  windowBounds,
  windowQuery,
  windowSequence,
} from "../bench/windows.ts";
import { parseWrk } from "../bench/wrk.ts";

const utc = (iso: string) => Date.parse(iso) / 1000;
// Two loaded stretches with a hole between them, like 2012–2015 and 2017–2018.
const ISLANDS = [
  { firstS: utc("2015-01-01T00:00:00Z"), lastS: utc("2015-01-03T23:30:00Z") },
  { firstS: utc("2017-01-01T00:00:00Z"), lastS: utc("2017-01-01T23:30:00Z") },
];

Deno.test("a permutation visits every index of its range exactly once", () => {
  for (const modulus of [1, 2, 12, 97, 360, 1000]) {
    const permutation = permutationOf(modulus, 7);
    assert.deepEqual(gcd(permutation.multiplier, modulus), 1);
    const seen = new Set(Array.from({ length: modulus }, (_, k) => permute(permutation, k)));
    assert.deepEqual(seen.size, modulus);
    assert([...seen].every((index) => index >= 0 && index < modulus));
  }
});

Deno.test("a permutation is exact for ranges near 2^32, where doubles would round", () => {
  const permutation = permutationOf(2 ** 32 - 5, 123);
  const k = 2 ** 32 - 6;
  const exact = (BigInt(permutation.multiplier) * BigInt(k) + 123n) % BigInt(2 ** 32 - 5);
  assert.deepEqual(permute(permutation, k), Number(exact));
  assert.throws(() => permutationOf(2 ** 32, 0), /Cannot permute 4294967296 starts/);
});

Deno.test("a day's windows start anywhere a whole day of data follows, never across the hole", () => {
  const runs = startRuns(ISLANDS, DAY_S);
  // The first stretch holds three days: starts from its first second to two days later; the
  // second holds exactly one day: one start.
  assert.deepEqual(runs, [
    { first: ISLANDS[0].firstS, count: 2 * DAY_S + 1 },
    { first: ISLANDS[1].firstS, count: 1 },
  ]);
  assert.deepEqual(nthStart(runs, 2 * DAY_S), utc("2015-01-03T00:00:00Z"));
  assert.deepEqual(nthStart(runs, 2 * DAY_S + 1), ISLANDS[1].firstS);
  assert.throws(() => nthStart(runs, 2 * DAY_S + 2), /Cannot take start 172802: only 172802/);
});

Deno.test("a window longer than every stretch has no start", () => {
  assert.deepEqual(startRuns(ISLANDS, 4 * DAY_S), []);
  assert.throws(() => windowSequence(ISLANDS, 4 * DAY_S), /Cannot fit a window of 345600 s/);
});

Deno.test("starts on a coarser grid keep its phase and stay inside the data", () => {
  const midnights = { stepS: DAY_S, phaseS: -15 * 60 };
  const runs = startRuns(ISLANDS, DAY_S, midnights);
  // Midnights of UTC+00:15 fall at 23:45 UTC: 2015-01-01T23:45Z is the first inside the data,
  // 2015-01-02T23:45Z the last followed by a whole day of it.
  assert.deepEqual(runs, [{ first: ISLANDS[0].firstS / DAY_S + 1, count: 2 }]);
  assert.deepEqual(startCount(runs), 2);
});

Deno.test("every window of a sequence is new, lies in the data and lasts the window's length", () => {
  const sequence = windowSequence(ISLANDS, DAY_S, 42);
  const modulus = sequence.permutation.modulus;
  const queries = new Set<string>();
  for (let k = 0; k < modulus; k += 97) {
    const { startS, endS } = windowBounds(sequence, k);
    assert.deepEqual(endS - startS, DAY_S - 1);
    assert(ISLANDS.some((i) => startS >= i.firstS && endS < i.lastS + HALF_HOUR_S));
    queries.add(windowQuery(sequence, k));
  }
  assert.deepEqual(queries.size, Math.ceil(modulus / 97));
});

Deno.test("a window's query writes both bounds in UTC to the second", () => {
  const sequence = windowSequence([ISLANDS[1]], DAY_S, 0);
  assert.deepEqual(windowQuery(sequence, 0), "start=2017-01-01T00:00:00Z&end=2017-01-01T23:59:59Z");
});

Deno.test("wrk's script gets the sequence in the order it reads it", () => {
  const sequence = windowSequence(ISLANDS, DAY_S, 5);
  const { modulus, multiplier } = sequence.permutation;
  assert.deepEqual(
    luaArguments(sequence, { path: "/api/consumption?", threads: 2, firstK: 10 }),
    [
      "/api/consumption?",
      String(DAY_S),
      String(modulus),
      String(multiplier),
      "5",
      "2",
      "10",
      String(ISLANDS[0].firstS),
      String(2 * DAY_S + 1),
      String(ISLANDS[1].firstS),
      "1",
    ],
  );
});

Deno.test("wrk's report gives its rate, latencies in milliseconds and every kind of error", () => {
  const report = `Running 10s test @ http://127.0.0.1:8000
  2 threads and 16 connections
  Latency Distribution
     50%  845.00us
     75%    1.20ms
     90%    2.10ms
     99%    1.05s
  170151 requests in 10.00s, 740.61MB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 4
Requests/sec:  17015.97
Transfer/sec:     74.05MB
`;
  assert.deepEqual(parseWrk(report), {
    requestsPerSecond: 17015.97,
    p50Ms: 0.845,
    p99Ms: 1050,
    non2xx: 4,
    socketErrors: { connect: 0, read: 3, write: 0, timeout: 12 },
  });
});
