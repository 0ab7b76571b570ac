import { APPLY_EVENT_LUA } from './increment-lua.js';

/** Lua: appends the entries of `list` to the list `key` in chunks (unpack has a bounded stack). */
export const PUSH_ALL_LUA = `
local function push_all(key, list)
  for i = 1, #list, 1000 do
    redis.call('RPUSH', key, unpack(list, i, math.min(i + 999, #list)))
  end
end
`;

/**
 * Applies one batch of increments, logs its events, and advances the per-origin watermarks and the
 * partition's position, atomically.
 *
 * KEYS[1] is the watermark hash; then a pair per entity the batch touches (metric hash, recent list). ARGV:
 * the position field of the batch's metric-topic partition ('' for none), the offset that field must hold at
 * least, and the offset to store (read next); then the origin count, then per origin (origin, expected
 * watermark, new watermark); then per entity, in KEYS order, its event count and per event its recent-list
 * entry (`recentEntry`: origin, originSeq, field, createdAt ms, delta, tab-separated).
 *
 * Returns {-3, stored offset}, changing nothing, if the position field holds less than the batch follows:
 * Redis lost writes (it restarted from an append-only file missing its last second), and the caller must
 * read the partition again from the stored offset; the watermarks rolled back with the position, so exactly
 * the lost increments apply again. No position stored yet (a first start) passes. Returns -1, changing
 * nothing, if a watermark moved since the caller read it (another consumer applied the same origin
 * meanwhile); the caller then reads again and retries. Increments touch only hashes and fields that exist (a
 * missing hash means nobody cached that entity). Every event, cached or not, is also appended to its
 * entity's recent list: events reach Redis before ClickHouse holds them, and a fill's commit replays the
 * entries its ClickHouse query could not count (docs/reading-metrics.md). The position never moves back (a
 * replayed batch behind it leaves it). The last ARGV is a channel ('' for none): for each hash updated, a
 * change signal (`MetricSignal`: the hash's key and, per field, the sum of the batch's deltas) is published
 * on it from the script, so signals cost no round trip of their own. Returns the number of hashes updated,
 * then their indexes (1-based, among the entities).
 */
export const APPLY_INCREMENTS_LUA = `${APPLY_EVENT_LUA}
local wm = KEYS[1]
local position = ARGV[1]
local stored = position ~= '' and redis.call('HGET', wm, position)
if stored and tonumber(stored) < tonumber(ARGV[2]) then return {-3, stored} end
local n = tonumber(ARGV[4])
local a = 5
for i = 1, n do
  local current = redis.call('HGET', wm, ARGV[a]) or '-1'
  if current ~= ARGV[a + 1] then return {-1} end
  a = a + 3
end
if position ~= '' and not (stored and tonumber(stored) >= tonumber(ARGV[3])) then
  redis.call('HSET', wm, position, ARGV[3])
end
a = 5
for i = 1, n do
  redis.call('HSET', wm, ARGV[a], ARGV[a + 2])
  a = a + 3
end
local channel = ARGV[#ARGV]
local updated = {}
for h = 1, (#KEYS - 1) / 2 do
  local k = 2 * h
  local count = tonumber(ARGV[a])
  a = a + 1
  if redis.call('EXISTS', KEYS[k]) == 1 then
    -- A cached hash: read each entry's parts, load what they need in one HMGET, apply.
    local state = { key = KEYS[k], marks = {}, has = {}, win = {}, incr = {} }
    local events, os, fs = {}, {}, {}
    for e = 1, count do
      local ev = parse_entry(ARGV[a + e - 1])
      events[e] = ev
      os[ev[1]] = true
      fs[ev[3]] = true
    end
    preload(state, os, fs)
    local touched = false
    local sums = {}
    for e = 1, count do
      local ev = events[e]
      if apply_event(state, ev[1], ev[2], ev[3], ev[4], ev[5]) then touched = true end
      if channel ~= '' then sums[ev[3]] = (sums[ev[3]] or 0) + ev[5] end
    end
    flush_increments(state)
    if touched then
      updated[#updated + 1] = h
      if channel ~= '' then redis.call('PUBLISH', channel, cjson.encode({ key = KEYS[k], changes = sums })) end
    end
  end
  -- Every entry, cached or not, to the entity's recent list, as the caller wrote it.
  for i = a, a + count - 1, 1000 do
    redis.call('RPUSH', KEYS[k + 1], unpack(ARGV, i, math.min(i + 999, a + count - 1)))
  end
  a = a + count
end
local out = {#updated}
for i = 1, #updated do out[#out + 1] = updated[i] end
return out
`;

/**
 * Records what ClickHouse now holds: KEYS[1] the watermark hash; ARGV per origin (field `~ch:<origin>`,
 * originSeq). Each field only moves up. Written after an insert, before the recent lists are trimmed.
 */
export const RECORD_STORED_LUA = `
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '-1')
  if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`;

/**
 * Drops recent entries ClickHouse holds: KEYS (fill marker, recent list) per entity; ARGV the origin count,
 * then per origin (origin, originSeq up to which ClickHouse holds every event of it). A list whose entity is
 * being filled is left alone: the fill's commit replays the entries its query did not count, and an entry
 * inserted after the query but trimmed before the commit would be counted by neither (the commit trims what
 * its own query counted). Returns the number of entries dropped.
 */
export const TRIM_RECENT_LUA = `${PUSH_ALL_LUA}
local upto = {}
for i = 2, 1 + 2 * tonumber(ARGV[1]), 2 do upto[ARGV[i]] = tonumber(ARGV[i + 1]) end
local dropped = 0
for k = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[k]) == 0 then
    local entries = redis.call('LRANGE', KEYS[k + 1], 0, -1)
    local keep = {}
    for _, entry in ipairs(entries) do
      local t1 = string.find(entry, '\\t', 1, true)
      local t2 = string.find(entry, '\\t', t1 + 1, true)
      local u = upto[string.sub(entry, 1, t1 - 1)]
      if not (u and tonumber(string.sub(entry, t1 + 1, t2 - 1)) <= u) then keep[#keep + 1] = entry end
    end
    if #keep < #entries then
      dropped = dropped + #entries - #keep
      redis.call('DEL', KEYS[k + 1])
      push_all(KEYS[k + 1], keep)
    end
  end
end
return dropped
`;
