-- wrk: fans voting for an AMA's questions (bench/ama.sh).
--   TOKENS     file of API tokens, one per line (`canyu loadtest fans --out`)
--   AMA        the session's id
--   QUESTIONS  its question ids, comma-separated (`canyu loadtest ama` prints them)
--   THREADS    wrk's -t
-- Request n is fan n mod F voting (PUT) for question (fan + n div F) mod Q: consecutive requests
-- are different fans, and each pass over the fans moves every fan one question on, so the first
-- F x Q requests are all distinct (fan, question) pairs — real inserts, not the cheap no-op of
-- a repeated vote — and the votes spread over every question as on a real live page. At the
-- end the statuses are printed as `statuses: 200=… 429=…`.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local tokens = {}
local questions = {}
local prefix
local i = 0
local nthreads = 2
statuses = {}

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  for id in string.gmatch(os.getenv("QUESTIONS"), "%d+") do questions[#questions + 1] = id end
  prefix = "/api/v1/amas/" .. os.getenv("AMA") .. "/questions/"
  nthreads = tonumber(os.getenv("THREADS") or "2")
end

request = function()
  i = i + 1
  local n = tid + (i - 1) * nthreads
  local fan = n % #tokens
  local q = (fan + math.floor(n / #tokens)) % #questions
  local headers = { ["Authorization"] = "Bearer " .. tokens[fan + 1] }
  return wrk.format("PUT", prefix .. questions[q + 1] .. "/vote", headers)
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
