-- wrk: request the paths listed in the file named by the PATHS environment variable, in
-- turn (each connection starts at its own offset).
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[((offset or 0) + i) % #paths + 1])
end
