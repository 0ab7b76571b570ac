import { PUSH_ALL_LUA } from './apply-script.js';
import { FILL_TIME_FIELD, HASH_META_PREFIX, HIGH_WATER_PREFIX, storedField } from './hash-layout.js';

/** The prefix of a watermark hash's stored-position fields (`~ch:<origin>`). */
const STORED_PREFIX = storedField('');

import { APPLY_EVENT_LUA } from './increment-lua.js';

/**
 * Starts fills. KEYS: optionally the shard's watermark hash first (ARGV[3] = 1), then per entity (hash, fill
 * marker, recent list); ARGV (token, marker TTL ms, whether KEYS[1] is the watermark hash). Takes each marker
 * that is free (SET NX PX); while it is held, the entity's recent list is not trimmed, so every event applied
 * before the commit and not counted by the fill's query is still in it. Returns per entity {taken (1/0),
 * number of fields, the metric fields the hash holds now, then (origin, stored position) pairs}: the fields
 * so a refill keeps those other readers cached, and for each origin in the recent list the `~ch` position
 * ClickHouse holds its events up to, read here, before the fill's query (see COMMIT_FILLS_LUA for its use).
 */
export const BEGIN_FILLS_LUA = `
local with_marks = ARGV[3] == '1'
local first = with_marks and 2 or 1
local out = {}
for k = first, #KEYS, 3 do
  local taken = redis.call('SET', KEYS[k + 1], ARGV[1], 'NX', 'PX', ARGV[2])
  local row = {0, 0}
  if taken then
    row[1] = 1
    for _, f in ipairs(redis.call('HKEYS', KEYS[k])) do
      if string.sub(f, 1, 1) ~= '${HASH_META_PREFIX}' then row[#row + 1] = f end
    end
    row[2] = #row - 2
    if with_marks then
      local origins, seen = {}, {}
      for _, entry in ipairs(redis.call('LRANGE', KEYS[k + 2], 0, -1)) do
        local origin = string.sub(entry, 1, string.find(entry, '\t', 1, true) - 1)
        if not seen[origin] then
          seen[origin] = true
          origins[#origins + 1] = origin
        end
      end
      if #origins > 0 then
        local names = {}
        for i, origin in ipairs(origins) do names[i] = '${STORED_PREFIX}' .. origin end
        local stored = redis.call('HMGET', KEYS[1], unpack(names))
        for i, origin in ipairs(origins) do
          if stored[i] then
            row[#row + 1] = origin
            row[#row + 1] = stored[i]
          end
        end
      end
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
 * so are those at or below their origin's stored position read by the claim (`~ch`, ClickHouse held every
 * event of the origin up to it before the query): one of them above the high water is not an event
 * ClickHouse holds for this entity, but one a host applied and died before storing, whose position the
 * partition's next owner filled with another event. Later ones are applied. Then its marker is released and
 * the TTL set. Per entity, ARGV: fill time, high-water count and origin/seq pairs, stored-position count and
 * origin/seq pairs, field count and field/value pairs. Returns per entity, in KEYS order, written (1/0) and
 * the recent entries replayed.
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
  local stored = {}
  local c = tonumber(ARGV[a])
  a = a + 1
  for i = 1, c do
    stored[ARGV[a]] = tonumber(ARGV[a + 1])
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
    if ev[2] > (state.marks[ev[1]] or -1) and ev[2] > (stored[ev[1]] or -1) then
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
  -- Past this entity's arguments: its high-water pairs, its stored-position pairs, then its field/value pairs.
  a = from + 1 + 2 * tonumber(ARGV[from])
  a = a + 1 + 2 * tonumber(ARGV[a])
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
