import { TIMEFRAME_DAYS } from '../clickhouse/timeframes.js';
import { FILL_TIME_FIELD, HIGH_WATER_PREFIX } from './hash-layout.js';

const spans = Object.entries(TIMEFRAME_DAYS)
  .map(([tf, days]) => `{'${tf}', ${days * 86_400_000}}`)
  .join(', ');

/**
 * Lua shared by the increment script and the fill commit: reads recent-list entries and applies events to one
 * existing hash.
 *
 * An event is skipped when the hash's fill already counted it (`originSeq` at or below the fill's high water
 * for that origin). Otherwise it adds to the bare field if present, and to each windowed field present whose
 * window (measured from the fill time `~at`) contains the event's `createdAt`. A state table (`preload`) caches
 * the fill time, high waters and field existence for one hash; deltas are summed per field and written once by
 * `flush_increments`, so a hot hash costs one HINCRBY per field, not per event.
 */
export const APPLY_EVENT_LUA = `
local SPANS = {${spans}}
-- A recent-list entry (\`recentEntry\`: origin, originSeq, field, createdAt ms, delta, tab-separated) as
-- {origin, seq, field, created, delta}.
local function parse_entry(s)
  local t1 = string.find(s, '\\t', 1, true)
  local t2 = string.find(s, '\\t', t1 + 1, true)
  local t3 = string.find(s, '\\t', t2 + 1, true)
  local t4 = string.find(s, '\\t', t3 + 1, true)
  return { string.sub(s, 1, t1 - 1), tonumber(string.sub(s, t1 + 1, t2 - 1)), string.sub(s, t2 + 1, t3 - 1),
    tonumber(string.sub(s, t3 + 1, t4 - 1)), tonumber(string.sub(s, t4 + 1)) }
end
-- Loads, in one HMGET, the fill time, the high waters of the given origins and the existence of the given
-- fields and their windowed variants, so applying many events to a hash costs one read.
local function preload(state, origins, fields)
  local names = {'${FILL_TIME_FIELD}'}
  for o in pairs(origins) do names[#names + 1] = '${HIGH_WATER_PREFIX}' .. o end
  for f in pairs(fields) do
    names[#names + 1] = f
    for i = 1, #SPANS do names[#names + 1] = f .. ':' .. SPANS[i][1] end
  end
  local values = redis.call('HMGET', state.key, unpack(names))
  state.at = tonumber(values[1] or '')
  local i = 2
  for o in pairs(origins) do
    state.marks[o] = tonumber(values[i] or '-1')
    i = i + 1
  end
  for f in pairs(fields) do
    for j = 0, #SPANS do
      state.has[names[i]] = values[i] ~= false
      i = i + 1
    end
  end
end
local function has_field(state, f)
  local h = state.has[f]
  if h == nil then
    h = redis.call('HEXISTS', state.key, f) == 1
    state.has[f] = h
  end
  return h
end
local function add(state, f, delta)
  state.incr[f] = (state.incr[f] or 0) + delta
end
local function apply_event(state, origin, seq, field, created, delta)
  local mark = state.marks[origin]
  if mark == nil then
    mark = tonumber(redis.call('HGET', state.key, '${HIGH_WATER_PREFIX}' .. origin) or '-1')
    state.marks[origin] = mark
  end
  if seq <= mark then return false end
  local touched = false
  if has_field(state, field) then
    add(state, field, delta)
    touched = true
  end
  if state.at then
    local windows = state.win[field]
    if windows == nil then
      windows = {}
      for i = 1, #SPANS do
        local f = field .. ':' .. SPANS[i][1]
        if has_field(state, f) then windows[#windows + 1] = { f, state.at - SPANS[i][2] } end
      end
      state.win[field] = windows
    end
    for i = 1, #windows do
      if created >= windows[i][2] then
        add(state, windows[i][1], delta)
        touched = true
      end
    end
  end
  return touched
end
local function flush_increments(state)
  for f, d in pairs(state.incr) do
    if d ~= 0 then redis.call('HINCRBY', state.key, f, string.format('%d', d)) end
  end
  state.incr = {}
end
`;
