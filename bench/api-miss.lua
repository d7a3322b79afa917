-- wrk script for the API cache baseline (docs/reliability.md, Load): every request asks for
-- the 24 h series ending at another second, so every request misses the cache and renders.
--   wrk -t2 -c100 -d20s --latency --timeout 2s -s bench/api-miss.lua http://127.0.0.1:PORT
counter = 0
request = function()
  counter = counter + 1
  local to = 1796000000000 + counter * 1000
  return wrk.format("GET", "/api/v1/series?by=model&from=" .. (to - 86400000) .. "&to=" .. to)
end
