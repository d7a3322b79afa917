// clawmeter's built-in dashboard: fills the page shell (src/sinks/web/assets.ts)
// from the JSON API under /api/v1/ (docs/api.md) and redraws every 30 s. Plain
// browser JavaScript, no build step, no inline code (strict CSP); charts by uPlot,
// served by clawmeter from node_modules. Every number shown carries its unit, its
// raw value in data-value, and the time it was computed.
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const REFRESH_S = Math.max(1, Number(params.get('refresh')) || 30);
  const state = { range: params.get('range') || '24h', from: null, to: null, plots: {} };

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else e.setAttribute(k, String(v));
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
    return e;
  };
  const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
  const fmtTok = (n) => (n >= 1e9 ? (n / 1e9).toFixed(2) + ' G' : n >= 1e6 ? (n / 1e6).toFixed(2) + ' M' : n >= 1e4 ? (n / 1e3).toFixed(1) + ' k' : fmtInt(n));
  const fmtUsd = (n) => '$' + (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));
  const fmtPct = (r) => (r === null || r === undefined ? '–' : (100 * r).toFixed(1) + ' %');
  const fmtTime = (ms) => (ms === null || ms === undefined ? 'never' : new Date(ms).toLocaleString());
  const fmtClock = (ms) => new Date(ms).toLocaleTimeString();
  function fmtIn(ms) {
    if (ms === null || ms === undefined) return '–';
    const s = Math.round(ms / 1000);
    if (s <= 0) return 'now';
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
  }
  function fmtAgo(ms, now) {
    return ms === null || ms === undefined ? 'never' : fmtIn(now - ms) + ' ago';
  }

  async function api(path) {
    const r = await fetch('/api/v1/' + path, { headers: { Accept: 'application/json' } });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  }

  function rangeQuery() {
    if (state.range === 'custom' && state.from !== null) return `from=${state.from}&to=${state.to}`;
    return `range=${state.range === 'custom' ? '24h' : state.range}`;
  }

  function tile(id, label, value, raw, note) {
    return el('div', { class: 'tile', id: 'tile-' + id }, el('div', { class: 'label' }, label), el('div', { class: 'value', id: id, 'data-value': raw }, value), note ? el('div', { class: 'note' }, note) : null);
  }

  function renderTiles(s) {
    const t = $('tiles');
    const w = s.window;
    const tiles = [];
    if (s.quota.length > 0) {
      for (const q of s.quota) {
        const account = q.account && q.account !== 'default' ? q.account : '';
        tiles.push(tile(`quota-${q.provider}-${q.limit}-${q.window}${account ? '-' + account : ''}`.replace(/[^a-zA-Z0-9-]/g, '_'), `${q.provider} ${q.limit} ${q.window} window${account ? ` (${account})` : ''}`, fmtPct(q.usedRatio), q.usedRatio,
          `provider-reported · resets in ${fmtIn(q.resetsAtMs === null ? null : q.resetsAtMs - s.generatedAtMs)}`));
      }
    }
    for (const e of s.estimates.filter((x) => x.basis === 'rate_card')) {
      const id = `estimate-${e.provider}-${e.window}`.replace(/[^a-zA-Z0-9-]/g, '_');
      if (e.planLimit && e.planLimit.messages > 0) {
        // no provider report: usage against the plan's published limit, labelled an estimate
        const ratio = e.used / e.planLimit.messages;
        const plan = e.planLimit.plan === '*' ? 'the' : `the ${e.planLimit.plan}`;
        tiles.push(tile(id, `${e.provider} ${e.window} window (estimate)`, '≈ ' + fmtPct(ratio), ratio,
          `estimate: ${fmtInt(e.used)} of ${fmtInt(e.planLimit.messages)} messages, ${plan} plan's published limit (no provider report) · ≈ ${fmtInt(e.messagesLeft)} left`));
      } else {
        tiles.push(tile(id, `${e.provider} ${e.window}: messages left (estimate)`, '≈ ' + fmtInt(e.messagesLeft), e.messagesLeft,
          `estimate from the plan's published limit (no provider report); ${fmtInt(e.used)} used`));
      }
    }
    if (s.quota.length === 0 && s.estimates.length === 0) tiles.push(tile('quota-none', 'Quota', 'no report', '', 'no provider has reported window usage yet'));
    tiles.push(tile('window-messages', `Messages (last ${w.name})`, fmtInt(w.messages), w.messages, `${fmtInt(w.errors)} errors`));
    tiles.push(tile('window-tokens', `Tokens (last ${w.name})`, fmtTok(w.totalTokens), w.totalTokens, `in ${fmtTok(w.input)} · out ${fmtTok(w.output)} · cache ${fmtTok(w.cacheRead)}`));
    tiles.push(tile('cache-hit', `Cache hit ratio (last ${w.name})`, fmtPct(w.cacheHitRatio), w.cacheHitRatio === null ? '' : w.cacheHitRatio, 'cache reads / prompt tokens'));
    for (const [id, label, p] of [['cost-today', 'Cost today', s.today], ['cost-week', 'Cost this week', s.week], ['cost-month', 'Cost this month', s.month]]) {
      tiles.push(tile(id, label, fmtUsd(p.costUsd), p.costUsd, p.costEstimatedUsd > 0 ? `incl. ${fmtUsd(p.costEstimatedUsd)} estimated · ${fmtInt(p.messages)} msgs` : `${fmtInt(p.messages)} messages · ${s.tz}`));
    }
    tiles.push(tile('oauth-expiry', 'Next OAuth expiry', s.auth.nextExpiryMs === null ? 'none' : 'in ' + fmtIn(s.auth.nextExpiryMs - s.generatedAtMs), s.auth.nextExpiryMs ?? '',
      `${s.auth.oauth} OAuth profile(s)${s.auth.expired > 0 ? ` · ${s.auth.expired} expired` : ''}`));
    tiles.push(tile('active-sessions', 'Active sessions', fmtInt(s.activeSessions), s.activeSessions, null));
    tiles.push(tile('last-turn', 'Last assistant turn', fmtAgo(s.lastCallMs, s.generatedAtMs), s.lastCallMs ?? '', fmtTime(s.lastCallMs)));
    tiles.push(tile('errors-today', 'Errors today', fmtInt(s.today.errors), s.today.errors, null));
    tiles.push(tile('calls', 'Calls in the ledger', fmtInt(s.calls), s.calls, s.firstCallMs === null ? 'none yet' : 'since ' + fmtTime(s.firstCallMs)));
    t.replaceChildren(...tiles);
  }

  function renderState(s, h) {
    const box = $('state');
    const parts = [];
    if (h.ingesting) {
      parts.push(el('p', { class: 'banner ingesting', id: 'state-ingesting' }, `Ingest in progress: ${fmtInt(h.filesRead)} files, ${(h.bytesRead / 1048576).toFixed(1)} MB read, ${fmtInt(h.callsInserted)} calls so far. Numbers grow until it finishes.`));
    } else if (s.calls === 0) {
      parts.push(el('p', { class: 'banner empty', id: 'state-empty' }, 'No data yet: the ledger has no model calls. Once OpenClaw has answered a message in a state directory clawmeter reads, it appears here within seconds.'));
    }
    const down = h.sources.filter((x) => !x.up);
    if (down.length > 0) {
      parts.push(el('div', { class: 'banner down', id: 'state-down' }, el('strong', {}, `${down.length} source(s) down: `), ...down.map((d) => el('div', {}, `${d.source} of agent ${d.agent}: ${d.reason || 'failed'}`))));
    }
    box.replaceChildren(...parts);
  }

  function table(cols, rows, id) {
    if (rows.length === 0) return el('p', { class: 'muted empty-table' }, 'Nothing in this range.');
    const head = el('tr', {}, ...cols.map((c) => el('th', { class: c.num ? 'num' : '' }, c.label)));
    const body = rows.map((r) => el('tr', {}, ...cols.map((c) => el('td', { class: c.num ? 'num' : '', 'data-value': c.raw ? c.raw(r) : null }, c.fmt(r)))));
    return el('table', { id }, el('thead', {}, head), el('tbody', {}, ...body));
  }

  function renderBreakdown(dim, b) {
    const cols = [
      { label: dim, fmt: (r) => r[dim] || '(none)' },
      { label: 'messages', num: true, fmt: (r) => fmtInt(r.messages), raw: (r) => r.messages },
      { label: 'tokens', num: true, fmt: (r) => fmtTok(r.totalTokens), raw: (r) => r.totalTokens },
      { label: 'cost', num: true, fmt: (r) => fmtUsd(r.costUsd) + (r.costEstimatedUsd > 0 ? ' *' : ''), raw: (r) => r.costUsd },
    ];
    const node = table(cols, b.rows, 'table-' + dim);
    $('by-' + dim).replaceChildren(node, b.rows.some((r) => r.costEstimatedUsd > 0) ? el('p', { class: 'muted' }, '* includes estimated cost (clawmeter pricing table)') : '');
  }

  function renderErrors(e) {
    const cats = el('p', { id: 'error-categories' }, ...(e.byCategory.length === 0 ? ['No errors in the range.'] : e.byCategory.map((c) => el('span', { class: 'chip', 'data-value': c.errors }, `${c.category}: ${fmtInt(c.errors)}`))));
    const cols = [
      { label: 'time', fmt: (r) => fmtTime(r.tsMs) },
      { label: 'category', fmt: (r) => r.category },
      { label: 'agent', fmt: (r) => r.agent },
      { label: 'channel', fmt: (r) => r.channel },
      { label: 'provider / model', fmt: (r) => `${r.provider} / ${r.model}` },
    ];
    $('errors').replaceChildren(cats, e.recent.length > 0 ? table(cols, e.recent, 'table-errors') : '');
  }

  function renderSources(h) {
    const cols = [
      { label: 'agent', fmt: (r) => r.agent },
      { label: 'source', fmt: (r) => r.source },
      { label: 'state', fmt: (r) => (r.up ? 'up' : 'down: ' + (r.reason || 'failed')) },
      { label: 'last success', fmt: (r) => fmtTime(r.lastSuccessMs) },
    ];
    $('sources').replaceChildren(table(cols, h.sources, 'table-sources'));
  }

  const css = (name) => getComputedStyle(document.body).getPropertyValue(name).trim() || '#888';
  const PALETTE = ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6'];

  function drawChart(id, xs, series) {
    const box = $(id);
    const width = Math.max(240, box.clientWidth || 600);
    const opts = {
      width,
      height: 220,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: css(PALETTE[i % PALETTE.length]), width: 2, value: (u, v) => (v === null ? '–' : fmtTok(v)) }))],
      axes: [{ stroke: css('--fg') }, { stroke: css('--fg'), values: (u, vs) => vs.map(fmtTok), size: 60 }],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const data = [xs, ...series.map((s) => s.values)];
    if (state.plots[id]) state.plots[id].destroy();
    box.replaceChildren();
    state.plots[id] = new uPlot(opts, data, box);
  }

  function renderSeries(all, byModel) {
    const xs = all.rows.map((r) => r.startMs / 1000);
    const index = new Map(all.rows.map((r, i) => [r.startMs, i]));
    const models = new Map();
    for (const r of byModel.rows) {
      let v = models.get(r.model);
      if (!v) models.set(r.model, (v = new Array(xs.length).fill(0)));
      const i = index.get(r.startMs);
      if (i !== undefined) v[i] += r.totalTokens;
    }
    const top = [...models.entries()].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0));
    drawChart('chart-model', xs, top.slice(0, 6).map(([label, values]) => ({ label, values })));
    drawChart('chart-type', xs, ['input', 'output', 'cacheRead', 'cacheWrite'].map((k) => ({ label: k, values: all.rows.map((r) => r[k]) })));
    const sum = all.rows.reduce((a, r) => a + r.totalTokens, 0);
    $('series-note').textContent = `${fmtTok(sum)} tokens from ${fmtTime(all.from)} to ${fmtTime(all.to)}, step ${Math.round(all.stepMs / 60000)} min; computed ${fmtClock(all.generatedAtMs)}.`;
    $('series-note').setAttribute('data-value', String(sum));
  }

  let inFlight = false;
  async function refresh() {
    if (inFlight) return;
    inFlight = true;
    document.body.classList.add('loading');
    try {
      const rq = rangeQuery();
      const [s, h, all, byModel, agents, channels, models, errors] = await Promise.all([
        api('summary'), api('sources/health'), api('series?' + rq), api('series?by=model&' + rq),
        api('breakdown?by=agent&' + rq), api('breakdown?by=channel&' + rq), api('breakdown?by=model&' + rq), api('errors?limit=20&' + rq),
      ]);
      renderState(s, h);
      renderTiles(s);
      renderSeries(all, byModel);
      renderBreakdown('agent', agents);
      renderBreakdown('channel', channels);
      renderBreakdown('model', models);
      renderErrors(errors);
      renderSources(h);
      $('updated').textContent = `computed ${fmtClock(s.generatedAtMs)} · range ${state.range}`;
      $('updated').setAttribute('data-generated', String(s.generatedAtMs));
      document.body.setAttribute('data-refreshes', String(Number(document.body.getAttribute('data-refreshes') || 0) + 1));
    } catch (err) {
      $('updated').textContent = 'update failed: ' + err.message;
    } finally {
      inFlight = false;
      document.body.classList.remove('loading');
    }
  }

  function markRange() {
    for (const b of document.querySelectorAll('#ranges button')) b.classList.toggle('active', b.getAttribute('data-range') === state.range);
    $('custom').hidden = state.range !== 'custom';
  }

  $('ranges').addEventListener('click', (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    state.range = b.getAttribute('data-range');
    markRange();
    if (state.range !== 'custom') void refresh();
  });
  $('custom').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = Date.parse($('custom-from').value);
    const t = Date.parse($('custom-to').value);
    if (!(t > f)) {
      $('series-note').textContent = 'custom range: "to" must be after "from"';
      return;
    }
    state.from = f;
    state.to = t;
    void refresh();
  });
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => void refresh(), 300);
  });
  markRange();
  void refresh();
  setInterval(() => void refresh(), REFRESH_S * 1000);
})();
