"""Driving the served app from another process with wrk (Debian's package), one Lua script per kind of load.

Each run is a warm-up (thrown away) then a measured stretch at a fixed number of
connections; wrk's own figures come back as a dict: requests per second, p50,
p95 and mean latency in milliseconds. Any refused request (4xx, 5xx, a broken
connection) stops the benchmark: a figure over failed requests measures nothing.
"""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

RESULT = re.compile(r"^BENCHJSON (\{.*\})$", re.MULTILINE)

# Reports one Lua state per wrk thread; `done` runs once with the merged figures.
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"mean_us":%.1f,"status_errors":%d,'
    .. '"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency.mean,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""

# GET one of several paths in turn, with the given headers (a staff session cookie).
GET = """
local paths = {%(paths)s}
local n = 0
wrk.headers["Cookie"] = "%(cookie)s"
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""

# POST the report form as a phone would send it (multipart), each from another address
# (X-Forwarded-For behind the one trusted proxy), about a platform drawn from a Zipf-like
# law or a fixed one, with a CSRF token and session cookie taken from the form's page.
SUBMIT = """
local sessions = {%(sessions)s}
local platforms = %(platforms)d
local fixed_platform = %(fixed_platform)d
local categories = {%(categories)s}
local openings = {%(openings)s}
local endings = {%(endings)s}
local photo = %(photo)s
local path = "%(path)s"
local boundary = "----tiplinebench7MA4YWxkTrZu0gW"
local counter = 0
local thread_id = 0

setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

init = function(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end

local function part(name, value)
  return "--" .. boundary .. "\\r\\nContent-Disposition: form-data; name=\\"" .. name .. "\\"\\r\\n\\r\\n" ..
    value .. "\\r\\n"
end

local function zipf_platform()
  -- Inverse of the cumulative 1/x law: a few platforms draw most reports.
  return math.floor(math.exp(math.random() * math.log(platforms)))
end

request = function()
  counter = counter + 1
  local s = sessions[math.random(#sessions)]
  local platform = fixed_platform
  local category = categories[1]
  if fixed_platform == 0 then
    platform = zipf_platform()
    category = categories[math.random(#categories)]
  end
  local body = part("csrf_token", s[2]) .. part("platform_id", tostring(platform)) ..
    part("platform_name", "platform " .. platform) .. part("category", category) ..
    part("location", "popup") ..
    part("description", openings[math.random(#openings)] .. " #" .. counter .. "-" .. math.random(1000000) ..
      endings[math.random(#endings)]) ..
    part("url", "") .. part("seen_at", "") .. part("reporter_type", "parent") ..
    part("contact_name", "") .. part("contact_email", "") .. part("contact_phone", "")
  if photo ~= "" then
    body = body .. "--" .. boundary ..
      "\\r\\nContent-Disposition: form-data; name=\\"evidence\\"; filename=\\"photo.jpg\\"\\r\\n" ..
      "Content-Type: image/jpeg\\r\\n\\r\\n" .. photo .. "\\r\\n"
  end
  body = body .. part("submit", "1") .. "--" .. boundary .. "--\\r\\n"
  local headers = {}
  headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  headers["Cookie"] = "session=" .. s[1]
  headers["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d", math.random(0, 255), math.random(0, 255),
    math.random(1, 254))
  return wrk.format("POST", path, headers, body)
end
"""


def _lua_string(value):
    return json.dumps(value, ensure_ascii=False)


def _lua_bytes(data):
    return '"' + "".join(f"\\{byte}" for byte in data) + '"'


def wrk_path():
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: `make bench` installs it (Debian package wrk)")
    return found


def run_wrk(base_url, script, seconds, connections, warmup=2, threads=2):
    """Warm up, then measure; returns {rps, p50, p95, mean (ms), requests}."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8", delete=False) as handle:
        handle.write(script + REPORT)
        path = handle.name
    try:
        if warmup:
            _wrk(base_url, path, warmup, connections, threads)
        return _wrk(base_url, path, seconds, connections, threads)
    finally:
        Path(path).unlink()


def _wrk(base_url, script_path, seconds, connections, threads):
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script_path]
    out = subprocess.run([*command, base_url], capture_output=True, text=True, check=True).stdout
    found = RESULT.search(out)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{out}")
    figures = json.loads(found.group(1))
    if figures["status_errors"] or figures["socket_errors"]:
        raise SystemExit(f"wrk saw failed requests ({figures}); the figures would mean nothing:\n{out}")
    seconds_run = figures["duration_us"] / 1e6
    return {
        "rps": figures["requests"] / seconds_run,
        "p50": figures["p50_us"] / 1000,
        "p95": figures["p95_us"] / 1000,
        "mean": figures["mean_us"] / 1000,
        "requests": figures["requests"],
    }


def get_script(paths, cookie=""):
    return GET % {"paths": ", ".join(_lua_string(p) for p in paths), "cookie": cookie}


def submit_script(path, sessions, platforms, categories, openings, endings, fixed_platform=0, photo=b""):
    return SUBMIT % {
        "sessions": ", ".join("{" + _lua_string(c) + ", " + _lua_string(t) + "}" for c, t in sessions),
        "platforms": platforms,
        "fixed_platform": fixed_platform,
        "categories": ", ".join(_lua_string(c) for c in categories),
        "openings": ", ".join(_lua_string(o) for o in openings),
        "endings": ", ".join(_lua_string(e) for e in endings),
        "photo": _lua_bytes(photo) if photo else '""',
        "path": path,
    }
