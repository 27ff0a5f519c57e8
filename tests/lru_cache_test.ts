import assert from "node:assert/strict";
import { LruCache } from "../lib/lru_cache.ts";

Deno.test("the cache evicts the least recently used entries beyond its size", () => {
  const cache = new LruCache(10, 1_000);
  cache.set("a", "aaaa");
  cache.set("b", "bbbb");
  assert.equal(cache.get("a"), "aaaa"); // a is now the most recent
  cache.set("c", "cccc"); // 12 chars: b goes
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a"), "aaaa");
  assert.equal(cache.get("c"), "cccc");
  assert.equal(cache.size, 8);
  cache.set("huge", "x".repeat(11));
  assert.equal(cache.get("huge"), undefined, "larger than the whole cache: not stored");
});

Deno.test("cache entries expire after their time to live and clear() empties the cache", () => {
  let now = 0;
  const cache = new LruCache(100, 50, () => now);
  cache.set("a", "1");
  now = 50;
  assert.equal(cache.get("a"), "1");
  now = 101;
  assert.equal(cache.get("a"), undefined);
  cache.set("b", "2");
  cache.clear();
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.size, 0);
});

Deno.test("a value computed across a clear() is not stored", () => {
  const cache = new LruCache(100, 1_000);
  const generation = cache.generation;
  cache.clear(); // the data changed while the value was being computed
  cache.set("a", "stale", generation);
  assert.equal(cache.get("a"), undefined);
  cache.set("a", "fresh", cache.generation);
  assert.equal(cache.get("a"), "fresh");
});
