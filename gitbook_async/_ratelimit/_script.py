"""The budget rules of ``_budget.py`` in Lua, for a store that decides in one call (Redis).

One call of ``SCRIPT`` (``EVALSHA``) applies a process's pending steps to the budget of one
key, atomically, at Redis's clock: it settles answered requests, gives back unused
reservations, re-checks reservations in doubt, then reserves for up to ``len(take)``
waiting tasks (``take_many``), and answers what the waiting tasks left over do next. When
the change is news to other processes (``announces``) it publishes one message on the
channel. Every rule mirrors a pure function of ``_budget.py``; tests/test_redis_script.py
runs both against the same tables.

Arguments: ``KEYS[1]`` the budget's key; ``ARGV`` = clock (``""``: Redis's ``TIME``; a
number: that time, for the tables), lease seconds, key TTL in ms, channel, sender (a
process's random id, so it can skip its own messages), and the steps as JSON::

    {"settle": [[id, status, limit, remaining, reset, retry_after], ...],  # status null: no answer
     "give_back": [id, ...], "recheck": [id, ...], "take": [id, ...]}

The answer is JSON: ``{"granted": [ids], "send": bool, "wait": seconds or null,
"rechecked": [bools], "doubtful": bool, "published": bool, "now": seconds}``. The budget
is stored as ``_codec.budget_to_json`` writes it (floats with 17 significant digits).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import attrs

from gitbook_async._ratelimit._budget import RateLimitFeedback

__all__ = ["SCRIPT", "Answer", "steps_json"]

SCRIPT: Final = r"""
local NULL = cjson.null
local function opt(v) if v == NULL then return nil end return v end
local function num(v)
  if v == nil then return 'null' end
  if v ~= v or v == math.huge or v == -math.huge then error('not finite') end
  return string.format('%.17g', v)
end
local function optnum(v)
  v = opt(v)
  if v ~= nil and type(v) ~= 'number' then error('not a number') end
  return v
end
local function flag(v) if v then return 'true' else return 'false' end end

local function fresh()
  return {probing = true, rolled = false, leases = {}, sends = 0, answered = 0}
end

local function decode(text)
  if not text then return fresh() end
  local ok, b = pcall(function()
    local d = cjson.decode(text)
    local b = {
      limit = optnum(d.limit), available = optnum(d.available), reset = optnum(d.reset),
      rolled = d.rolled == true, paused_until = optnum(d.paused_until),
      probing = d.probing == true, leases = {}, sends = optnum(d.sends),
      lowest = optnum(d.lowest), lowest_sent = optnum(d.lowest_sent),
      answered = optnum(d.answered),
    }
    if b.sends == nil or b.answered == nil then error('incomplete') end
    for i, l in ipairs(d.leases) do
      if type(l[1]) ~= 'string' or type(l[2]) ~= 'number' then error('lease') end
      b.leases[i] = {id = l[1], expires = l[2], sent = optnum(l[3])}
    end
    return b
  end)
  if ok then return b end
  return fresh()
end

local function encode(b)
  local leases = {}
  for i, l in ipairs(b.leases) do
    leases[i] = '[' .. cjson.encode(l.id) .. ',' .. num(l.expires) .. ',' .. num(l.sent) .. ']'
  end
  return '{"limit":' .. num(b.limit) .. ',"available":' .. num(b.available)
    .. ',"reset":' .. num(b.reset) .. ',"rolled":' .. flag(b.rolled)
    .. ',"paused_until":' .. num(b.paused_until) .. ',"probing":' .. flag(b.probing)
    .. ',"leases":[' .. table.concat(leases, ',') .. '],"sends":' .. num(b.sends)
    .. ',"lowest":' .. num(b.lowest) .. ',"lowest_sent":' .. num(b.lowest_sent)
    .. ',"answered":' .. num(b.answered) .. '}'
end

-- advance(): drop lapsed leases, end a pause, roll a past window.
local function advance(b, now)
  local kept = {}
  for _, l in ipairs(b.leases) do if l.expires > now then kept[#kept + 1] = l end end
  b.leases = kept
  if b.paused_until ~= nil and now >= b.paused_until then b.paused_until = nil end
  if b.reset ~= nil and not b.rolled and now >= b.reset then
    b.rolled = true; b.lowest = nil; b.lowest_sent = nil; b.answered = 0
    if b.limit == nil then b.available = nil; b.probing = true
    else b.available = b.limit - #kept end
  end
end

-- plan() without jitter: true (send), or false and the wait (nil: until news).
local function plan(b, now)
  if b.paused_until ~= nil then return false, b.paused_until - now end
  if b.probing then
    if #b.leases > 0 then return false, nil end
    return true, nil
  end
  if b.available == nil or b.available > 0 then return true, nil end
  if b.reset ~= nil and not b.rolled then return false, math.max(b.reset - now, 0) end
  if #b.leases > 0 then return false, nil end
  return true, nil
end

local function outlook(b, now)
  local send, wait = plan(b, now)
  if send then return 'send' end
  if wait == nil then return 'news' end
  return 'time'
end

local function doubtful(b)
  local over = not b.probing and b.available ~= nil and b.available < 0
  return b.paused_until ~= nil or over or (b.probing and #b.leases > 1)
end

-- take_many(): reserve for the ids in order while the budget allows, numbered at grant.
local function take_many(b, now, ids, seconds)
  local granted = {}
  for _, id in ipairs(ids) do
    if not plan(b, now) then break end
    if b.available == nil or b.probing then
    elseif b.available > 0 then b.available = b.available - 1
    else b.probing = true end
    b.leases[#b.leases + 1] = {id = id, expires = now + seconds, sent = b.sends}
    b.sends = b.sends + 1
    granted[#granted + 1] = id
  end
  return granted
end

local function give_back(b, id)
  local kept = {}
  for _, l in ipairs(b.leases) do if l.id ~= id then kept[#kept + 1] = l end end
  if #kept == #b.leases then return end
  b.leases = kept
  if b.available ~= nil then b.available = b.available + 1 end
end

local function recheck(b, id, renew_until)
  local found = false
  for _, l in ipairs(b.leases) do if l.id == id then found = true end end
  if not found then return false end
  if doubtful(b) then give_back(b, id); return false end
  for i, l in ipairs(b.leases) do
    if l.id == id then b.leases[i] = {id = id, expires = renew_until, sent = b.sends} end
  end
  b.sends = b.sends + 1
  return true
end

local function pause(b, untl)
  if b.paused_until ~= nil and b.paused_until > untl then untl = b.paused_until end
  b.paused_until = untl; b.probing = true; b.available = nil
  b.lowest = nil; b.lowest_sent = nil; b.answered = 0
end

local function uncounted(b)
  local out = #b.leases
  if b.limit == nil or b.lowest == nil or b.lowest_sent == nil then return out end
  local gaps = math.max(b.limit - b.lowest - b.answered, 0)
  local before = 0
  for _, l in ipairs(b.leases) do
    if l.sent ~= nil and l.sent < b.lowest_sent then before = before + 1 end
  end
  return out - math.min(gaps, before)
end

local function merge_count(b, remaining, reset, sent)
  if reset ~= nil and (b.reset == nil or reset > b.reset) then
    b.reset = reset; b.rolled = false; b.lowest = nil; b.lowest_sent = nil; b.answered = 0
  elseif reset ~= nil and (reset < b.reset or b.rolled) then
    return
  end
  if b.lowest == nil or remaining < b.lowest then b.lowest = remaining; b.lowest_sent = sent end
  b.answered = b.answered + 1
  b.available = b.lowest - uncounted(b)
  b.probing = false
end

-- settle(): one answered (or unanswered: status nil) request.
local function settle(b, id, status, limit, remaining, reset, retry_after, now)
  local mine = nil
  local kept = {}
  for _, l in ipairs(b.leases) do
    if l.id == id then if mine == nil then mine = l end else kept[#kept + 1] = l end
  end
  b.leases = kept
  if status == nil then return end
  if limit ~= nil and limit >= 1 then b.limit = limit end
  if status == 429 and retry_after ~= nil then pause(b, now + retry_after); return end
  if status == 429 then
    if remaining == nil and reset == nil then pause(b, now); return end
    remaining = 0
  end
  if remaining == nil then
    -- only a success without a count says the server names none; an error (a 503 from a
    -- proxy, say) proves nothing, and the budget keeps probing
    if status >= 200 and status < 300 then b.probing = false end
    return
  end
  local sent = nil
  if mine ~= nil then sent = mine.sent end
  merge_count(b, remaining, reset, sent)
end

local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local lease_seconds = tonumber(ARGV[2])
local steps = cjson.decode(ARGV[6])
local text = redis.call('GET', KEYS[1])
if text == false then text = nil end
local b = decode(text)
advance(b, now)
local was, was_doubtful = outlook(b, now), doubtful(b)

for _, s in ipairs(steps.settle or {}) do
  settle(b, s[1], opt(s[2]), opt(s[3]), opt(s[4]), opt(s[5]), opt(s[6]), now)
end
for _, id in ipairs(steps.give_back or {}) do give_back(b, id) end
local rechecked = {}
for i, id in ipairs(steps.recheck or {}) do
  rechecked[i] = flag(recheck(b, id, now + lease_seconds))
end
local granted = take_many(b, now, steps.take or {}, lease_seconds)

local is, is_doubtful = outlook(b, now), doubtful(b)
local published = false
if (was ~= is and (is == 'send' or was == 'news')) or (is_doubtful and not was_doubtful) then
  local kinds = ''
  if is == 'send' then kinds = kinds .. 'o' end
  if is_doubtful and not was_doubtful then kinds = kinds .. 'd' end
  redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. KEYS[1] .. ' ' .. kinds)
  published = true
end

local new = encode(b)
if new ~= text then redis.call('SET', KEYS[1], new, 'PX', ARGV[3]) end

local send, wait = plan(b, now)
local ids = {}
for i, id in ipairs(granted) do ids[i] = cjson.encode(id) end
return '{"granted":[' .. table.concat(ids, ',') .. '],"send":' .. flag(send)
  .. ',"wait":' .. num(wait) .. ',"rechecked":[' .. table.concat(rechecked, ',')
  .. '],"doubtful":' .. flag(is_doubtful) .. ',"published":' .. flag(published)
  .. ',"now":' .. num(now) .. '}'
"""
"""The script (see the module's docstring)."""


@attrs.frozen
class Answer:
    """What one call of ``SCRIPT`` answered.

    Attributes:
        granted: The ids of ``take`` that were reserved (the first ones, in order).
        send: Whether the budget allows another request right now.
        wait: Otherwise how long the others wait (None: until news).
        rechecked: For each id of ``recheck``, whether it stands (False: given back).
        doubtful: Whether reservations granted earlier may have to be given back.
        published: Whether the call announced news on the channel.
        now: Redis's clock during the call (epoch seconds).

    """

    granted: tuple[str, ...]
    send: bool
    wait: float | None
    rechecked: tuple[bool, ...]
    doubtful: bool
    published: bool
    now: float

    @classmethod
    def from_json(cls, text: str | bytes) -> Answer:
        """Read the script's answer."""
        data: dict[str, Any] = json.loads(text)
        wait = data["wait"]
        return cls(
            granted=tuple(str(lease_id) for lease_id in data["granted"]),
            send=bool(data["send"]),
            wait=None if wait is None else float(wait),
            rechecked=tuple(bool(flag) for flag in data["rechecked"]),
            doubtful=bool(data["doubtful"]),
            published=bool(data["published"]),
            now=float(data["now"]),
        )


def steps_json(
    *,
    settle: Sequence[tuple[str, RateLimitFeedback | None]] = (),
    give_back: Sequence[str] = (),
    recheck: Sequence[str] = (),
    take: Sequence[str] = (),
) -> str:
    """Write the steps of one call as the script reads them."""
    settles = [
        [lease_id]
        + (
            [None] * 5
            if feedback is None
            else [
                feedback.status,
                feedback.limit,
                feedback.remaining,
                feedback.reset,
                feedback.retry_after,
            ]
        )
        for lease_id, feedback in settle
    ]
    steps = {"settle": settles, "give_back": list(give_back), "recheck": list(recheck)}
    steps["take"] = list(take)
    return json.dumps(steps, separators=(",", ":"))
