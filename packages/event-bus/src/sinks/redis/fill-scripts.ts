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
 * Commits fills, one per entity of one shard: KEYS per entity (hash, fill marker, recent list); ARGV (token,
 * TTL s), then per entity, in KEYS order (fill time ms, high-water count, origin/seq pairs, field count,
 * field/value pairs).
 *
 * An entity whose marker no longer holds the token is left alone (the marker expired, so its recent list may
 * have been trimmed meanwhile). Otherwise its hash is replaced by the computed values, fill time and high
 * waters, then its recent entries are replayed: those at or below the high water of their origin were in
 * ClickHouse when the fill queried it and are skipped (and dropped from the list: ClickHouse holds them);
 * later ones are applied. Then its marker is released and the TTL set. Returns per entity, in KEYS order,
 * written (1/0) and the recent entries replayed.
 */
export const COMMIT_FILLS_LUA = `${APPLY_EVENT_LUA}${PUSH_ALL_LUA}
local token, ttl = ARGV[1], ARGV[2]
local function commit(hash, marker, list, at, a)
  redis.call('DEL', hash)
  -- The hash was just emptied: it will hold exactly the fields written here, in one HSET.
  local state = { key = hash, at = tonumber(at), marks = {}, has = {}, win = {}, incr = {} }
  local fields = {'${FILL_TIME_FIELD}', at}
  local n = tonumber(ARGV[a])
  a = a + 1
  for i = 1, n do
    fields[#fields + 1] = '${HIGH_WATER_PREFIX}' .. ARGV[a]
    fields[#fields + 1] = ARGV[a + 1]
    state.marks[ARGV[a]] = tonumber(ARGV[a + 1])
    a = a + 2
  end
  local m = tonumber(ARGV[a])
  a = a + 1
  for i = 1, m do
    fields[#fields + 1] = ARGV[a]
    fields[#fields + 1] = ARGV[a + 1]
    state.has[ARGV[a]] = true
    a = a + 2
  end
  for i = 1, #fields, 1000 do
    redis.call('HSET', hash, unpack(fields, i, math.min(i + 999, #fields)))
  end
  local recent = redis.call('LRANGE', list, 0, -1)
  local keep = {}
  for _, entry in ipairs(recent) do
    local ev = parse_entry(entry)
    if ev[2] > (state.marks[ev[1]] or -1) then
      keep[#keep + 1] = entry
      apply_event(state, ev[1], ev[2], ev[3], ev[4], ev[5])
    end
  end
  flush_increments(state)
  if #keep < #recent then
    redis.call('DEL', list)
    push_all(list, keep)
  end
  redis.call('DEL', marker)
  redis.call('EXPIRE', hash, ttl)
  return #keep
end
local out = {}
local a = 3
for k = 1, #KEYS, 3 do
  local at = ARGV[a]
  local from = a + 1
  -- Past this entity's arguments: its high-water pairs, then its field/value pairs.
  a = from + 1 + 2 * tonumber(ARGV[from])
  a = a + 1 + 2 * tonumber(ARGV[a])
  if redis.call('GET', KEYS[k + 1]) == token then
    out[#out + 1] = 1
    out[#out + 1] = commit(KEYS[k], KEYS[k + 1], KEYS[k + 2], at, from)
  else
    out[#out + 1] = 0
    out[#out + 1] = 0
  end
end
return out
`;

/** Abandons fills (the query failed): KEYS the fill markers; ARGV (token). */
export const RELEASE_FILLS_LUA = `
for k = 1, #KEYS do
  if redis.call('GET', KEYS[k]) == ARGV[1] then redis.call('DEL', KEYS[k]) end
end
return 1
`;
