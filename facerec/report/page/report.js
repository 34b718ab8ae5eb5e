// The report page (facerec/report/html_report.h): reads the report document
// (report/report_data.h) from #report-data and draws the runs table, the
// charts and, for #selfcheck=WORDS, what a headless-browser test reads back.
(function () {
'use strict';
// Draws `report` (and `registry`, {"models": [...]} or null) into the page's
// sections; `keep` is what a previous drawing's state() returned, so a live
// redraw keeps the reader's choices. Returns {state(), destroy()}.
function drawReport(report, registry, keep) {
keep = keep || {};
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                 '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
const maxLines = 12;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.size = 11;
Chart.defaults.plugins.legend.labels.boxWidth = 12;

const $ = id => document.getElementById(id);
const el = (tag, props, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
};
const fmt = v => {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
};

// Runs, with final values and their series.
const runs = report.runs.map((r, i) => {
  const finals = {};
  for (const [key, points] of Object.entries(r.metrics)) finals[key] = points[points.length - 1][1];
  const short = r.uid.slice(0, 8);
  const label = short + ' ' + (r.name || r.experiment) + (r.seed !== null ? ' s' + r.seed : '');
  const minutes = r.end_ms !== null ? (r.end_ms - r.start_ms) / 60000 : null;
  return Object.assign({}, r, {index: i, short, label, finals, minutes});
});
$('title').textContent = document.title;
const experiments = [...new Set(runs.map(r => r.experiment))];
$('summary').textContent = runs.length + ' runs of ' + experiments.length + ' experiments (' +
    experiments.join(', ') + ').';

const charts = {};
function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart($(id), config);
}
function clear(id) {
  if (charts[id]) { charts[id].destroy(); delete charts[id]; }
}
const colour = i => palette[i % palette.length];
function lineSet(label, points, i, extra) {
  return Object.assign({label, data: points, borderColor: colour(i), backgroundColor: colour(i),
                        pointRadius: 0, borderWidth: 1.5, showLine: true}, extra || {});
}
function axes(xTitle, yTitle, xType, yType) {
  return {x: {type: xType || 'linear', title: {display: true, text: xTitle}},
          y: {type: yType || 'linear', title: {display: true, text: yTitle}}};
}
const sections = {};
function section(id, present, what) {
  sections[id] = present;
  $(id).hidden = !present;
  if (!present) absent.push(what);
}
const absent = [];

// ---- The runs table.
const paramKeys = (() => {
  const values = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.params)) (values[k] = values[k] || []).push(v);
  return Object.entries(values)
      .filter(([k, v]) => v.length >= 2 && new Set(v).size > 1 && k !== 'seed' && !k.startsWith('run/'))
      .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
      .slice(0, 10).map(([k]) => k);
})();
const finalKeys = [...new Set(runs.flatMap(r => Object.keys(r.finals)))].sort();
const preferredMetrics = ['val/accuracy', 'eval/facemask_val/ap', 'val/nme', 'train/epoch_loss'];
const metricSelect = $('metric-column');
for (const k of finalKeys) metricSelect.append(el('option', {value: k, textContent: k}));
metricSelect.value = preferredMetrics.find(k => finalKeys.includes(k)) || finalKeys[0] || '';

const columns = [
  {name: 'run', value: r => r.short},
  {name: 'experiment', value: r => r.experiment},
  {name: 'name', value: r => r.name},
  {name: 'status', value: r => r.status},
  {name: 'started', value: r => new Date(r.start_ms).toISOString().slice(0, 16).replace('T', ' ')},
  {name: 'minutes', value: r => r.minutes === null ? null : Math.round(r.minutes * 10) / 10},
  {name: 'code', value: r => r.code_version},
  {name: 'seed', value: r => r.seed},
  ...paramKeys.map(k => ({name: k, value: r => r.params[k] === undefined ? null : r.params[k]})),
  {name: 'metric', value: r => metricSelect.value in r.finals ? r.finals[metricSelect.value] : null},
];
let sortColumn = -1, sortDescending = false, selectedRun = null;
const numeric = v => v !== null && v !== '' && !isNaN(Number(v));
function rowText(r) {
  return [r.short, r.uid, r.experiment, r.name, r.status, r.code_version, 'seed=' + r.seed,
          ...Object.entries(r.params).map(([k, v]) => k + '=' + v),
          ...Object.entries(r.tags).map(([k, v]) => k + '=' + v)].join(' ').toLowerCase();
}
const texts = runs.map(rowText);
function filterTerms() { return $('filter').value.toLowerCase().split(/\s+/).filter(t => t); }
function visibleRuns() {
  const terms = filterTerms();
  let shown = runs.filter(r => terms.every(t => texts[r.index].includes(t)));
  if (sortColumn >= 0) {
    const c = columns[sortColumn];
    shown = shown.slice().sort((a, b) => {
      const x = c.value(a), y = c.value(b);
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const order = numeric(x) && numeric(y) ? Number(x) - Number(y) : String(x).localeCompare(String(y));
      return sortDescending ? -order : order;
    });
  }
  return shown;
}
function renderTable() {
  const head = $('runs').tHead;
  head.replaceChildren(el('tr', {}, ...columns.map((c, i) => {
    const th = el('th', {textContent: c.name === 'metric' ? metricSelect.value || 'metric' : c.name,
                         title: 'sort by ' + c.name});
    if (i === sortColumn) th.className = sortDescending ? 'sorted-desc' : 'sorted-asc';
    th.addEventListener('click', () => {
      sortDescending = sortColumn === i ? !sortDescending : false;
      sortColumn = i;
      update();
    });
    return th;
  })));
  const shown = visibleRuns();
  $('runs').tBodies[0].replaceChildren(...shown.map(r => {
    const tr = el('tr', {className: r === selectedRun ? 'selected' : ''}, ...columns.map(c => {
      const v = c.value(r);
      const td = el('td', {textContent: fmt(v)});
      if (numeric(v)) td.className = 'num';
      if (c.name === 'status') td.className = 'status-' + v;
      return td;
    }));
    tr.dataset.uid = r.uid;
    tr.addEventListener('click', () => { selectedRun = r; renderTable(); renderDetails(); });
    return tr;
  }));
  $('row-count').textContent = shown.length + ' of ' + runs.length + ' runs';
  return shown;
}

// ---- One run's details: params, finals, its train/ and val/ curves.
function renderDetails() {
  const box = $('run-details');
  for (const id of Object.keys(charts)) if (id.startsWith('run-chart-')) clear(id);
  if (!selectedRun) { box.replaceChildren(); return; }
  const r = selectedRun;
  const kv = obj => el('table', {}, ...Object.entries(obj).map(([k, v]) =>
      el('tr', {}, el('td', {textContent: k}), el('td', {textContent: fmt(v)}))));
  const curveKeys = Object.keys(r.metrics).filter(k => r.metrics[k].length > 1 &&
      (k.startsWith('train/') || k.startsWith('val/'))).slice(0, 8);
  const grid = el('div', {className: 'small-charts'});
  box.replaceChildren(
      el('h3', {textContent: 'Run ' + r.uid + ' (' + r.experiment + ' / ' + r.name + ')'}),
      el('p', {className: 'note', textContent: r.command_line + (r.error ? ' — error: ' + r.error : '')}),
      grid,
      el('details', {}, el('summary', {textContent: 'params (' + Object.keys(r.params).length + ')'}), kv(r.params)),
      el('details', {}, el('summary', {textContent: 'final metrics (' + finalKeys.filter(k => k in r.finals).length + ')'}), kv(r.finals)));
  curveKeys.forEach((k, i) => {
    const id = 'run-chart-' + i;
    grid.append(el('div', {className: 'chart'}, el('canvas', {id})));
    draw(id, {type: 'line', data: {datasets: [lineSet(k, r.metrics[k].map(([x, y]) => ({x, y})), i)]},
              options: {scales: axes('step', k)}});
  });
}

// ---- Curves of any series, overlaid.
const seriesKeys = [...new Set(runs.flatMap(r => Object.keys(r.metrics).filter(k => r.metrics[k].length > 1)))]
    .sort((a, b) => (/^(train|val)\//.test(b) - /^(train|val)\//.test(a)) || a.localeCompare(b));
section('curves-section', seriesKeys.length > 0, 'metric series');
for (const k of seriesKeys) $('series-key').append(el('option', {value: k, textContent: k}));
if (seriesKeys.includes('train/loss')) $('series-key').value = 'train/loss';
function stepsPerEpoch(r) {
  const epochs = Number(r.params.epochs), loss = r.metrics['train/loss'];
  if (!(epochs > 0) || !loss) return null;
  return (loss[loss.length - 1][0] + 1) / epochs;
}
function renderCurves(shown) {
  if (!sections['curves-section']) return;
  const key = $('series-key').value, byEpoch = $('series-x').value === 'epoch';
  const sets = shown.filter(r => r.metrics[key] && r.metrics[key].length > 1).slice(0, maxLines).map((r, i) => {
    const points = r.metrics[key];
    const perEpoch = Number(r.params.epochs) > 0 && points[points.length - 1][0] <= Number(r.params.epochs);
    const spe = byEpoch && !perEpoch ? stepsPerEpoch(r) : null;
    return lineSet(r.label, points.map(([x, y]) => ({x: spe ? x / spe : x, y})), i);
  });
  draw('chart-curves', {type: 'line', data: {datasets: sets},
       options: {scales: axes(byEpoch ? 'epoch' : 'step', key, 'linear',
                              $('series-log').checked ? 'logarithmic' : 'linear')}});
}

// ---- ROC.
const rocRuns = runs.filter(r => r.evaluations.some(e => e[1] === 'id_rate_roc'));
section('roc-section', rocRuns.length > 0, 'ROC points (id_rate_roc)');
function renderRoc(shown) {
  if (!sections['roc-section']) return;
  const sets = [];
  for (const r of shown) {
    const byDataset = {};
    for (const [dataset, protocol, fpr, tpr] of r.evaluations) {
      if (protocol !== 'id_rate_roc' || fpr === null || tpr === null || fpr <= 0) continue;
      (byDataset[dataset] = byDataset[dataset] || []).push({x: fpr, y: tpr});
    }
    for (const [dataset, points] of Object.entries(byDataset)) {
      if (sets.length < maxLines) sets.push(lineSet(r.label + ' ' + dataset, points, sets.length));
    }
  }
  draw('chart-roc', {type: 'line', data: {datasets: sets},
       options: {scales: axes('FPR', 'TPR (identification rate)', 'logarithmic')}});
}

// ---- Intervals over seeds (experiment loss_comparison).
const intervalPattern = /^(.+)\/tpr@([^/]+)\/(mean|low|high|estimate)$/;
const summaryRuns = runs.filter(r => Object.keys(r.finals).some(k => intervalPattern.test(k) && k.endsWith('/low')));
section('intervals-section', summaryRuns.length > 0, 'seed summaries with intervals');
for (const r of summaryRuns) $('interval-run').append(el('option', {value: r.uid, textContent: r.label}));
// First shown: the newest summary that compares losses (one recipe confirmed over
// seeds has no differences to draw); the others stay a choice away.
if (summaryRuns.length) {
  $('interval-run').value =
      (summaryRuns.find(r => Object.keys(intervalGroups(r, true)).length) || summaryRuns[0]).uid;
}
function intervalGroups(r, differences) {
  const groups = {};
  for (const [k, v] of Object.entries(r.finals)) {
    const m = k.match(intervalPattern);
    if (!m || m[1].startsWith('difference/') !== differences) continue;
    const group = differences ? m[1].slice('difference/'.length) : m[1];
    ((groups[group] = groups[group] || {})[m[2]] = groups[group][m[2]] || {})[m[3]] = v;
  }
  return groups;
}
function intervalChart(id, groups, centre, yTitle) {
  const fprs = [...new Set(Object.values(groups).flatMap(g => Object.keys(g)))]
      .sort((a, b) => Number(b) - Number(a));
  const sets = [];
  Object.entries(groups).forEach(([name, g], i) => {
    sets.push({type: 'bar', label: name + ' interval', backgroundColor: colour(i) + '66',
               borderColor: colour(i), borderWidth: 1,
               data: fprs.map(f => g[f] && 'low' in g[f] ? [g[f].low, g[f].high] : null)});
    sets.push({type: 'line', label: name + ' ' + centre, showLine: false, pointStyle: 'crossRot',
               pointRadius: 7, borderColor: colour(i), backgroundColor: colour(i),
               data: fprs.map(f => g[f] && centre in g[f] ? g[f][centre] : null)});
  });
  draw(id, {type: 'bar', data: {labels: fprs.map(f => 'TPR@' + f), datasets: sets},
       options: {scales: {y: {title: {display: true, text: yTitle}}}}});
}
function renderIntervals() {
  if (!sections['intervals-section']) return;
  const r = summaryRuns.find(s => s.uid === $('interval-run').value) || summaryRuns[0];
  intervalChart('chart-intervals', intervalGroups(r, false), 'mean', 'TPR');
  const differences = intervalGroups(r, true);
  if (Object.keys(differences).length) {
    $('chart-differences').parentElement.hidden = false;
    intervalChart('chart-differences', differences, 'estimate', 'difference in TPR');
  } else {
    $('chart-differences').parentElement.hidden = true;
    clear('chart-differences');
  }
}

// ---- Landmark CED.
const cedSets = [...new Set(runs.flatMap(r => r.evaluations.filter(e => e[1] === 'nme_ced').map(e => e[0])))].sort();
section('ced-section', cedSets.length > 0, 'landmark CED (nme_ced)');
for (const s of cedSets) $('ced-set').append(el('option', {value: s, textContent: s}));
function renderCed(shown) {
  if (!sections['ced-section']) return;
  const set = $('ced-set').value;
  const sets = shown.map(r => r.evaluations.filter(e => e[0] === set && e[1] === 'nme_ced')
                                  .map(e => ({x: e[4], y: e[3]})))
      .map((points, i) => [points, shown[i]]).filter(([p]) => p.length)
      .slice(0, maxLines).map(([points, r], i) => lineSet(r.label, points, i));
  draw('chart-ced', {type: 'line', data: {datasets: sets},
       options: {scales: axes('NME (inter-ocular)', 'share of faces')}});
}

// ---- Detection precision-recall.
const prPattern = /^eval\/(.+)\/pr\/precision$/;
const prSets = [...new Set(runs.flatMap(r => Object.keys(r.metrics).map(k => (k.match(prPattern) || [])[1]).filter(Boolean)))].sort();
section('pr-section', prSets.length > 0, 'detection PR curves');
for (const s of prSets) $('pr-set').append(el('option', {value: s, textContent: s}));
function renderPr(shown) {
  if (!sections['pr-section']) return;
  const set = $('pr-set').value;
  const sets = shown.filter(r => r.metrics['eval/' + set + '/pr/precision'] && r.metrics['eval/' + set + '/pr/recall'])
      .slice(0, maxLines).map((r, i) => {
        const recall = new Map(r.metrics['eval/' + set + '/pr/recall']);
        const points = r.metrics['eval/' + set + '/pr/precision'].filter(([s]) => recall.has(s))
            .map(([s, p]) => ({x: recall.get(s), y: p}));
        return lineSet(r.label, points, i);
      });
  draw('chart-pr', {type: 'scatter', data: {datasets: sets},
       options: {scales: axes('recall', 'precision')}});
}

// ---- Attack success against epsilon.
const attackPattern = /^attack\/(.+)\/success_far(.+)$/;
const attackKeys = [...new Set(runs.flatMap(r => Object.keys(r.metrics).filter(k => attackPattern.test(k))))].sort();
section('attacks-section', attackKeys.length > 0, 'attack success curves');
for (const k of attackKeys) $('attack-key').append(el('option', {value: k, textContent: k.slice('attack/'.length)}));
function renderAttacks(shown) {
  if (!sections['attacks-section']) return;
  const key = $('attack-key').value;
  const sets = shown.filter(r => r.metrics[key] && r.metrics['attack/epsilon_255']).slice(0, maxLines).map((r, i) => {
    const epsilon = new Map(r.metrics['attack/epsilon_255']);
    return lineSet(r.label + ' ' + (r.params.model_run || '').slice(0, 8),
                   r.metrics[key].filter(([s]) => epsilon.has(s)).map(([s, v]) => ({x: epsilon.get(s), y: v})), i,
                   {pointRadius: 3});
  });
  draw('chart-attacks', {type: 'scatter', data: {datasets: sets},
       options: {scales: axes('ε (pixel levels of 255)', 'success rate')}});
}

// ---- Parallel coordinates.
section('parallel-section', finalKeys.length > 0 && runs.length > 1, 'parallel coordinates (one run)');
for (const k of finalKeys) $('parallel-metric').append(el('option', {value: k, textContent: k}));
$('parallel-metric').value = metricSelect.value;
function renderParallel(shown) {
  if (!sections['parallel-section']) return;
  const metric = $('parallel-metric').value;
  const withMetric = shown.filter(r => metric in r.finals && r.finals[metric] !== null);
  const axesKeys = [...new Set(withMetric.flatMap(r => Object.keys(r.params)))].filter(k => {
    const v = withMetric.map(r => r.params[k]);
    return v.every(numeric) && new Set(v).size > 1;
  }).sort().slice(0, 10);
  const dims = [...axesKeys.map(k => ({name: k, of: r => Number(r.params[k])})),
                {name: metric, of: r => r.finals[metric]}];
  const range = dims.map(d => {
    const v = withMetric.map(d.of);
    return [Math.min(...v), Math.max(...v)];
  });
  const metricRange = range[range.length - 1];
  const sets = withMetric.slice(0, 60).map(r => {
    const m = r.finals[metric];
    const t = metricRange[1] > metricRange[0] ? (m - metricRange[0]) / (metricRange[1] - metricRange[0]) : 0.5;
    const c = 'hsl(215, 70%, ' + Math.round(80 - 55 * t) + '%)';
    return {label: r.label, data: dims.map((d, j) => {
              const [lo, hi] = range[j];
              return hi > lo ? (d.of(r) - lo) / (hi - lo) : 0.5;
            }), raw: dims.map(d => d.of(r)), borderColor: c, backgroundColor: c, pointRadius: 2, borderWidth: 1.5};
  });
  $('parallel-note').textContent = axesKeys.length
      ? 'Axes: the numeric params that differ between the ' + withMetric.length + ' shown runs with ' + metric +
        ', each scaled to their range; a line per run, darker = higher ' + metric + '.'
      : 'The ' + withMetric.length + ' shown runs with ' + metric + ' differ in no numeric param: filter the table to a sweep.';
  draw('chart-parallel', {type: 'line', data: {labels: dims.map(d => d.name), datasets: sets},
       options: {scales: {y: {min: 0, max: 1, title: {display: true, text: 'scaled to the shown range'}}},
                 plugins: {legend: {display: false},
                           tooltip: {callbacks: {label: c => c.dataset.label + ': ' + fmt(c.dataset.raw[c.dataIndex])}}}}});
}

function update() {
  const shown = renderTable();
  renderCurves(shown);
  renderRoc(shown);
  renderCed(shown);
  renderPr(shown);
  renderAttacks(shown);
  renderParallel(shown);
  return shown;
}
$('filter').addEventListener('input', update);
metricSelect.addEventListener('change', update);
for (const [id, render] of [['series-key', renderCurves], ['series-x', renderCurves], ['series-log', renderCurves],
                            ['ced-set', renderCed], ['pr-set', renderPr], ['attack-key', renderAttacks],
                            ['parallel-metric', renderParallel]]) {
  $(id).addEventListener('change', () => render(visibleRuns()));
}
$('interval-run').addEventListener('change', renderIntervals);
// A redraw keeps the reader's choices where they still exist.
const kept = ['filter', 'metric-column', 'series-key', 'series-x', 'interval-run', 'ced-set', 'pr-set',
              'attack-key', 'parallel-metric'];
for (const id of kept) {
  if (keep.values && id in keep.values && (!$(id).options || [...$(id).options].some(o => o.value === keep.values[id]))) {
    $(id).value = keep.values[id];
  }
}
if (keep.values) $('series-log').checked = !!keep.values['series-log'];
if (keep.sortColumn !== undefined) { sortColumn = keep.sortColumn; sortDescending = keep.sortDescending; }
if (keep.selected) selectedRun = runs.find(r => r.uid === keep.selected || r.uid.startsWith(keep.selected)) || null;
renderIntervals();
update();
renderDetails();
renderModels(registry);
$('absent').textContent = absent.length ? 'Not in these runs: ' + absent.join(', ') + '.' : '';

// ---- #selfcheck=WORDS: what a test in a headless browser reads back.
if (location.hash.startsWith('#selfcheck')) {
  const drawn = canvas => {
    if (!canvas.width || !canvas.height) return false;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
    return false;
  };
  const chartsSeen = [...document.querySelectorAll('section:not([hidden]) canvas')]
      .filter(c => !c.parentElement.hidden).map(c => ({id: c.id, drawn: drawn(c)}));
  const words = decodeURIComponent(location.hash.slice('#selfcheck'.length).replace(/^=/, ''));
  $('filter').value = words;
  const shown = update();
  const rowsShown = [...$('runs').tBodies[0].rows].map(tr => tr.dataset.uid);
  const terms = filterTerms();
  const expected = runs.filter(r => terms.every(t => texts[r.index].includes(t))).map(r => r.uid);
  const result = {charts: chartsSeen, rows: runs.length, rows_after_filter: rowsShown.length,
                  filter_rows_match: rowsShown.length === expected.length && expected.every(u => rowsShown.includes(u)) &&
                                     shown.length === rowsShown.length,
                  errors: window.reportErrors};
  $('selfcheck').textContent = JSON.stringify(result);
}
window.facerecReportView = {charts, runs};
return {
  state: () => {
    const values = {};
    for (const id of kept) values[id] = $(id).value;
    values['series-log'] = $('series-log').checked;
    return {values, sortColumn, sortDescending, selected: selectedRun ? selectedRun.uid : keep.selected};
  },
  destroy: () => { for (const id of Object.keys(charts)) clear(id); },
};
}

// ---- The model registry (live pages: tools:serve).
function renderModels(registry) {
  const section = document.getElementById('models-section');
  if (!registry || !registry.models) { section.hidden = true; return; }
  section.hidden = false;
  const table = document.getElementById('models');
  const metricKeys = [...new Set(registry.models.flatMap(m => Object.keys(m.metrics)))].sort().slice(0, 6);
  const head = ['name', 'version', 'kind', 'aliases', 'sha256', 'run', 'registered', ...metricKeys];
  const cell = (text, numeric) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (numeric) td.className = 'num';
    return td;
  };
  const tr = document.createElement('tr');
  for (const h of head) { const th = document.createElement('th'); th.textContent = h; tr.append(th); }
  table.tHead.replaceChildren(tr);
  table.tBodies[0].replaceChildren(...registry.models.slice().sort((a, b) => b.created_ms - a.created_ms).map(m => {
    const row = document.createElement('tr');
    row.append(cell(m.name), cell(String(m.version), true), cell(m.kind), cell(m.aliases.join(', ')),
               cell(m.sha256.slice(0, 12)), cell(m.run_uid.slice(0, 8)),
               cell(m.created_ms ? new Date(m.created_ms).toISOString().slice(0, 16).replace('T', ' ') : ''),
               ...metricKeys.map(k => cell(k in m.metrics && m.metrics[k] !== null ? Number(m.metrics[k]).toPrecision(4) : '', true)));
    return row;
  }));
}

const staticData = document.getElementById('report-data');
if (staticData) {
  drawReport(JSON.parse(staticData.textContent), null, {});
  return;
}

// ---- Live: fetch, draw, then poll the version and redraw on a change.
const live = JSON.parse(document.getElementById('report-live').textContent);
const root = document.getElementById('report-root');
const pristine = root.innerHTML;
const query = location.search;  // ?experiment=..., ?comparison=..., ?runs=..., ?limit=...
let view = null, version = null, drawing = false;
window.facerecLive = {draws: 0, version: null, errors: []};
function initialKeep() {
  const m = location.hash.match(/^#run=([0-9a-f]{8,32})$/);
  return m ? {selected: m[1], values: {filter: m[1]}} : {};
}
async function fetchJson(url) {
  const response = await fetch(url, {cache: 'no-store'});
  const body = await response.json();
  if (!response.ok) throw new Error(url + ': ' + (body.error ? body.error.message : response.status));
  return body;
}
async function refresh() {
  if (drawing) return;
  drawing = true;
  try {
    const v = (await fetchJson(live.version)).version;
    if (v !== version) {
      const [report, registry] = await Promise.all([
          fetchJson(live.report + query), live.models ? fetchJson(live.models) : Promise.resolve(null)]);
      const keep = view ? view.state() : initialKeep();
      if (view) view.destroy();
      root.innerHTML = pristine;
      view = drawReport(report, registry, keep);
      version = v;
      window.facerecLive.draws++;
      window.facerecLive.version = v;
    }
    const status = document.getElementById('live-status');
    status.hidden = false;
    status.textContent = 'Live: updated ' + new Date().toLocaleTimeString() + ', store version ' + version +
        '; checked every ' + live.poll_ms / 1000 + ' s.';
  } catch (e) {
    window.facerecLive.errors.push(String(e));
    const status = document.getElementById('live-status');
    if (status) { status.hidden = false; status.textContent = 'Live: ' + e; }
  } finally {
    drawing = false;
  }
}
refresh();
setInterval(refresh, live.poll_ms);
})();
