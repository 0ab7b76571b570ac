import { APPLY_EVENT_LUA } from './increment-lua.js';

/**
 * Which of the given hashes are live (exist, or are being filled): KEYS are (hash, fill marker) pairs.
 * The sink sends event details only for live hashes; the increment script re-checks the rest atomically.
 */
export const LIVE_HASHES_LUA = `
local out = {}
for k = 1, #KEYS, 2 do
  out[#out + 1] = (redis.call('EXISTS', KEYS[k]) == 1 or redis.call('EXISTS', KEYS[k + 1]) == 1) and 1 or 0
end
return out
`;

/**
 * Applies one batch of increments and advances the per-origin watermarks and the partition's position,
 * atomically.
 *
 * KEYS[1] is the watermark hash; then a triple per live metric hash (hash, fill marker, pending list); then a
 * pair per hash the caller believes idle (hash, fill marker). ARGV: the position field of the batch's
 * metric-topic partition ('' for none), the offset that field must hold at least, and the offset to store
 * (read next); then the origin count, then per origin (origin, expected watermark, new watermark); then the
 * live-hash count and, per live hash, its event count and per event (origin index, originSeq, field,
 * createdAt ms, delta).
 *
 * Returns {-3, stored offset}, changing nothing, if the position field holds less than the batch follows:
 * Redis lost writes (it restarted from an append-only file missing its last second), and the caller must
 * read the partition again from the stored offset; the watermarks rolled back with the position, so exactly
 * the lost increments apply again. No position stored yet (a first start) passes. Returns -1, changing
 * nothing, if a watermark moved since the caller read it (another consumer applied the same origin
 * meanwhile), and -2 if a hash believed idle exists or is being filled now; the caller then reads again and
 * retries. Increments touch only hashes and fields that exist (a missing hash means nobody cached that
 * entity). While a fill of a hash is in flight, its events are also appended to the pending list, which the
 * fill's commit replays against the high water it computed: that is how an increment racing a fill is
 * counted exactly once. The position never moves back (a replayed batch behind it leaves it). Returns the
 * number of hashes updated, then their indexes (1-based, among live hashes).
 */
export const APPLY_INCREMENTS_LUA = `${APPLY_EVENT_LUA}
local wm = KEYS[1]
local position = ARGV[1]
local stored = position ~= '' and redis.call('HGET', wm, position)
if stored and tonumber(stored) < tonumber(ARGV[2]) then return {-3, stored} end
local n = tonumber(ARGV[4])
local origins = {}
local a = 5
for i = 1, n do
  local current = redis.call('HGET', wm, ARGV[a]) or '-1'
  if current ~= ARGV[a + 1] then return {-1} end
  origins[i] = ARGV[a]
  a = a + 3
end
local live = tonumber(ARGV[a])
for k = 2 + live * 3, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[k]) == 1 or redis.call('EXISTS', KEYS[k + 1]) == 1 then return {-2} end
end
if position ~= '' and not (stored and tonumber(stored) >= tonumber(ARGV[3])) then
  redis.call('HSET', wm, position, ARGV[3])
end
a = 5
for i = 1, n do
  redis.call('HSET', wm, ARGV[a], ARGV[a + 2])
  a = a + 3
end
a = a + 1
local updated = {}
for h = 1, live do
  local k = 2 + (h - 1) * 3
  local count = tonumber(ARGV[a])
  a = a + 1
  local exists = redis.call('EXISTS', KEYS[k]) == 1
  local filling = redis.call('EXISTS', KEYS[k + 1]) == 1
  local state = nil
  if exists then
    state = { key = KEYS[k], marks = {}, has = {}, win = {}, incr = {} }
    local os, fs = {}, {}
    for e = 0, count - 1 do
      os[origins[tonumber(ARGV[a + e * 5])]] = true
      fs[ARGV[a + e * 5 + 2]] = true
    end
    preload(state, os, fs)
  end
  local touched = false
  for e = 1, count do
    local origin = origins[tonumber(ARGV[a])]
    if filling then
      redis.call('RPUSH', KEYS[k + 2], origin .. '\\t' .. ARGV[a + 1] .. '\\t' .. ARGV[a + 2] .. '\\t' .. ARGV[a + 3] .. '\\t' .. ARGV[a + 4])
    end
    if state and apply_event(state, origin, tonumber(ARGV[a + 1]), ARGV[a + 2], tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])) then
      touched = true
    end
    a = a + 5
  end
  if state then flush_increments(state) end
  if filling then
    local ttl = redis.call('PTTL', KEYS[k + 1])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[k + 2], ttl) end
  end
  if touched then updated[#updated + 1] = h end
end
local out = {#updated}
for i = 1, #updated do out[#out + 1] = updated[i] end
return out
`;
