-- wrk script: every request asks for a window never asked before in the run. The k-th request
-- starts at the ((a*k + c) mod M)-th of the M possible starts, as bench/windows.ts computes it
-- (a bijection of [0, M): no start repeats while k < M). Thread t of T makes k = base + t,
-- base + t + T, ...; done() prints the next unused k, which the bench checks is at most M.
-- Arguments (bench/windows.ts luaArguments): path ending in "?", window seconds, M, a, c, T,
-- base, then the first start and the count of each run of possible starts.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local path, duration, multiplier, offset, thread_count, base
local runs = {}
local made = 0
-- Globals, so that done(), in wrk's main Lua state, can read them from each thread.
id = 0
modulus = 0
next_k = 0

function init(args)
  path = args[1]
  duration = tonumber(args[2])
  modulus = tonumber(args[3])
  multiplier = tonumber(args[4])
  offset = tonumber(args[5])
  thread_count = tonumber(args[6])
  base = tonumber(args[7])
  next_k = base
  for i = 8, #args, 2 do
    table.insert(runs, { first = tonumber(args[i]), count = tonumber(args[i + 1]) })
  end
end

-- (a * k) mod m, exact in doubles for a, k, m below 2^32: a is split in 16-bit halves.
local function mulmod(a, k, m)
  local high = math.floor(a / 65536)
  local low = a % 65536
  return ((high * k % m) * 65536 + low * k) % m
end

local function nth_start(index)
  for _, run in ipairs(runs) do
    if index < run.count then
      return run.first + index
    end
    index = index - run.count
  end
  error("start " .. index .. " is beyond the possible starts")
end

local function utc(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

function request()
  local k = base + made * thread_count + id
  made = made + 1
  next_k = k + 1
  local start = nth_start((mulmod(multiplier, k, modulus) + offset) % modulus)
  return wrk.format("GET", path .. "start=" .. utc(start) .. "&end=" .. utc(start + duration - 1))
end

function done(summary, latency, requests)
  local unused = 0
  for _, thread in ipairs(threads) do
    unused = math.max(unused, thread:get("next_k"))
  end
  io.write(string.format("unique windows: next k %.0f of %.0f\n", unused, threads[1]:get("modulus")))
end
