/**
 * Applies one batch of coalesced increments and advances the per-origin watermarks, atomically.
 *
 * KEYS[1] is the watermark hash; KEYS[2..] are metric hashes. ARGV: origin count, then per origin
 * (origin, expected watermark, new watermark), then per metric hash (field count, then field/delta pairs).
 * If any watermark moved since the caller read it (another consumer applied the same origin meanwhile),
 * nothing is applied and -1 is returned, so the caller re-reads and filters again. Increments touch only
 * hashes and fields that exist: a missing hash means nobody cached that entity, and the reader fills it
 * from ClickHouse when needed. Returns the number of hashes updated, then their indexes (1-based in KEYS[2..]).
 */
export const APPLY_INCREMENTS_LUA = `
local wm = KEYS[1]
local n = tonumber(ARGV[1])
local a = 2
for i = 1, n do
  local current = redis.call('HGET', wm, ARGV[a]) or '-1'
  if current ~= ARGV[a + 1] then return {-1} end
  a = a + 3
end
a = 2
for i = 1, n do
  redis.call('HSET', wm, ARGV[a], ARGV[a + 2])
  a = a + 3
end
local updated = {}
for k = 2, #KEYS do
  local fields = tonumber(ARGV[a])
  a = a + 1
  local touched = false
  if redis.call('EXISTS', KEYS[k]) == 1 then
    for f = 1, fields do
      if redis.call('HEXISTS', KEYS[k], ARGV[a]) == 1 then
        redis.call('HINCRBY', KEYS[k], ARGV[a], ARGV[a + 1])
        touched = true
      end
      a = a + 2
    end
  else
    a = a + fields * 2
  end
  if touched then updated[#updated + 1] = k - 1 end
end
local out = {#updated}
for i = 1, #updated do out[#out + 1] = updated[i] end
return out
`;
