/**
 * Secrets and personal data on every output surface this build has: /metrics
 * (plain, gzip), the page, /readyz, /healthz, 404/401/405 answers, the serve log
 * at debug in logfmt and JSON (including a web config reload and a bad request),
 * the `ingest` summary and its log. The input is a generated state dir (fake
 * secrets all containing SECRET, an email, Telegram peer ids, session ids,
 * prompt and reply text) plus the real fixtures. Scanned for: the secret marker,
 * any email address, every peer id and session id, sampled message text, the
 * basic-auth password and its hash. Expected hits: 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateStateDir } from '../src/demo/generate.js';
import { FIXTURES, tmpDir } from './helpers.js';
import { BIN, startServeChild, until } from './serve-child.js';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** What must never leave the machine, collected from the input itself. */
function markers(stateDir: string): Map<string, string> {
  const m = new Map<string, string>();
  const files = walk(stateDir);
  for (const f of files) {
    const base = path.basename(f);
    for (const id of base.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []) m.set(id, 'session id');
    if (base === 'sessions.json') {
      const idx = JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, { sessionId?: string }>;
      for (const [key, v] of Object.entries(idx)) {
        if (v.sessionId) m.set(v.sessionId, 'session id');
        for (const peer of key.match(/(?<=:)-?\d{6,}(?=:|$)/g) ?? []) m.set(peer, 'peer id');
      }
    }
    if (/\.jsonl$/.test(base)) {
      let n = 0;
      for (const t of fs.readFileSync(f, 'utf8').matchAll(/"text":"([^"\\]{24,80})/g)) {
        if (n++ % 7 === 0) m.set(t[1], 'message text');
      }
    }
  }
  return m;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;

function scan(surface: string, text: string, marks: Map<string, string>, hits: string[]): void {
  if (text.includes('SECRET')) hits.push(`${surface}: secret marker`);
  const email = EMAIL.exec(text);
  if (email) hits.push(`${surface}: email ${email[0]}`);
  for (const [needle, what] of marks) if (text.includes(needle)) hits.push(`${surface}: ${what} ${needle.slice(0, 40)}`);
}

/**
 * Log lines that name an input file (a skipped line, a commit at debug) carry its path,
 * and OpenClaw names transcript files by session id: those paths are local diagnostics
 * and are masked before the scan (docs/reliability.md lists this). Nothing else is.
 */
function maskPaths(log: string, stateDir: string): { text: string; paths: number } {
  let paths = 0;
  const esc = stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const text = log.replace(new RegExp(`${esc}[^\\s"]*`, 'g'), () => {
    paths++;
    return '<state-file>';
  });
  return { text, paths };
}

test('secrets and PII: 0 hits on every output surface', async () => {
  const root = tmpDir('clawmeter-scan-');
  const stateDir = path.join(root, 'state');
  generateStateDir({ dir: stateDir, seed: 7, nowMs: Date.now(), targetBytes: 600_000 });
  // The real fixtures' auth store and transcripts too.
  fs.copyFileSync(path.join(FIXTURES, 'auth/auth-profiles.json'), path.join(stateDir, 'agents/main/agent/auth-profiles.json'));
  const marks = markers(stateDir);
  assert.ok([...marks.values()].includes('session id') && [...marks.values()].includes('peer id') && [...marks.values()].includes('message text'), 'the input has every kind of marker');
  const password = 'hunter2-SECRET-pw';
  const hash = execFileSync('htpasswd', ['-nbBC', '4', 'prom', password], { encoding: 'utf8' }).trim().split(':')[1];
  marks.set(password, 'password');
  marks.set(hash, 'bcrypt hash');
  const web = path.join(root, 'web.yml');
  fs.writeFileSync(web, `basic_auth_users:\n  prom: ${hash}\n`);
  const auth = { Authorization: 'Basic ' + Buffer.from(`prom:${password}`).toString('base64') };
  const hits: string[] = [];

  for (const format of ['logfmt', 'json']) {
    const s = await startServeChild(['--state-dir', stateDir, '--data-dir', path.join(root, `data-${format}`), '--log-level', 'debug', '--log-format', format, '--web.config.file', web]);
    try {
      const metrics = await until(async () => {
        const r = await fetch(`${s.url}/metrics`, { headers: auth });
        const t = await r.text();
        return r.status === 200 && /openclaw_usage_messages_total\{/.test(t) ? t : undefined;
      }, 30_000, 'metrics');
      scan(`/metrics (${format} run)`, metrics, marks, hits);
      const gz = await new Promise<Buffer>((resolve, reject) => {
        import('node:http').then(({ default: http }) =>
          http.get(`${s.url}/metrics`, { headers: { ...auth, 'Accept-Encoding': 'gzip' } }, (res) => {
            const c: Buffer[] = [];
            res.on('data', (d) => c.push(d));
            res.on('end', () => resolve(Buffer.concat(c)));
          }).on('error', reject),
        );
      });
      scan('/metrics gzip', zlib.gunzipSync(gz).toString(), marks, hits);
      const om = await fetch(`${s.url}/metrics`, { headers: { ...auth, Accept: 'application/openmetrics-text; version=1.0.0' } });
      scan('/metrics (OpenMetrics)', await om.text(), marks, hits);
      const api = ['summary', 'series?range=30d', 'breakdown?by=agent', 'breakdown?by=channel', 'errors', 'windows', 'quota', 'auth', 'sources/health'];
      for (const p of ['/', '/about', '/readyz', '/healthz', '/nope', '/metrics?x=SECRET', ...api.map((a) => `/api/v1/${a}`)]) {
        const r = await fetch(`${s.url}${p}`, { headers: auth });
        scan(`${p} body`, await r.text(), marks, hits);
        scan(`${p} headers`, JSON.stringify([...r.headers]), marks, hits);
      }
      scan('401', await (await fetch(`${s.url}/metrics`, { headers: { Authorization: 'Basic ' + Buffer.from(`prom:wrong-SECRET`).toString('base64') } })).text(), marks, hits);
      scan('405', await (await fetch(`${s.url}/metrics`, { method: 'POST', headers: auth })).text(), marks, hits);
      // A reload (valid) and a broken web config: both logged, neither may print the hash.
      fs.writeFileSync(web, `basic_auth_users:\n  prom: ${hash}\n  other: ${hash}\n`);
      await until(async () => s.log().includes('web config reloaded') || undefined, 15_000, 'reload');
      fs.writeFileSync(web, `basic_auth_users:\n  prom: ${hash.slice(0, 20)}\n`);
      await until(async () => s.log().includes('web config not reloaded') || undefined, 15_000, 'bad reload');
      fs.writeFileSync(web, `basic_auth_users:\n  prom: ${hash}\n`);
    } finally {
      await s.stop();
    }
    scan(`serve log (debug, ${format})`, maskPaths(s.log(), stateDir).text, marks, hits);
    assert.match(s.log(), /level[=":]+debug/, 'debug lines were written');
  }

  const ingest = spawnSync(process.execPath, [BIN, 'ingest', '--state-dir', stateDir, '--data-dir', path.join(root, 'data-ingest'), '--log-level', 'debug'], { encoding: 'utf8' });
  assert.equal(ingest.status, 0, ingest.stderr);
  scan('ingest summary', ingest.stdout, marks, hits);
  scan('ingest log (debug)', maskPaths(ingest.stderr, stateDir).text, marks, hits);
  // Reports and the backfill file read the same ledger: every output surface, scanned alike.
  const ledgerArgs = ['--state-dir', stateDir, '--data-dir', path.join(root, 'data-ingest'), '--no-ingest'];
  for (const args of [['report', 'daily', '--json'], ['report', 'session'], ['report', 'model', '--csv'], ['blocks'], ['status'], ['statusline']]) {
    const r = spawnSync(process.execPath, [BIN, ...args, ...ledgerArgs], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.ok(r.status !== null && r.status !== 1 && r.status !== 2 && r.stdout.length > 0, `${args.join(' ')} ran: ${r.stderr}`);
    scan(`${args.join(' ')} output`, r.stdout + r.stderr, marks, hits);
  }
  const om = path.join(root, 'backfill.om');
  const bf = spawnSync(process.execPath, [BIN, 'backfill', '--data-dir', path.join(root, 'data-ingest'), '--instance', '127.0.0.1:9099', '--step', '1h', '--out', om], { encoding: 'utf8' });
  assert.equal(bf.status, 0, bf.stderr);
  scan('backfill file', fs.readFileSync(om, 'utf8'), marks, hits);
  const bad = spawnSync(process.execPath, [BIN, 'serve', '--state-dir', stateDir, '--web.config.file', path.join(root, 'nope.yml')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  scan('web config error', bad.stderr, marks, hits);

  assert.deepEqual(hits, []);
});
