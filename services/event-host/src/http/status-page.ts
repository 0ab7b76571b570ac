// The status page for people: one HTML document with inline CSS and a small inline script that polls
// /status.json and draws the charts as SVG. Nothing is loaded from elsewhere (hosts often have no internet).

/** The status page HTML. `title` names the deployment (client id and group). */
export function statusPageHtml(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>event-host · ${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2733;background:#f6f8fa}
h1{font-size:1.3rem;margin:0 0 .25rem}h2{font-size:1rem;margin:0 0 .5rem}
.muted{color:#5b6877}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
.card{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:1rem}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600}
.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #eaeef2}
svg{width:100%;height:180px;display:block}.legend span{margin-right:1rem;white-space:nowrap}
.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
</style></head><body>
<h1>event-host <span class="muted">${escapeHtml(title)}</span> <span id="ready" class="badge">…</span></h1>
<p class="muted" id="summary">loading…</p>
<div class="grid">
<div class="card"><h2>Throughput per listener <span class="muted">(changes/s)</span></h2>
<svg id="chart-throughput" data-chart="throughput" viewBox="0 0 600 180" preserveAspectRatio="none"></svg>
<div class="legend" id="legend-throughput"></div></div>
<div class="card"><h2>Consumer lag <span class="muted">(records)</span></h2>
<svg id="chart-lag" data-chart="lag" viewBox="0 0 600 180" preserveAspectRatio="none"></svg></div>
<div class="card"><h2>Dead letters <span class="muted">(total since start)</span></h2>
<svg id="chart-dead" data-chart="dead-letters" viewBox="0 0 600 180" preserveAspectRatio="none"></svg></div>
<div class="card"><h2>Readiness</h2><table id="checks"></table></div>
<div class="card"><h2>Plugins</h2><table id="plugins"></table></div>
<div class="card"><h2>Partitions</h2><table id="partitions"></table></div>
</div>
<script>${CLIENT_SCRIPT}</script>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Plain browser JavaScript (no build step): fetch, then redraw every two seconds.
const CLIENT_SCRIPT = `
const COLORS = ['#0969da','#bf3989','#1a7f37','#9a6700','#8250df','#cf222e','#116329','#57606a'];
const W = 600, H = 180, PAD = 28;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
function draw(svg, series, t0, t1) {
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (t) => PAD + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD - 4);
  const y = (v) => H - 16 - (v / max) * (H - 26);
  let out = '<line x1="' + PAD + '" y1="' + (H - 16) + '" x2="' + W + '" y2="' + (H - 16) + '" stroke="#d0d7de"/>';
  out += '<text x="2" y="12" font-size="10" fill="#5b6877">' + esc(+max.toFixed(1)) + '</text>';
  out += '<text x="2" y="' + (H - 18) + '" font-size="10" fill="#5b6877">0</text>';
  const span = Math.round((t1 - t0) / 1000);
  const ago = span < 120 ? span + ' s ago' : Math.round(span / 60) + ' min ago';
  out += '<text x="' + PAD + '" y="' + (H - 2) + '" font-size="10" fill="#5b6877">' + esc(ago) + '</text>';
  out += '<text x="' + (W - 30) + '" y="' + (H - 2) + '" font-size="10" fill="#5b6877">now</text>';
  let n = 0;
  series.forEach((s, i) => {
    if (s.points.length < 2) return;
    n = Math.max(n, s.points.length);
    const pts = s.points.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
    out += '<polyline fill="none" stroke-width="2" stroke="' + COLORS[i % COLORS.length] + '" points="' + pts + '" data-series="' + esc(s.name) + '"/>';
  });
  svg.innerHTML = out;
  svg.dataset.points = String(n);
  svg.dataset.max = String(max);
}
function rows(el, header, lines) {
  el.innerHTML = '<tr>' + header.map((h) => '<th>' + esc(h) + '</th>').join('') + '</tr>' +
    lines.map((l) => '<tr>' + l.map((c) => '<td>' + esc(c) + '</td>').join('') + '</tr>').join('');
}
async function refresh() {
  let s;
  try { s = await (await fetch('status.json', { cache: 'no-store' })).json(); } catch { return; }
  const samples = s.samples;
  const t1 = samples.length ? samples[samples.length - 1].t : Date.now();
  const t0 = samples.length ? samples[0].t : t1 - 60000;
  // Only listeners that handled something in the window get a line; dozens of flat zeros hide the rest.
  const all = s.plugins.flatMap((p) => p.listeners);
  const active = all.filter((id) => samples.some((x) => (x.handledPerSecond[id] || 0) > 0));
  const listeners = active.length ? active : all.slice(0, 1);
  draw(document.getElementById('chart-throughput'),
    listeners.map((id) => ({ name: id, points: samples.map((x) => [x.t, x.handledPerSecond[id] || 0]) })), t0, t1);
  document.getElementById('legend-throughput').innerHTML = listeners
    .map((id, i) => '<span><i style="background:' + COLORS[i % COLORS.length] + '"></i>' + esc(id) + '</span>').join('') +
    (all.length > listeners.length ? '<span class="muted">' + (all.length - listeners.length) + ' idle listeners not drawn</span>' : '');
  draw(document.getElementById('chart-lag'), [{ name: 'lag', points: samples.map((x) => [x.t, x.lag]) }], t0, t1);
  draw(document.getElementById('chart-dead'), [{ name: 'dead letters', points: samples.map((x) => [x.t, x.deadLetters]) }], t0, t1);
  const ready = document.getElementById('ready');
  ready.textContent = s.readiness.ready ? 'ready' : 'not ready';
  ready.className = 'badge ' + (s.readiness.ready ? 'ok' : 'bad');
  const last = samples[samples.length - 1] || { consumedPerSecond: 0, lag: 0 };
  document.getElementById('summary').textContent = 'group ' + s.groupId + ' · ' + last.consumedPerSecond +
    ' changes/s · lag ' + last.lag + ' · consumed ' + s.totals.consumed + ' · metric events stored ' +
    s.totals.metricEventsStored + ' · cache events applied ' + s.totals.cacheEventsApplied + ' · dead letters ' + s.totals.deadLetters;
  rows(document.getElementById('checks'), ['check', 'state'],
    Object.entries(s.readiness.checks).map(([k, c]) => [k, (c.ok ? '✔ ' : '✘ ') + c.detail]));
  rows(document.getElementById('plugins'), ['package', 'plugin', 'owner', 'listeners'],
    s.plugins.map((p) => [p.package, p.id, p.owner, p.listeners.join(', ')]));
  rows(document.getElementById('partitions'), ['topic', 'partition', 'lag'], s.lag.map((p) => [p.topic, p.partition, p.lag]));
}
refresh();
setInterval(refresh, 2000);
`;
