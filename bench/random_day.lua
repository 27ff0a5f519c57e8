-- wrk script: each request asks for a different day of the loaded years (2012-2015, 2017,
-- 2018), so a cache only helps once a day has been asked before.
local years = { 2012, 2013, 2014, 2015, 2017, 2018 }
math.randomseed(42)

request = function()
  local year = years[math.random(#years)]
  local t = os.time({ year = year, month = 1, day = 1, hour = 12 }) + math.random(0, 364) * 86400
  local day = os.date("%Y-%m-%d", t)
  return wrk.format("GET", "/api/consumption?start=" .. day .. "&end=" .. day .. "T23:30")
end
