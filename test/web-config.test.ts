/**
 * --web.config.file, end to end with real openssl certificates and real HTTPS
 * requests: basic auth (bcrypt, right/wrong/unknown, every endpoint), TLS only
 * (plain HTTP refused, min_version honoured), client certificates required and
 * verified, configured headers, reload on change, and clear one-line errors for
 * bad configs (never echoing a hash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { serve, type ServeHandle } from '../src/cli/serve.js';
import { UsageError } from '../src/cli/args.js';
import { parseWebConfig, WebConfigError } from '../src/sinks/http/web-config.js';
import { BasicAuth, parseBasicAuth } from '../src/sinks/http/basic-auth.js';
import { isLoopbackAddress, isLoopbackHost } from '../src/sinks/http/limits.js';
import { landingPage } from '../src/sinks/http/landing.js';
import { FIXTURES, copyDir, tmpDir } from './helpers.js';
import { httpsGet, makePki, type Pki } from './tls-helpers.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');

/** htpasswd's bcrypt ($2y$), the tool the exporter-toolkit docs point to. */
function bcryptHash(user: string, password: string, cost: number): string {
  return execFileSync('htpasswd', ['-nbBC', String(cost), user, password], { encoding: 'utf8' }).trim().split(':')[1];
}

const root = tmpDir('clawmeter-webcfg-');
const pki: Pki = makePki(path.join(root, 'pki'));
const ALICE = bcryptHash('alice', 'wonderland', 10);

function state(): { state: string; data: string } {
  const d = fs.mkdtempSync(path.join(root, 's-'));
  const s = path.join(d, 'state');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), s);
  return { state: s, data: path.join(d, 'data') };
}

function writeConfig(name: string, yaml: string): string {
  const f = path.join(pki.dir, name);
  fs.writeFileSync(f, yaml);
  return f;
}

async function start(configFile: string): Promise<ServeHandle> {
  const { state: s, data } = state();
  const h = await serve(['--state-dir', s, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'silent', '--web.config.file', configFile]);
  assert.ok(h);
  return h;
}

async function waitUntil(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('parseWebConfig: the exporter-toolkit keys, relative paths, and one-line errors', () => {
  const ok = parseWebConfig(
    `tls_server_config:\n  cert_file: server.pem\n  key_file: /abs/server.key\n  min_version: TLS13\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\nhttp_server_config:\n  headers:\n    strict-transport-security: max-age=60\nbasic_auth_users:\n  alice: ${ALICE}\n`,
    '/etc/clawmeter',
  );
  assert.equal(ok.tls?.certFile, '/etc/clawmeter/server.pem');
  assert.equal(ok.tls?.keyFile, '/abs/server.key');
  assert.equal(ok.tls?.minVersion, 'TLSv1.3');
  assert.equal(ok.tls?.clientAuthType, 'NoClientCert');
  assert.deepEqual(ok.headers, { 'Strict-Transport-Security': 'max-age=60' });
  assert.deepEqual(Object.keys(ok.users), ['alice']);
  assert.equal(ok.warnings.length, 1, 'cipher_suites is accepted with a warning');
  assert.equal(parseWebConfig('', '/x').tls, null, 'an empty file is no TLS, no auth');

  const bad: Array<[string, RegExp]> = [
    ['tls_config: {}', /unknown key "tls_config"/],
    ['tls_server_config:\n  cert_file: a.pem', /missing key_file/],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes', /client_auth_type: "Sometimes" is not one of/],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert', /needs client_ca_file/],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12', /min_version is above max_version/],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3', /"SSL3" is not one of/],
    ['basic_auth_users:\n  bob: plaintext-password', /basic_auth_users\."bob": expected a bcrypt hash/],
    // Found by the fuzzer: a collection as a key became a multi-line message.
    ['{ {"tls_server_config": { "cert": "-----BEGIN CERTIFICATE-----", "key": "-----BEGIN PRIVATE KEY-----" }}: 1 }', /unknown key "\{/],
    ['http_server_config:\n  headers:\n    Set-Cookie: x=1', /"Set-Cookie" cannot be set/],
    ['basic_auth_users: [a, b]', /expected a mapping/],
    ['a: [', /not valid YAML/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseWebConfig(text, '/x'), (e: Error) => e instanceof WebConfigError && re.test(e.message) && !e.message.includes('\n'), text);
  }
  // A malformed hash is never echoed back.
  assert.throws(() => parseWebConfig('basic_auth_users:\n  bob: $2y$10$short', '/x'), (e: Error) => !e.message.includes('$2y$10$short'));
});

test('basic auth: bcrypt cost honoured, unknown users cost as much as known ones, successes cached', async () => {
  assert.deepEqual(parseBasicAuth('Basic ' + Buffer.from('a:b:c').toString('base64')), { user: 'a', password: 'b:c' });
  assert.equal(parseBasicAuth('Bearer x'), null);
  assert.equal(parseBasicAuth('Basic !!!'), null);
  const fast = bcryptHash('fast', 'pw', 4);
  const auth = new BasicAuth({ fast, alice: ALICE });
  const time = async (user: string, password: string) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      assert.equal(await auth.check({ user, password }), false);
      ms.push(performance.now() - t);
    }
    return Math.min(...ms); // the least disturbed run on a shared machine
  };
  const cost4 = await time('fast', 'wrong');
  const cost10 = await time('alice', 'wrong');
  const unknown = await time('mallory', 'wrong');
  // 2^10 / 2^4 = 64 times the work; even a loaded machine shows a clear multiple.
  assert.ok(cost10 > cost4 * 3, `cost 10 (${cost10.toFixed(1)} ms) vs cost 4 (${cost4.toFixed(1)} ms)`);
  assert.ok(unknown > cost4 * 3, `unknown user (${unknown.toFixed(1)} ms) pays the highest configured cost`);
  assert.equal(await auth.check({ user: 'alice', password: 'wonderland' }), true);
  const t = performance.now();
  assert.equal(await auth.check({ user: 'alice', password: 'wonderland' }), true);
  assert.ok(performance.now() - t < cost10 / 4, 'a repeated success is served from the cache');
  const none = new BasicAuth({}); // no users (the default): nothing to check against, and no bcrypt at start-up
  assert.equal(none.enabled, false);
  assert.equal(await none.check({ user: 'alice', password: 'wonderland' }), false);
});

test('TLS + basic auth: 200 with the right password on every endpoint, 401 otherwise, plain HTTP refused, min_version honoured', async () => {
  const cfg = writeConfig('auth.yml', `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS13\nhttp_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\nbasic_auth_users:\n  alice: ${ALICE}\n`);
  const h = await start(cfg);
  try {
    assert.match(h.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = pki.ca;
    await waitUntil(async () => (await httpsGet(`${h.url}/metrics`, { ca, auth: 'alice:wonderland' })).body.includes('openclaw_codex_messages_total{'));
    for (const p of ['/metrics', '/', '/healthz', '/readyz', '/nope']) {
      const good = await httpsGet(`${h.url}${p}`, { ca, auth: 'alice:wonderland' });
      assert.ok([200, 404, 503].includes(good.status) && (p !== '/metrics' || good.status === 200), `${p} with credentials: ${good.status}`);
      assert.equal(good.headers['strict-transport-security'], 'max-age=31536000', 'configured header');
      for (const auth of [undefined, 'alice:wrong', 'mallory:wonderland']) {
        const r = await httpsGet(`${h.url}${p}`, { ca, auth });
        assert.equal(r.status, 401, `${p} as ${auth ?? 'nobody'}`);
        assert.match(String(r.headers['www-authenticate']), /^Basic realm="clawmeter"/);
        assert.doesNotMatch(r.body, /openclaw|clawmeter_/, 'no data in a 401');
      }
    }
    const page = await httpsGet(`${h.url}/`, { ca, auth: 'alice:wonderland' });
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    // Plain HTTP on the TLS port gets no answer.
    const plain = await fetch(h.url.replace('https:', 'http:') + '/metrics').then((r) => r.status, () => 'refused');
    assert.notEqual(plain, 200);
    // A TLS 1.2-only client is refused by min_version TLS13.
    await assert.rejects(httpsGet(`${h.url}/healthz`, { ca, auth: 'alice:wonderland', maxVersion: 'TLSv1.2' }));
    // An unknown CA (the client does not trust the server) fails: this is real TLS.
    await assert.rejects(httpsGet(`${h.url}/healthz`, { ca: pki.strangerCert }));
  } finally {
    await h.stop();
  }
});

test('client certificates: required and verified against client_ca_file; allowed SANs', async () => {
  const cfg = writeConfig('mtls.yml', `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n`);
  const h = await start(cfg);
  try {
    const ca = pki.ca;
    assert.equal((await httpsGet(`${h.url}/healthz`, { ca, cert: pki.clientCert, key: pki.clientKey })).status, 200);
    await assert.rejects(httpsGet(`${h.url}/healthz`, { ca }), 'no client certificate');
    await assert.rejects(httpsGet(`${h.url}/healthz`, { ca, cert: pki.strangerCert, key: pki.strangerKey }), 'certificate from another CA');
  } finally {
    await h.stop();
  }
  const sans = writeConfig('sans.yml', `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  client_allowed_sans: [other.example]\n`);
  const h2 = await start(sans);
  try {
    await assert.rejects(httpsGet(`${h2.url}/healthz`, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }), 'SAN not allowed');
  } finally {
    await h2.stop();
  }
});

test('reload: a changed file applies without a restart; an invalid change keeps the previous config', async () => {
  const cfg = writeConfig('reload.yml', `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  alice: ${ALICE}\n`);
  const h = await start(cfg);
  try {
    const ca = pki.ca;
    assert.equal((await httpsGet(`${h.url}/healthz`, { ca, auth: 'alice:wonderland' })).status, 200);
    fs.writeFileSync(cfg, `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  bob: ${bcryptHash('bob', 'builder', 4)}\n`);
    await waitUntil(async () => (await httpsGet(`${h.url}/healthz`, { ca, auth: 'bob:builder' })).status === 200);
    assert.equal((await httpsGet(`${h.url}/healthz`, { ca, auth: 'alice:wonderland' })).status, 401, 'the old user is gone');
    // A reload on request (what a SIGHUP handler would call) applies at once.
    fs.writeFileSync(cfg, `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  bob: ${bcryptHash('bob', 'builder', 4)}\n  carol: ${bcryptHash('carol', 'c', 4)}\n`);
    h.reloadWebConfig();
    assert.equal((await httpsGet(`${h.url}/healthz`, { ca, auth: 'carol:c' })).status, 200, 'reloaded on request');
    fs.writeFileSync(cfg, 'basic_auth_users: {broken');
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal((await httpsGet(`${h.url}/healthz`, { ca, auth: 'bob:builder' })).status, 200, 'invalid change: previous config stays');
  } finally {
    await h.stop();
  }
});

test('bad web configs stop serve with one line; a public address without auth logs a warning', async () => {
  const { state: s, data } = state();
  const cases: Array<[string, RegExp]> = [
    [path.join(root, 'missing.yml'), /cannot read .*missing\.yml: ENOENT/],
    [writeConfig('nokey.yml', 'tls_server_config:\n  cert_file: server.pem\n  key_file: nothere.key\n'), /cannot read key_file .*nothere\.key/],
    [writeConfig('mismatch.yml', 'tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n'), /cannot use the certificate, key or client CA/],
  ];
  for (const [file, re] of cases) {
    await assert.rejects(
      serve(['--state-dir', s, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-level', 'silent', '--web.config.file', file]),
      (e: Error) => e instanceof UsageError && re.test(e.message) && e.message.startsWith('--web.config.file ') && !e.message.includes('\n'),
    );
  }
  assert.equal(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost'), true);
  assert.equal(isLoopbackHost('0.0.0.0') || isLoopbackHost('::') || isLoopbackHost('10.1.2.3'), false);
  assert.equal(isLoopbackAddress('::ffff:127.0.0.1'), true);
  // 192.0.2.1 (TEST-NET-1) is not on this machine: the warning comes before the bind, which then fails.
  const child = spawn(process.execPath, [BIN, 'serve', '--state-dir', s, '--data-dir', path.join(root, 'warn-data'), '--listen', '192.0.2.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 2);
  assert.match(err, /level=warn msg="listening on a non-loopback address without authentication/);
  // Basic auth without TLS on a public address: warned too.
  const plainAuth = writeConfig('plain-auth.yml', `basic_auth_users:\n  alice: ${ALICE}\n`);
  const r = spawnSync(process.execPath, [BIN, 'serve', '--state-dir', s, '--data-dir', path.join(root, 'warn-data2'), '--listen', '192.0.2.1:0', '--web.config.file', plainAuth], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /basic auth without TLS on a non-loopback address/);
  assert.doesNotMatch(r.stderr, /without authentication/);
});

test('landing page: file system paths only for loopback clients', () => {
  const s = { demo: false, stateDirs: ['/home/someone/.openclaw'], dataDir: '/home/someone/.local/state/clawmeter/ledger.db', version: 't', calls: 3, lastIngestMs: null };
  assert.match(landingPage(s, { local: true }), /\/home\/someone\/\.openclaw/);
  const remote = landingPage(s, { local: false });
  assert.doesNotMatch(remote, /\/home|someone|ledger\.db/);
  assert.match(remote, /Reading 1 state directory/);
});
