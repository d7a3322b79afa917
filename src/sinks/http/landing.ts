/**
 * The small landing page at `/`, and its content security policy: no script,
 * nothing loaded from anywhere, the one inline style allowed by its hash. File
 * system paths (state dirs, ledger file) are shown only to clients on loopback.
 */
import crypto from 'node:crypto';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
.demo{background:#fff3cd;border:1px solid #e0b000;padding:.75rem}code{background:#f4f4f4;padding:0 .2rem}`;

export const LANDING_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function landingPage(
  s: {
    demo: boolean;
    stateDirs: string[];
    dataDir: string;
    version: string;
    calls: number;
    lastIngestMs: number | null;
  },
  view: { local: boolean } = { local: true },
): string {
  const banner = s.demo
    ? `<p class="demo"><strong>DEMO</strong>: no OpenClaw state directory was found, so this serves generated demo data, not your usage. Point clawmeter at your state with <code>--state-dir</code> or <code>OPENCLAW_STATE_DIR</code>.</p>`
    : '';
  const title = s.demo ? 'clawmeter (DEMO)' : 'clawmeter';
  const n = s.stateDirs.length;
  const reading = view.local
    ? `<p>Reading: ${s.stateDirs.map((d) => `<code>${esc(d)}</code>`).join(', ') || 'nothing'}; ledger in <code>${esc(s.dataDir)}</code>.</p>`
    : `<p>Reading ${n} state director${n === 1 ? 'y' : 'ies'} (paths are shown on loopback only).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>${STYLE}</style></head>
<body><h1>${title}</h1>${banner}
<p>Usage meter for OpenClaw, version ${esc(s.version)}.</p>
<ul>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/healthz">/healthz</a>: liveness (200 while the process serves)</li>
<li><a href="/readyz">/readyz</a>: readiness (503 with the reasons until the first full ingest cycle has committed, while a source is down and while the ledger cannot be written)</li>
</ul>
<p>Model calls in the ledger: <strong id="calls">${s.calls}</strong>. Last ingest: ${
    s.lastIngestMs === null ? 'not yet' : esc(new Date(s.lastIngestMs).toISOString())
  }.</p>
${reading}
</body></html>
`;
}
