import assert from "node:assert/strict";
import { LruCache } from "../lib/lru_cache.ts";

Deno.test("the cache evicts the least recently used entries beyond its size", () => {
  const cache = new LruCache<string>(10);
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

Deno.test("byte arrays count by their bytes and replacing an entry frees the old one", () => {
  const cache = new LruCache<Uint8Array>(8);
  cache.set("a", new Uint8Array(4));
  cache.set("a", new Uint8Array(6));
  assert.equal(cache.size, 6);
  cache.set("b", new Uint8Array(2));
  assert.equal(cache.size, 8);
  cache.set("c", new Uint8Array(1)); // a goes
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.size, 3);
});

Deno.test("a cache of size zero stores nothing", () => {
  const cache = new LruCache<string>(0);
  cache.set("a", "1");
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.size, 0);
});
