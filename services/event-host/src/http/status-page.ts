// The status page for people: one HTML document with inline CSS and a small inline script that polls
// /status.json and draws the charts as SVG. Nothing is loaded from elsewhere (hosts often have no internet).

/** The status page HTML. `title` names the deployment (client id and group). */
export function statusPageHtml(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>event-host · ${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:1rem 1.25rem;color:#1d2733;background:#f6f8fa}
h1{font-size:1.25rem;margin:0 0 .25rem}h2{font-size:.95rem;margin:0 0 .5rem}h3{font-size:.85rem;margin:.6rem 0 .3rem}
.muted{color:#5b6877;font-weight:normal}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:.75rem;align-items:start}
.card{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:.75rem;min-width:0}
.wide{grid-column:1/-1}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-weight:600;font-size:.8rem}
.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#a40e26}.idle{background:#eaeef2;color:#424a53}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.15rem .35rem;border-bottom:1px solid #eaeef2;overflow-wrap:break-word;vertical-align:top}
th{font-weight:600;color:#424a53;white-space:nowrap}td.n,th.n{text-align:right;white-space:nowrap}
svg{width:100%;height:140px;display:block}
.bar{height:1.1rem;background:#eaeef2;border-radius:3px;overflow:hidden;margin:.4rem 0}
.bar>div{height:100%;background:#0969da}.bar>div.warn{background:#bf8700}.bar>div.full{background:#cf222e}
.err{color:#a40e26;overflow-wrap:anywhere}
</style></head><body>
<h1>event-host <span class="muted">${escapeHtml(title)}</span> <span id="ready" class="badge">…</span></h1>
<p class="muted" id="summary">loading…</p>
<div class="grid">
<div class="card" data-panel="sinks"><h2>Sinks</h2><table id="sinks"></table></div>
<div class="card" data-panel="buffer"><h2>Ingest buffer <span class="muted">(rows waiting for the next ClickHouse flush)</span></h2>
<div class="bar"><div id="buffer-bar" style="width:0"></div></div><div id="buffer-text"></div>
<h3>Recent flush durations <span class="muted">(ClickHouse flush + publish + commit)</span></h3>
<svg id="chart-flushes" data-chart="flushes" viewBox="0 0 600 140" preserveAspectRatio="none"></svg>
<div id="flush-text" class="muted"></div></div>
<div class="card" data-panel="throughput"><h2>Throughput <span class="muted" id="rate-window">(changes/s)</span></h2>
<svg id="chart-throughput" data-chart="throughput" viewBox="0 0 600 140" preserveAspectRatio="none"></svg></div>
<div class="card" data-panel="listeners"><h2>Top listeners by throughput</h2><table id="top-throughput"></table>
<div id="top-throughput-more" class="muted"></div>
<h3>Top listeners by failures</h3><table id="top-failures"></table><div id="top-failures-more" class="muted"></div></div>
<div class="card" data-panel="dead-letters"><h2>Dead letters <span class="muted">(since start, by listener and code)</span></h2>
<table id="dead-letters"></table></div>
<div class="card" data-panel="lag"><h2>Consumer lag <span class="muted">(records)</span></h2>
<svg id="chart-lag" data-chart="lag" viewBox="0 0 600 140" preserveAspectRatio="none"></svg>
<table id="lag-topics"></table><h3>Worst partitions</h3><table id="lag-worst"></table></div>
<div class="card" data-panel="replication"><h2>Postgres replication slot</h2><table id="replication"></table></div>
<div class="card" data-panel="reconcile"><h2>Reconcile coverage</h2><p id="reconcile" class="muted">…</p></div>
<div class="card" data-panel="rollup"><h2>Read rollup</h2><p id="rollup" class="muted">…</p></div>
<div class="card" data-panel="readiness"><h2>Readiness</h2><table id="checks"></table></div>
<div class="card wide" data-panel="plugins"><h2>Plugins</h2><table id="plugins"></table></div>
</div>
<script>${CLIENT_SCRIPT}</script>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Plain browser JavaScript (no build step): fetch, then redraw every two seconds.
const CLIENT_SCRIPT = `
const W = 600, H = 140, PAD = 34;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
// Topic, listener and code names may break after a dot, underscore or dash, never inside a word.
const id = (s) => ({ html: esc(s).replace(/([._-])/g, '$1<wbr>') });
const num = (n) => Number(n).toLocaleString('en-US');
// Lag is null until the host has read both ends and committed offsets: shown as unknown, never as a number.
const lagNum = (n) => (n == null ? '?' : num(n));
const ms = (seconds) => seconds == null ? '–' : seconds < 0.001 ? '<1 ms' : seconds < 1 ? (seconds * 1000).toFixed(0) + ' ms' : seconds.toFixed(2) + ' s';
const ago = (t, now) => {
  if (t == null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 120 ? s + ' s ago' : s < 7200 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
};
const bytes = (n) => {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; n = Number(n);
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
};
const badge = (cls, text) => '<span class="badge ' + cls + '">' + esc(text) + '</span>';
function axes(max, t0, t1) {
  let out = '<line x1="' + PAD + '" y1="' + (H - 16) + '" x2="' + W + '" y2="' + (H - 16) + '" stroke="#d0d7de"/>';
  out += '<text x="2" y="12" font-size="11" fill="#5b6877">' + esc(+max.toFixed(2)) + '</text>';
  out += '<text x="2" y="' + (H - 18) + '" font-size="11" fill="#5b6877">0</text>';
  if (t0 != null) {
    const span = Math.round((t1 - t0) / 1000);
    const label = span < 120 ? span + ' s ago' : Math.round(span / 60) + ' min ago';
    out += '<text x="' + PAD + '" y="' + (H - 2) + '" font-size="11" fill="#5b6877">' + esc(label) + '</text>';
    out += '<text x="' + (W - 30) + '" y="' + (H - 2) + '" font-size="11" fill="#5b6877">now</text>';
  }
  return out;
}
function draw(svg, series, t0, t1) {
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (t) => PAD + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD - 4);
  const y = (v) => H - 16 - (v / max) * (H - 26);
  let out = axes(max, t0, t1);
  let n = 0;
  for (const s of series) {
    if (s.points.length < 2) continue;
    n = Math.max(n, s.points.length);
    const pts = s.points.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
    out += '<polyline fill="none" stroke-width="2" stroke="' + s.color + '" points="' + pts + '" data-series="' + esc(s.name) + '"/>';
  }
  svg.innerHTML = out;
  svg.dataset.points = String(n);
  svg.dataset.max = String(max);
}
function bars(svg, values) {
  const max = Math.max(0.001, ...values);
  const slot = (W - PAD - 4) / Math.max(values.length, 20);
  let out = axes(max);
  values.forEach((v, i) => {
    const h = (v / max) * (H - 26);
    out += '<rect x="' + (PAD + i * slot + 1).toFixed(1) + '" y="' + (H - 16 - h).toFixed(1) + '" width="' +
      Math.max(1, slot - 2).toFixed(1) + '" height="' + h.toFixed(1) + '" fill="#8250df"/>';
  });
  svg.innerHTML = out;
  svg.dataset.points = String(values.length);
  svg.dataset.max = String(max);
}
function rows(el, header, lines, empty) {
  const head = '<tr>' + header.map((h) => '<th' + (h.startsWith('#') ? ' class="n">' + esc(h.slice(1)) : '>' + esc(h)) + '</th>').join('') + '</tr>';
  const cell = (c, i) => '<td' + (header[i].startsWith('#') ? ' class="n"' : '') + '>' + (c && c.html != null ? c.html : esc(c)) + '</td>';
  el.innerHTML = lines.length ? head + lines.map((l) => '<tr>' + l.map(cell).join('') + '</tr>').join('')
    : '<tr><td class="muted">' + esc(empty || 'none') + '</td></tr>';
  el.dataset.rows = String(lines.length);
}
const SINK_NAMES = { clickhouse: 'ClickHouse', redis: 'Redis (metric cache)', search: 'search queue (Redis)', kafka: 'Kafka producer' };
function sinkRows(s, now) {
  return s.sinks.map((k) => {
    const state = k.state === 'up' ? badge('ok', 'up') : k.state === 'down' ? badge('bad', 'down') : badge('idle', 'no writes yet');
    const last = k.lastOkAt == null ? 'never' : ms(k.lastSeconds) + ', ' + num(k.lastRows) + ' rows, ' + ago(k.lastOkAt, now);
    let error = k.lastError == null ? '–' : '<span class="err">' + esc(k.lastError) + '</span> <span class="muted">(' + esc(ago(k.lastErrorAt, now)) + ', ' + num(k.failedAttempts) + ' failed attempts)</span>';
    if (k.searchSync) {
      const sync = k.searchSync;
      error += '<br><span class="muted">search-sync: last success ' + esc(ago(sync.lastSuccessAt, now)) + ', ' + num(sync.queued) +
        ' ids queued' + (sync.consecutiveFailures ? ', ' + num(sync.consecutiveFailures) + ' failures in a row' : '') + '</span>' +
        (sync.lastError ? '<br><span class="err">search-sync: ' + esc(sync.lastError) + '</span>' : '');
    }
    return [SINK_NAMES[k.sink] || k.sink, { html: state }, last, { html: error }];
  });
}
function replication(s) {
  const slots = s.replicationSlots;
  if (!Array.isArray(slots)) return [['retained WAL', 'unknown (no Postgres URL, or the last read failed)']];
  if (slots.length === 0) return [['slots', 'none']];
  return slots.map((x) => [
    x.slot + (x.active ? '' : ' (inactive)'),
    x.retainedBytes == null ? 'no WAL reserved' : bytes(x.retainedBytes) + ' retained',
  ]);
}
function reconcileLine(r, now) {
  if (!r || !r.configured) return 'not configured (periodic reconcile off: EVENT_HOST_RECONCILE_ENABLED); run \`event-host metrics reconcile --sample N\` by hand';
  const head = 'every ' + Math.round(r.intervalMs / 1000) + ' s, ' + num(r.sampleSize) + ' entities per type, ' +
    (r.repair ? 'repairs what it finds' : 'read-only') + ' · ' + (r.leader ? 'this host runs it' : 'another host of the group runs it');
  const errors = r.errors ? ' · ' + num(r.errors) + ' failed runs, last ' + ago(r.lastError.at, now) + ': ' + r.lastError.message : '';
  if (!r.last) return head + (r.running ? ' · first run in progress' : ' · no run yet') + errors;
  const l = r.last;
  const off = l.off.length
    ? l.off.slice(0, 3).map((m) => m.entityType + '.' + m.metric + ' ' + num(m.off) + ' of ' + num(m.checked) + ' off (coverage ' +
        m.coverage.toFixed(4) + (m.cacheOff ? ', ' + num(m.cacheOff) + ' cached hashes off' : '') + ')').join(', ') +
      (l.off.length > 3 ? ' and ' + (l.off.length - 3) + ' more metrics' : '')
    : 'every metric equals its truth';
  return head + ' · last run ' + ago(l.endedAt, now) + ' in ' + l.seconds.toFixed(1) + ' s: ' + num(l.entities) + ' entities, ' + off +
    (l.notCompared ? ' · ' + num(l.notCompared) + ' not compared (stream behind)' : '') +
    (l.repairedEvents ? ' · ' + num(l.repairedEvents) + ' corrections written' : '') + errors;
}
function rollupLine(r, now) {
  if (!r.rolls) return 'this host does not roll (EVENT_HOST_ROLLUP_INTERVAL_MS=0): another instance must, or reads scan a growing open part';
  const run = (x) => x.outcome + ' ' + ago(x.at, now) + ' (' + x.seconds.toFixed(1) + ' s)';
  return [
    r.lastCommitAt == null ? 'no roll committed by this host yet' : 'last committed roll ' + ago(r.lastCommitAt, now),
    r.lastRoll ? 'last roll ' + run(r.lastRoll) : 'no roll yet',
    r.lastCompaction ? 'last compaction ' + run(r.lastCompaction) + ', ' + num(r.lastCompaction.days) + ' days folded' : 'no compaction yet',
    r.dailyParts == null ? 'daily parts unknown' : num(r.dailyParts) + ' daily parts (a miss reads a granule of each per entity)',
  ].join(' · ');
}
async function refresh() {
  let s;
  try { s = await (await fetch('status.json', { cache: 'no-store' })).json(); } catch { return; }
  const now = Date.now();
  const samples = s.samples;
  const t1 = samples.length ? samples[samples.length - 1].t : now;
  const t0 = samples.length ? samples[0].t : t1 - 60000;
  const win = s.rates.windowSeconds;
  document.getElementById('rate-window').textContent = '(changes/s, each point over the last ' + win + ' s)';
  draw(document.getElementById('chart-throughput'),
    [{ name: 'consumed', color: '#0969da', points: samples.map((x) => [x.t, x.consumedPerSecond]) }], t0, t1);
  draw(document.getElementById('chart-lag'), [{ name: 'lag', color: '#bf3989', points: samples.map((x) => [x.t, x.lag]) }], t0, t1);
  const ready = document.getElementById('ready');
  ready.textContent = s.readiness.ready ? 'ready' : 'not ready';
  ready.className = 'badge ' + (s.readiness.ready ? 'ok' : 'bad');
  document.getElementById('summary').textContent = 'groups ' + s.groupId + ', ' + s.metricGroupId + ' · ' + s.rates.consumedPerSecond +
    ' changes/s (last ' + win + ' s) · lag ' + lagNum(s.lagByTopic.total) + ' · consumed ' + num(s.totals.consumed) +
    ' · metric events stored ' + num(s.totals.metricEventsStored) + ' · cache events applied ' +
    num(s.totals.cacheEventsApplied) + ' · re-sends skipped ' + num(s.totals.resendsSkipped) +
    ' · dead letters ' + num(s.totals.deadLetters);

  rows(document.getElementById('sinks'), ['sink', 'state', 'last write', 'last error'], sinkRows(s, now));

  const b = s.buffer;
  const pct = b.capacityRows > 0 ? Math.min(100, (100 * b.rows) / b.capacityRows) : 0;
  const bar = document.getElementById('buffer-bar');
  // A few rows still show as a sliver.
  bar.style.width = b.rows > 0 ? 'max(2px, ' + pct.toFixed(1) + '%)' : '0';
  bar.className = pct >= 90 ? 'full' : pct >= 50 ? 'warn' : '';
  bar.parentElement.dataset.percent = pct.toFixed(1);
  document.getElementById('buffer-text').textContent = num(b.rows) + ' of ' + num(b.capacityRows) + ' rows (' +
    (pct < 1 && b.rows > 0 ? '<1' : pct.toFixed(0)) + '%) · flushed every ' + b.flushIntervalMs / 1000 + ' s or at ' +
    num(b.flushRows) + ' rows · fetching pauses when full';
  const f = s.flushes.map((x) => x.seconds);
  bars(document.getElementById('chart-flushes'), f);
  const lastFlush = s.flushes[s.flushes.length - 1];
  document.getElementById('flush-text').textContent = f.length
    ? 'last ' + ms(lastFlush.seconds) + ' (' + num(lastFlush.rows) + ' rows, ' + ago(lastFlush.t, now) + ') · mean ' +
      ms(f.reduce((a, v) => a + v, 0) / f.length) + ' · max ' + ms(Math.max(...f)) + ' over the last ' + f.length + ' flushes'
    : 'no flush yet';

  const l = s.listeners;
  rows(document.getElementById('top-throughput'), ['listener', 'plugin', '#changes/s', '#handled'],
    l.byThroughput.map((r) => [id(r.listener), id(r.plugin), r.perSecond, num(r.handled)]), 'no listener handled a change yet');
  document.getElementById('top-throughput-more').textContent =
    (l.otherActive ? l.otherActive + ' other active listeners · ' : '') + l.idle + ' idle (nothing handled since start)';
  rows(document.getElementById('top-failures'), ['listener', 'plugin', '#dead-lettered', '#retried'],
    l.byFailures.map((r) => [id(r.listener), id(r.plugin), num(r.failed), num(r.retried)]), 'no listener failed or retried');
  document.getElementById('top-failures-more').textContent = l.otherFailing ? l.otherFailing + ' other listeners with failures' : '';

  rows(document.getElementById('dead-letters'), ['listener', 'code', '#count'],
    s.deadLettersBy.map((d) => [d.listener === 'none' ? '(undecodable record)' : id(d.listener), id(d.code), num(d.count)]),
    'no dead letters since start');

  const lag = s.lagByTopic;
  // The topics that lag most; the rest are summed up in one line.
  const shown = lag.topics.slice(0, 6);
  const rest = lag.topics.slice(6);
  const unknownRest = rest.some((t) => t.total == null);
  const restLine = rest.length ? [[rest.length + ' more topics', rest.reduce((n, t) => n + t.partitions, 0),
    unknownRest ? '?' : num(rest.reduce((n, t) => n + t.total, 0)), unknownRest ? '?' : num(Math.max(...rest.map((t) => t.max)))]] : [];
  rows(document.getElementById('lag-topics'), ['topic', '#partitions', '#total lag', '#max'],
    shown.map((t) => [id(t.topic), t.partitions, lagNum(t.total), lagNum(t.max)]).concat(restLine), 'no partitions assigned');
  rows(document.getElementById('lag-worst'), ['topic', '#partition', '#lag'],
    lag.worst.map((p) => [id(p.topic), p.partition, num(p.lag)]),
    'every one of the ' + lag.partitions + ' assigned partitions is caught up');

  rows(document.getElementById('replication'), ['', ''], replication(s));
  document.getElementById('reconcile').textContent = reconcileLine(s.reconcile, now);
  document.getElementById('rollup').textContent = rollupLine(s.rollup, now);
  rows(document.getElementById('checks'), ['check', 'state'],
    Object.entries(s.readiness.checks).map(([k, c]) => [k, { html: badge(c.ok ? 'ok' : 'bad', c.ok ? 'ok' : 'failing') + ' ' + esc(c.detail) }]));
  rows(document.getElementById('plugins'), ['package', 'plugin', 'owner', 'listeners'],
    s.plugins.map((p) => [id(p.package), id(p.id), p.owner, p.listeners.length + ': ' + p.listeners.join(', ')]));
  document.getElementById('plugins').dataset.listeners = String(s.plugins.reduce((n, p) => n + p.listeners.length, 0));
}
refresh();
setInterval(refresh, 2000);
`;
