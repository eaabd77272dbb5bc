-- wrk script of the LynrieScoop benchmarks (driven by bench/wrk.py).
--
-- Arguments after "--":
--   get                          plain GETs of the URL given to wrk (nothing done per request in Lua)
--   cond                         conditional GETs: each connection's first requests are plain; the first 200
--                                with an ETag (and every later 200 with a new one) makes every following
--                                request carry `If-None-Match: <that ETag>`. Every response status is counted.
--   post <path> <file> <threads> authenticated JSON POSTs: <file> holds lines "token<TAB>body"; thread k of
--                                n takes lines k, k+n, k+2n... so no two requests of the run share a line.
--                                Requests are formatted once, in init, so Lua costs nothing per request.
--                                Every response status is counted; "wrapped" counts lines used twice.
-- done() prints one line "BENCH-JSON {...}" with the totals and latency percentiles (microseconds).

local threads = {}
local created = 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  wrapped = 0
  if args[1] == "cond" then
    local plain = wrk.format()
    local conditional = nil
    local etag = nil
    request = function()
      return conditional or plain
    end
    response = function(status, headers, body)
      statuses[status] = (statuses[status] or 0) + 1
      if status == 200 then
        local tag = headers["etag"] or headers["ETag"] or headers["Etag"]
        if tag and tag ~= etag then
          etag = tag
          local copy = {}
          for name, value in pairs(wrk.headers) do
            copy[name] = value
          end
          copy["If-None-Match"] = tag
          conditional = wrk.format(nil, nil, copy)
        end
      end
    end
    return
  end
  if args[1] ~= "post" then
    return
  end
  local path, file, count = args[2], args[3], tonumber(args[4])
  local prepared = {}
  local index = 0
  for line in io.lines(file) do
    if index % count == id then
      local tab = line:find("\t", 1, true)
      local headers = {
        ["Authorization"] = "Bearer " .. line:sub(1, tab - 1),
        ["Content-Type"] = "application/json",
      }
      table.insert(prepared, wrk.format("POST", path, headers, line:sub(tab + 1)))
    end
    index = index + 1
  end
  local position = 0
  request = function()
    position = position + 1
    if position > #prepared then
      position = 1
      wrapped = wrapped + 1
    end
    return prepared[position]
  end
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local totals = {}
  local wrapped_total = 0
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    if counted then
      for status, n in pairs(counted) do
        totals[status] = (totals[status] or 0) + n
      end
    end
    wrapped_total = wrapped_total + (thread:get("wrapped") or 0)
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, '
      .. '"statuses": {%s}, "wrapped": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ", "), wrapped_total
  ))
end
