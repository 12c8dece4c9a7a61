-- wrk: first-come-first-served orders, as fans pressing "buy" (bench/drop.sh).
--   TOKENS   file of API tokens, one per line (`canyu loadtest fans --out`)
--   WAVE     the wave id
--   RUN      a tag that makes this run's idempotency keys unique
--   BODY     the JSON body of every order (default `{}`; a campaign wave needs a kind and a buyer)
-- Every request is a different fan (tokens in turn, the threads interleaved) with a fresh
-- Idempotency-Key. At the end the 201s (acknowledged orders) and the other statuses are
-- printed as `statuses: 201=… 409=…`.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local tokens = {}
local path
local i = 0
local nthreads = 2
local body = "{}"
statuses = {}

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  path = "/api/v1/waves/" .. os.getenv("WAVE") .. "/orders"
  nthreads = tonumber(os.getenv("THREADS") or "2")
  body = os.getenv("BODY") or "{}"
end

request = function()
  i = i + 1
  local n = tid + (i - 1) * nthreads
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1],
    ["Idempotency-Key"] = (os.getenv("RUN") or "run") .. "-" .. tid .. "-" .. i,
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", path, headers, body)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  local codes = {}
  for code in pairs(total) do codes[#codes + 1] = code end
  table.sort(codes)
  local parts = {}
  for _, code in ipairs(codes) do parts[#parts + 1] = code .. "=" .. total[code] end
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
end
