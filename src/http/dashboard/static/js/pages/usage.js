// The account's usage (GET /kiln/v1/usage) as uPlot charts: delivered bytes, requests with the
// transform cache hit ratio, storage, transform and transcode work, and the top assets.
// uPlot is the vendor bundle loaded by index.html (window.uPlot); it styles through the CSSOM only,
// which the dashboard's CSP (style-src 'self', no style attributes) allows.
import { api } from '../api.js';
import { formatBytes, h } from '../ui.js';

/** The ranges the page offers: the last 24 hours by hour, or the last 30 days by day. */
const RANGES = {
  '24h': { granularity: 'hour', periods: 24, step: 3600 },
  '30d': { granularity: 'day', periods: 30, step: 86400 },
};

/** The charts, each a few series of the report (the ratio is computed here). */
const CHARTS = [
  { id: 'delivered-bytes', title: 'Delivered bytes', series: ['delivered_bytes'], format: formatBytes },
  {
    id: 'requests',
    title: 'Requests and transform cache hit ratio',
    series: ['delivered_requests'],
    ratio: true,
    format: formatCount,
  },
  { id: 'storage', title: 'Storage', series: ['stored_bytes'], format: formatBytes },
  {
    id: 'transforms',
    title: 'Image transforms',
    series: ['transform_hits', 'transform_misses', 'transform_render_ms'],
    format: formatCount,
  },
  {
    id: 'transcodes',
    title: 'Transcoding and viewing',
    series: ['transcode_seconds', 'transcode_output_minutes', 'minutes_viewed'],
    format: formatCount,
  },
];

const COLOURS = ['#2f6fde', '#d9822b', '#2b9d6a', '#a33ea1'];

export async function renderUsage(main, params = new URLSearchParams()) {
  const rangeName = RANGES[params.get('range')] ? params.get('range') : '24h';
  const range = RANGES[rangeName];
  const picker = h(
    'nav',
    { class: 'row', id: 'usage-range' },
    ...Object.keys(RANGES).map((name) =>
      h(
        'a',
        { href: `#/usage?range=${name}`, 'aria-current': name === rangeName },
        name === '24h' ? 'Last 24 hours' : 'Last 30 days',
      ),
    ),
  );
  main.append(h('div', { class: 'row between' }, h('h1', {}, 'Usage'), picker));
  const now = Math.floor(Date.now() / 1000);
  const to = Math.floor(now / range.step) * range.step + range.step;
  const from = to - range.periods * range.step;
  const report = await api(`/kiln/v1/usage?granularity=${range.granularity}&from=${from}&to=${to}`);
  const byMetric = Object.fromEntries(report.series.map((s) => [s.metric, s]));
  const hits = byMetric.transform_hits?.total ?? 0;
  const misses = byMetric.transform_misses?.total ?? 0;

  main.append(
    h(
      'section',
      { class: 'usage-figures', id: 'usage-figures' },
      figure(
        'delivered_bytes',
        'Delivered',
        formatBytes(byMetric.delivered_bytes.total),
        byMetric.delivered_bytes.total,
      ),
      figure(
        'delivered_requests',
        'Requests',
        formatCount(byMetric.delivered_requests.total),
        byMetric.delivered_requests.total,
      ),
      figure(
        'hit_ratio',
        'Transform cache hits',
        hits + misses ? `${Math.round((hits / (hits + misses)) * 100)}%` : '—',
        hits + misses ? hits / (hits + misses) : '',
      ),
      figure('stored_bytes', 'Stored', formatBytes(byMetric.stored_bytes.total), byMetric.stored_bytes.total),
      figure(
        'transcode_seconds',
        'Transcoding',
        `${formatCount(byMetric.transcode_seconds.total)} s`,
        byMetric.transcode_seconds.total,
      ),
      figure(
        'minutes_viewed',
        'Minutes viewed',
        formatCount(byMetric.minutes_viewed.total),
        byMetric.minutes_viewed.total,
      ),
    ),
  );

  const charts = h('section', { class: 'usage-charts' });
  main.append(charts);
  const times = report.series[0]?.points.map((p) => p.t) ?? [];
  const plots = [];
  for (const chart of CHARTS) {
    const series = chart.series.map((m) => byMetric[m]);
    const box = h('div', { class: 'usage-chart-plot' });
    const totals = series.map((s) =>
      h(
        'li',
        { 'data-metric': s.metric, 'data-total': s.total },
        `${label(s.metric)}: ${chart.format(s.total)}`,
      ),
    );
    charts.append(
      h(
        'figure',
        { class: 'card usage-chart', id: `chart-${chart.id}`, 'data-points': times.length },
        h('figcaption', {}, h('h2', {}, chart.title), h('ul', { class: 'usage-totals' }, totals)),
        box,
      ),
    );
    const data = [times, ...series.map((s) => s.points.map((p) => p.value))];
    const opts = {
      width: 0, // set below, once every card is laid out
      height: 200,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((v) => chart.format(v)), size: 70 }],
      series: [{}, ...series.map((s, i) => ({ label: label(s.metric), stroke: COLOURS[i], width: 2 }))],
    };
    if (chart.ratio) {
      const hitSeries = byMetric.transform_hits.points;
      const missSeries = byMetric.transform_misses.points;
      data.push(
        hitSeries.map((p, i) => {
          const all = p.value + missSeries[i].value;
          return all ? p.value / all : null;
        }),
      );
      opts.series.push({ label: 'Hit ratio', stroke: COLOURS[3], width: 2, scale: 'ratio', spanGaps: true });
      opts.scales.ratio = { range: [0, 1] };
      opts.axes.push({
        side: 1,
        scale: 'ratio',
        values: (_u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`),
      });
    }
    plots.push({ box, opts, data });
  }
  // Drawn once the grid holds every card, so each plot takes its own card's width.
  for (const { box, opts, data } of plots) {
    opts.width = Math.max(240, box.clientWidth || 560);
    if (window.uPlot) new window.uPlot(opts, data, box);
    else box.append(h('p', { class: 'muted' }, 'Charts are unavailable (uPlot did not load).'));
  }

  const rows = report.topAssets.map((a) =>
    h(
      'tr',
      { 'data-asset': a.assetId },
      h('td', {}, h('a', { href: `#/assets/${encodeURIComponent(a.assetId)}` }, a.assetId)),
      h('td', { 'data-value': a.requests }, formatCount(a.requests)),
      h('td', { 'data-value': a.bytes }, formatBytes(a.bytes)),
      h('td', { 'data-value': a.minutesViewed }, formatCount(a.minutesViewed)),
    ),
  );
  main.append(
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Top assets by delivered bytes'),
      rows.length
        ? h(
            'table',
            { id: 'top-assets' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Asset'),
                h('th', {}, 'Requests'),
                h('th', {}, 'Delivered'),
                h('th', {}, 'Minutes viewed'),
              ),
            ),
            h('tbody', {}, rows),
          )
        : h('p', { class: 'muted' }, 'No deliveries in this range.'),
    ),
  );
}

function figure(metric, title, text, value) {
  return h(
    'div',
    { class: 'card usage-figure', 'data-metric': metric, 'data-value': value },
    h('span', { class: 'muted' }, title),
    h('strong', {}, text),
  );
}

function label(metric) {
  return metric.replaceAll('_', ' ');
}

function formatCount(n) {
  if (n === null || n === undefined) return '—';
  return Number.isInteger(n) ? n.toLocaleString('en') : n.toLocaleString('en', { maximumFractionDigits: 2 });
}
