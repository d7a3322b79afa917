/**
 * The built-in dashboard at `/`: the HTML shell (no inline script or style, so it
 * works under a strict Content-Security-Policy) and its static assets under
 * /assets/: the page's own script and stylesheet (web/ in the package) and uPlot,
 * the chart library, straight from node_modules (no CDN: the page works offline).
 * Each asset is read from disk once, on its first request, and kept in memory.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSET_PREFIX = '/assets/';

interface Asset {
  type: string;
  file: () => string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** web/ at the package root (this module is dist/src/sinks/web/assets.js). */
const WEB_DIR = path.resolve(here, '../../../../web');
/** node_modules/uplot/dist (its main entry lives there). */
const uplotDir = () => path.dirname(createRequire(import.meta.url).resolve('uplot'));

const ASSETS: Record<string, Asset> = {
  'dashboard.js': { type: 'text/javascript; charset=utf-8', file: () => path.join(WEB_DIR, 'dashboard.js') },
  'dashboard.css': { type: 'text/css; charset=utf-8', file: () => path.join(WEB_DIR, 'dashboard.css') },
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', file: () => path.join(uplotDir(), 'uPlot.iife.min.js') },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', file: () => path.join(uplotDir(), 'uPlot.min.css') },
};

const cache = new Map<string, string>();

/** An asset under /assets/, or null (404) for any other name. */
export function assetReply(p: string): { status: number; type: string; body: string; headers: Record<string, string> } | null {
  const name = p.slice(ASSET_PREFIX.length);
  const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!a) return null;
  let body = cache.get(name);
  if (body === undefined) {
    body = fs.readFileSync(a.file(), 'utf8');
    cache.set(name, body);
  }
  return { status: 200, type: a.type, body, headers: { 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' } };
}

/** The page shell; the script fills it from /api/v1/. */
export function dashboardPage(demo: boolean): string {
  const title = demo ? 'clawmeter (DEMO)' : 'clawmeter';
  const banner = demo
    ? `<p class="banner demo" id="demo-banner"><strong>DEMO</strong>: no OpenClaw state directory was found, so this shows generated demo data, not your usage. Point clawmeter at your state with <code>--state-dir</code> or <code>OPENCLAW_STATE_DIR</code>.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<link rel="stylesheet" href="/assets/uPlot.min.css">
<link rel="stylesheet" href="/assets/dashboard.css">
<link rel="icon" href="data:,">
</head>
<body>
<header><h1>${title}</h1><span class="muted" id="updated">loading…</span></header>
${banner}
<div id="state"></div>
<section class="tiles" id="tiles"></section>
<section class="panel">
  <div class="panel-head"><h2>Tokens over time</h2>
    <nav class="ranges" id="ranges">
      <button type="button" data-range="6h">6 h</button><button type="button" data-range="24h">24 h</button><button type="button" data-range="7d">7 d</button><button type="button" data-range="30d">30 d</button><button type="button" data-range="custom">custom</button>
    </nav>
  </div>
  <form id="custom" class="custom" hidden><label>from <input type="datetime-local" id="custom-from" required></label> <label>to <input type="datetime-local" id="custom-to" required></label> <button type="submit">show</button></form>
  <h3>by model <span class="muted">(all token types)</span></h3><div class="chart" id="chart-model"></div>
  <h3>by token type</h3><div class="chart" id="chart-type"></div>
  <p class="muted" id="series-note"></p>
</section>
<section class="grid3">
  <div class="panel"><h2>Cost by agent</h2><div id="by-agent"></div></div>
  <div class="panel"><h2>Cost by channel</h2><div id="by-channel"></div></div>
  <div class="panel"><h2>Cost by model</h2><div id="by-model"></div></div>
</section>
<section class="panel"><h2>Recent errors</h2><div id="errors"></div></section>
<section class="panel"><h2>Sources</h2><div id="sources"></div></section>
<footer class="muted">Breakdowns over the chosen range. Refreshes every 30 s. <a href="/metrics">/metrics</a> · <a href="/readyz">/readyz</a> · <a href="/about">about</a> · JSON API: <a href="/api/v1/summary">/api/v1/</a></footer>
<script src="/assets/uPlot.iife.min.js"></script>
<script src="/assets/dashboard.js"></script>
</body></html>
`;
}
