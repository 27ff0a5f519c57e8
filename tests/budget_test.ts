import assert from "node:assert/strict";
import { Budget } from "../lib/budget.ts";

Deno.test("work that does not fit waits until enough units are given back, first come first served", async () => {
  const budget = new Budget(10);
  const first = await budget.acquire(8);
  const order: string[] = [];
  const heavy = budget.acquire(6).then((release) => (order.push("heavy"), release));
  const light = budget.acquire(1).then((release) => (order.push("light"), release));
  await Promise.resolve();
  assert.deepEqual(order, [], "the light one waits behind the heavy one although 2 units are free");
  first();
  (await heavy)();
  (await light)();
  assert.deepEqual(order, ["heavy", "light"]);
});

Deno.test("a weight above the capacity is capped, so it runs alone instead of never", async () => {
  const budget = new Budget(10);
  const release = await budget.acquire(1_000);
  let second = false;
  const next = budget.acquire(1).then((r) => (second = true, r));
  await Promise.resolve();
  assert.equal(second, false);
  release();
  (await next)();
  assert.equal(second, true);
});

Deno.test("a waiter whose signal aborts leaves the queue and lets the ones behind it in", async () => {
  const budget = new Budget(10);
  const held = await budget.acquire(5);
  const controller = new AbortController();
  const heavy = budget.acquire(10, controller.signal);
  const light = budget.acquire(5);
  controller.abort(new Error("deadline"));
  await assert.rejects(heavy, /deadline/);
  (await light)();
  held();
  held(); // giving back twice gives back once
  const all = await budget.acquire(10);
  let more = false;
  const extra = budget.acquire(1).then((r) => (more = true, r));
  await Promise.resolve();
  assert.equal(more, false, "the capacity is still 10");
  all();
  (await extra)();
});
