import { PUSH_ALL_LUA } from './apply-script.js';
import { FILL_TIME_FIELD, HASH_META_PREFIX, HIGH_WATER_PREFIX } from './hash-layout.js';
import { APPLY_EVENT_LUA } from './increment-lua.js';

/**
 * Starts fills: per entity, KEYS (hash, fill marker); ARGV (token, marker TTL ms). Takes each marker that is
 * free (SET NX PX); while it is held, the entity's recent list is not trimmed, so every event applied before
 * the commit and not counted by the fill's query is still in it. Returns per entity {taken (1/0), metric
 * fields the hash holds now}, so a refill keeps the fields other readers cached.
 */
export const BEGIN_FILLS_LUA = `
local out = {}
for k = 1, #KEYS, 2 do
  local taken = redis.call('SET', KEYS[k + 1], ARGV[1], 'NX', 'PX', ARGV[2])
  local row = {0}
  if taken then
    row[1] = 1
    for _, f in ipairs(redis.call('HKEYS', KEYS[k])) do
      if string.sub(f, 1, 1) ~= '${HASH_META_PREFIX}' then row[#row + 1] = f end
    end
  end
  out[#out + 1] = row
end
return out
`;

/**
 * Commits one fill: KEYS (hash, fill marker, recent list); ARGV (token, fill time ms, TTL s, high-water
 * count, origin/seq pairs, field count, field/value pairs).
 *
 * Does nothing and returns {0, 0} if the marker no longer holds the token (it expired, so the recent list may
 * have been trimmed meanwhile). Otherwise replaces the hash with the computed values, its fill time and high
 * waters, then replays the entity's recent entries: those at or below the high water of their origin were in
 * ClickHouse when the fill queried it and are skipped (and dropped from the list: ClickHouse holds them);
 * later ones are applied. Then releases the marker and sets the TTL. Returns {written (1/0), recent entries
 * replayed}.
 */
export const COMMIT_FILL_LUA = `${APPLY_EVENT_LUA}${PUSH_ALL_LUA}
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {0, 0} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${FILL_TIME_FIELD}', ARGV[2])
local state = hash_state(KEYS[1])
local a = 4
local n = tonumber(ARGV[a])
a = a + 1
for i = 1, n do
  redis.call('HSET', KEYS[1], '${HIGH_WATER_PREFIX}' .. ARGV[a], ARGV[a + 1])
  state.marks[ARGV[a]] = tonumber(ARGV[a + 1])
  a = a + 2
end
local m = tonumber(ARGV[a])
a = a + 1
for i = 1, m do
  redis.call('HSET', KEYS[1], ARGV[a], ARGV[a + 1])
  a = a + 2
end
local recent = redis.call('LRANGE', KEYS[3], 0, -1)
local keep = {}
for _, entry in ipairs(recent) do
  local p = {}
  for part in string.gmatch(entry, '[^\\t]+') do p[#p + 1] = part end
  local seq = tonumber(p[2])
  if seq > (state.marks[p[1]] or -1) then
    keep[#keep + 1] = entry
    apply_event(state, p[1], seq, p[3], tonumber(p[4]), tonumber(p[5]))
  end
end
flush_increments(state)
if #keep < #recent then
  redis.call('DEL', KEYS[3])
  push_all(KEYS[3], keep)
end
redis.call('DEL', KEYS[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, #keep}
`;

/** Abandons fills (the query failed): KEYS the fill markers; ARGV (token). */
export const RELEASE_FILLS_LUA = `
for k = 1, #KEYS do
  if redis.call('GET', KEYS[k]) == ARGV[1] then redis.call('DEL', KEYS[k]) end
end
return 1
`;
