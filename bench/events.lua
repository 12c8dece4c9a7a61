-- wrk: a fan festival's opening minute, as fans pressing "报名" (bench/events.sh).
--   TOKENS   file of API tokens, one per line (`canyu loadtest fans --out`)
--   EVENT    the event id
-- Every request is a different fan (tokens in turn, the threads interleaved), taking a place
-- alone. At the end the statuses are printed as `statuses: 201=… 200=…`.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local tokens = {}
local path
local i = 0
local nthreads = 2
statuses = {}

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  path = "/api/v1/events/" .. os.getenv("EVENT") .. "/rsvps"
  nthreads = tonumber(os.getenv("THREADS") or "2")
end

request = function()
  i = i + 1
  local n = tid + (i - 1) * nthreads
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", path, headers, "{}")
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local keys = {}
  for k in pairs(total) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. total[k] end
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
end
