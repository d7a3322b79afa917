/**
 * The deploy files: the Dockerfile linted with a real parser (dockerfile-ast),
 * every Kubernetes manifest parsed (yaml) and checked field by field, the
 * systemd unit checked (and verified by systemd-analyze), the packed npm
 * package's file list. With CLAWMETER_SLOW_TESTS=1 (4-5 minutes here: better-sqlite3
 * compiles from source, twice), also: the Dockerfile's install steps run in a
 * clean folder from the packed tarball, the result served as a non-root user
 * from read-only files with the image's own command and HEALTHCHECK; and
 * `npm i -g` of the tarball into a temporary prefix, run from there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { FIXTURES, copyDir, tmpDir } from './helpers.js';
import { SERVE_NODE_FLAGS } from '../bench/node-flags.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const DOCKERFILE = path.join(REPO, 'deploy/container/Dockerfile');
const SLOW = process.env.CLAWMETER_SLOW_TESTS === '1';

const KEYWORDS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

function dockerfile() {
  const d = DockerfileParser.parse(fs.readFileSync(DOCKERFILE, 'utf8'));
  const all = d.getInstructions();
  const froms = all.filter((i) => i.getKeyword() === 'FROM');
  const finalStart = all.indexOf(froms[froms.length - 1]);
  return { d, all, froms, build: all.slice(0, finalStart), final: all.slice(finalStart) };
}

const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const json = (i: Instruction) => JSON.parse(args(i)) as string[];
const only = (xs: Instruction[], k: string) => xs.filter((i) => i.getKeyword() === k);

test('Dockerfile: multi-stage on a current Node LTS, production dependencies only, non-root, volume, port, HEALTHCHECK, OCI labels', () => {
  const { d, all, froms, build, final } = dockerfile();
  for (const i of all) assert.ok(KEYWORDS.has(i.getKeyword()), `unknown instruction ${i.getKeyword()}`);
  assert.ok(froms.length >= 2, 'multi-stage');
  const nodeArg = d.getInitialARGs().find((a) => a.getProperty()?.getName() === 'NODE_VERSION');
  assert.ok(['22', '24'].includes(nodeArg?.getProperty()?.getValue() ?? ''), 'Node 22 or 24 (20 is end of life)');
  for (const f of d.getFROMs()) {
    assert.equal(f.getImageName(), 'node');
    assert.match(f.getImageTag() ?? '', /^\$\{NODE_VERSION\}-bookworm-slim$/, 'a pinned Debian suffix');
  }
  // Every COPY from the build context names a file of the repo.
  for (const c of only(all, 'COPY')) {
    if (/--from=/.test(c.getTextContent?.() ?? '') || (c as unknown as { getFromFlag(): unknown }).getFromFlag?.()) continue;
    const parts = c.getArguments().map((a) => a.getValue());
    for (const src of parts.slice(0, -1)) assert.ok(fs.existsSync(path.join(REPO, src)), `COPY source ${src} exists`);
  }
  assert.ok(build.some((i) => i.getKeyword() === 'RUN' && /npm ci --omit=dev/.test(args(i))), 'production dependencies installed with npm ci --omit=dev');
  assert.ok(build.some((i) => i.getKeyword() === 'RUN' && /npm pack/.test(args(i))), 'installed from the packed tarball');
  assert.ok(!only(final, 'RUN').some((i) => /npm (i|install|ci)\b/.test(args(i))), 'no npm install in the runtime stage');
  const copyFromBuild = only(final, 'COPY').find((c) => /--from=build/.test(c.getTextContent?.() ?? ''));
  assert.ok(copyFromBuild, 'the runtime copies the installed package from the build stage');

  const users = only(final, 'USER');
  assert.ok(users.length > 0 && !/^(root|0)(:|$)/.test(args(users[users.length - 1])), 'runs as a non-root user');
  assert.ok(only(final, 'VOLUME').some((v) => args(v).includes('/var/lib/clawmeter')), 'ledger on a volume');
  assert.ok(only(final, 'EXPOSE').some((e) => args(e).trim() === '9099'));
  const hc = only(final, 'HEALTHCHECK');
  assert.equal(hc.length, 1);
  assert.match(args(hc[0]), /CMD \[.*\/healthz/);
  const entry = only(final, 'ENTRYPOINT');
  const cmd = only(final, 'CMD');
  assert.equal(entry.length, 1);
  assert.deepEqual(json(entry[0]).slice(0, 1), ['node'], 'exec form: node is PID 1 and gets SIGTERM');
  const c = json(cmd[0]);
  assert.equal(c[0], 'serve');
  assert.equal(c[c.indexOf('--listen') + 1], '0.0.0.0:9099');
  assert.equal(c[c.indexOf('--data-dir') + 1], '/var/lib/clawmeter');
  const labels = only(final, 'LABEL').map(args).join(' ');
  for (const k of ['title', 'description', 'version', 'revision', 'licenses']) assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${k}=`));
  assert.match(only(final, 'ENV').map(args).join(' '), /NODE_ENV=production/);
});

function manifests(): Map<string, Array<Record<string, any>>> {
  const dir = path.join(REPO, 'deploy/kubernetes');
  const out = new Map<string, Array<Record<string, any>>>();
  for (const f of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const d of docs) assert.deepEqual(d.errors, [], `${f} parses`);
    out.set(f, docs.map((d) => d.toJS() as Record<string, any>).filter(Boolean));
  }
  return out;
}

test('Kubernetes: sidecar sharing the state read-only, scrape annotations, probes, restricted security context, resources, PodMonitor, kustomization', () => {
  const m = manifests();
  const kust = m.get('kustomization.yaml')![0];
  assert.equal(kust.kind, 'Kustomization');
  for (const r of kust.resources as string[]) {
    // The dashboards ConfigMap comes from the dashboards work (deploy/grafana); every other file is here.
    if (r === 'grafana-dashboards-configmap.yaml' && !m.has(r)) continue;
    assert.ok(m.has(r), `kustomization resource ${r} exists`);
  }
  assert.ok((kust.resources as string[]).includes('grafana-dashboards-configmap.yaml'), 'the dashboards ConfigMap is listed');
  for (const f of fs.readdirSync(path.join(REPO, 'deploy/kubernetes'))) {
    if (f !== 'kustomization.yaml' && /\.ya?ml$/.test(f)) assert.ok((kust.resources as string[]).includes(f), `${f} is in the kustomization`);
  }

  const dep = m.get('deployment.yaml')![0];
  assert.equal(dep.kind, 'Deployment');
  assert.equal(dep.spec.strategy.type, 'Recreate', 'never two writers of one ledger');
  const pod = dep.spec.template;
  assert.deepEqual(pod.metadata.labels, dep.spec.selector.matchLabels);
  const ann = pod.metadata.annotations;
  assert.equal(ann['prometheus.io/scrape'], 'true');
  assert.equal(ann['prometheus.io/port'], '9099');
  assert.equal(ann['prometheus.io/path'], '/metrics');
  for (const v of Object.values(ann)) assert.equal(typeof v, 'string', 'annotations are strings');
  const cm = (pod.spec.containers as any[]).find((c) => c.name === 'clawmeter');
  const oc = (pod.spec.containers as any[]).find((c) => c.name === 'openclaw');
  assert.ok(cm && oc, 'OpenClaw and clawmeter in one pod');
  const stateMount = (cm.volumeMounts as any[]).find((v) => v.name === 'openclaw-state');
  assert.equal(stateMount.readOnly, true, 'the state is mounted read-only in clawmeter');
  assert.ok((oc.volumeMounts as any[]).some((v) => v.name === 'openclaw-state' && !v.readOnly), 'and read-write in OpenClaw');
  assert.equal((cm.env as any[]).find((e) => e.name === 'OPENCLAW_STATE_DIR').value, stateMount.mountPath);
  const dataMount = (cm.volumeMounts as any[]).find((v) => v.name === 'clawmeter-data');
  assert.equal(cm.args[cm.args.indexOf('--data-dir') + 1], dataMount.mountPath);
  assert.equal(cm.args[cm.args.indexOf('--listen') + 1], '0.0.0.0:9099');
  const port = (cm.ports as any[]).find((p) => p.name === 'metrics');
  assert.equal(port.containerPort, 9099);
  assert.equal(cm.livenessProbe.httpGet.path, '/healthz');
  assert.equal(cm.readinessProbe.httpGet.path, '/readyz');
  assert.equal(cm.startupProbe.httpGet.path, '/healthz');
  assert.equal(cm.livenessProbe.httpGet.port, 'metrics');
  assert.ok(cm.resources.requests.cpu && cm.resources.requests.memory && cm.resources.limits.memory, 'resources');
  // The "restricted" Pod Security Standard.
  const sc = cm.securityContext;
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.runAsNonRoot, true);
  assert.ok(sc.runAsUser > 0);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.deepEqual(sc.capabilities.drop, ['ALL']);
  assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  const vols = new Map((pod.spec.volumes as any[]).map((v) => [v.name, v]));
  for (const c of pod.spec.containers as any[]) for (const vm of c.volumeMounts) assert.ok(vols.has(vm.name), `volume ${vm.name} declared`);
  const pvc = m.get('pvc.yaml')![0];
  assert.equal(pvc.kind, 'PersistentVolumeClaim');
  assert.equal(vols.get('clawmeter-data').persistentVolumeClaim.claimName, pvc.metadata.name);

  const pm = m.get('podmonitor.yaml')![0];
  assert.equal(pm.apiVersion, 'monitoring.coreos.com/v1');
  assert.equal(pm.kind, 'PodMonitor');
  assert.deepEqual(pm.spec.selector.matchLabels, dep.spec.selector.matchLabels);
  assert.equal(pm.spec.podMetricsEndpoints[0].port, 'metrics');
  assert.equal(pm.spec.podMetricsEndpoints[0].path, '/metrics');

  if (m.has('grafana-dashboards-configmap.yaml')) {
    const c = m.get('grafana-dashboards-configmap.yaml')![0];
    assert.equal(c.kind, 'ConfigMap');
  }
});

test('systemd unit: dedicated user, StateDirectory, ProtectSystem=strict, read-only state dir; systemd-analyze verify', () => {
  const text = fs.readFileSync(path.join(REPO, 'deploy/systemd/clawmeter.service'), 'utf8');
  const kv = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = s[1];
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(eq > 0, `key=value: ${line}`);
    const k = `${section}.${line.slice(0, eq)}`;
    kv.set(k, [...(kv.get(k) ?? []), line.slice(eq + 1)]);
  }
  const one = (k: string) => kv.get(`Service.${k}`)?.[0];
  assert.ok(one('User') || one('DynamicUser') === 'yes');
  assert.equal(one('StateDirectory'), 'clawmeter');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('MemoryDenyWriteExecute'), 'no', 'V8 needs W+X pages');
  const state = /OPENCLAW_STATE_DIR=(\S+)/.exec((kv.get('Service.Environment') ?? []).join(' '))?.[1];
  assert.ok(state && (one('ReadOnlyPaths') ?? '').split(/\s+/).includes(state), 'the state dir is read-only');
  assert.match(one('ExecStart') ?? '', /clawmeter serve .*--data-dir \/var\/lib\/clawmeter/);
  assert.equal(kv.get('Install.WantedBy')?.[0], 'multi-user.target');
  const sa = spawnSync('systemd-analyze', ['--version']);
  if (sa.status === 0) {
    // verify wants the binary to exist: point ExecStart at this node for the check.
    const dir = tmpDir();
    const unit = path.join(dir, 'clawmeter.service');
    fs.writeFileSync(unit, text.replace(/\/usr\/local\/bin\/clawmeter/g, process.execPath));
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    const problems = (r.stderr + r.stdout).split('\n').filter((l) => l.includes('clawmeter.service') && !/Failed to resolve user|unit file.*world|dbus/i.test(l));
    assert.deepEqual(problems, [], 'systemd-analyze verify');
  }
});

test('npm start, the container, the systemd unit and the benches run serve with the same Node flags', () => {
  const flags = SERVE_NODE_FLAGS.join(' ');
  assert.ok(flags.length > 0);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, `node ${flags} bin/clawmeter.js serve`);
  const docker = fs.readFileSync(path.join(REPO, 'deploy/container/Dockerfile'), 'utf8');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(docker)?.[1];
  assert.deepEqual(JSON.parse(entry ?? '[]'), ['node', ...SERVE_NODE_FLAGS, '/opt/clawmeter/bin/clawmeter.js']);
  const unit = fs.readFileSync(path.join(REPO, 'deploy/systemd/clawmeter.service'), 'utf8');
  // quoted: systemd splits an unquoted assignment at spaces
  assert.deepEqual([...unit.matchAll(/^Environment=("?)NODE_OPTIONS=(.*)\1$/gm)].map((m) => m[2]), [flags]);
  if (SERVE_NODE_FLAGS.length > 1) assert.match(unit, /^Environment="NODE_OPTIONS=/m);
  // and the flag is one this Node accepts
  const r = spawnSync(process.execPath, [...SERVE_NODE_FLAGS, '-e', 'process.exit(0)']);
  assert.equal(r.status, 0, String(r.stderr));
});

test('npm package: CLI, demo, compiled code, docs and deploy files ship; tests and benchmarks do not', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  for (const f of ['bin/clawmeter.js', 'dist/src/cli/main.js', 'dist/src/demo/generate.js', 'dist/src/sinks/http/server.js', 'docs/deploy.md', 'deploy/container/Dockerfile', 'deploy/systemd/clawmeter.service', 'deploy/kubernetes/deployment.yaml', 'README.md', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} ships`);
  }
  assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/') || f.startsWith('test/') || f.startsWith('.bench')), 'no tests or bench output');
});

/** Spawns a clawmeter command, waits for the logged URL; returns it and a stop function. */
async function startLogged(cmd: string, argv: string[], opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number }) {
  const child = spawn(cmd, argv, { env: { PATH: process.env.PATH, ...opts.env }, uid: opts.uid, gid: opts.gid, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no url in: ${log}`)), 30_000);
    const check = () => {
      const m = /url=(https?:\/\/[^\s/]+)\/metrics/.exec(log);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', check);
    child.on('exit', (c) => reject(new Error(`exited ${c}: ${log}`)));
  });
  const stop = async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    return exited;
  };
  return { url, stop, log: () => log };
}

async function waitForCalls(url: string): Promise<string> {
  const end = Date.now() + 30_000;
  for (;;) {
    const t = await (await fetch(`${url}/metrics`)).text();
    if (t.includes('openclaw_codex_messages_total{')) return t;
    if (Date.now() > end) throw new Error('no calls served');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('container steps reproduced: npm ci --omit=dev from the packed tarball, served as non-root from read-only files (CLAWMETER_SLOW_TESTS=1)', { skip: !SLOW && 'set CLAWMETER_SLOW_TESTS=1', timeout: 600_000 }, async () => {
  const { build, final } = dockerfile();
  const root = tmpDir('clawmeter-image-');
  fs.chmodSync(root, 0o755);
  const packDir = path.join(root, 'tmp');
  const app = path.join(root, 'opt/clawmeter');
  fs.mkdirSync(packDir, { recursive: true });
  fs.mkdirSync(app, { recursive: true });
  // The build stage: `npm pack` of the built tree, then the RUN lines that follow WORKDIR /opt/clawmeter.
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const wd = build.findIndex((i) => i.getKeyword() === 'WORKDIR' && args(i).trim() === '/opt/clawmeter');
  assert.ok(wd > 0);
  for (const run of only(build.slice(wd + 1), 'RUN')) {
    const sh = args(run).replace(/\\\n/g, ' ').replace(/\/tmp\//g, `${packDir}/`).replace(/\/src\//g, `${REPO}/`);
    const r = spawnSync('sh', ['-c', sh], { cwd: app, encoding: 'utf8', env: { ...process.env, npm_config_prefer_offline: 'true' } });
    assert.equal(r.status, 0, `${sh}\n${r.stderr.slice(-2000)}`);
  }
  assert.ok(fs.existsSync(path.join(app, 'node_modules/better-sqlite3')));
  assert.ok(!fs.existsSync(path.join(app, 'node_modules/typescript')), 'no dev dependencies');
  // The runtime stage: files read-only, the ledger volume owned by the image's user.
  const [uid, gid] = args(only(final, 'USER')[0]).trim().split(':').map(Number);
  spawnSync('chmod', ['-R', 'a-w', app]);
  const data = path.join(root, 'var/lib/clawmeter');
  fs.mkdirSync(data, { recursive: true });
  fs.chownSync(data, uid, gid);
  const state = path.join(root, 'openclaw');
  copyDir(path.join(FIXTURES, 'openclaw-real/v2026.7.35-jsonl'), state);
  spawnSync('chmod', ['-R', 'a+rX', state]);
  const cmd = json(only(final, 'CMD')[0]).map((a) => (a === '0.0.0.0:9099' ? '127.0.0.1:0' : a === '/var/lib/clawmeter' ? data : a));
  const entry = json(only(final, 'ENTRYPOINT')[0]).map((a) => a.replace('/opt/clawmeter', app));
  const env = Object.fromEntries(only(final, 'ENV').flatMap((e) => args(e).replace(/\\\n/g, ' ').trim().split(/\s+/).map((kv) => kv.split('='))));
  env.OPENCLAW_STATE_DIR = state;
  const before = spawnSync('find', [app, '-newer', path.join(app, 'package.json')], { encoding: 'utf8' }).stdout;
  const s = await startLogged(process.execPath, [...entry.slice(1), ...cmd], { env, uid, gid });
  try {
    const text = await waitForCalls(s.url);
    assert.match(text, /clawmeter_build_info\{/);
    // The image's own HEALTHCHECK command, against this port.
    const hc = JSON.parse(args(only(final, 'HEALTHCHECK')[0]).replace(/^.*?CMD\s+/s, '')) as string[];
    const port = new URL(s.url).port;
    const r = spawnSync(process.execPath, hc.slice(1).map((a) => a.replace(':9099', `:${port}`)), { uid, gid, timeout: 10_000 });
    assert.equal(r.status, 0, 'HEALTHCHECK passes');
  } finally {
    assert.equal(await s.stop(), 0, 'SIGTERM: clean stop');
  }
  assert.equal(spawnSync('find', [app, '-newer', path.join(app, 'package.json')], { encoding: 'utf8' }).stdout, before, 'nothing written under the install');
  assert.ok(fs.readdirSync(data).length > 0, 'the ledger is on the volume');
});

test('npm i -g of the packed tarball into a temporary prefix: the CLI, the demo and serve work (CLAWMETER_SLOW_TESTS=1)', { skip: !SLOW && 'set CLAWMETER_SLOW_TESTS=1', timeout: 600_000 }, async () => {
  const root = tmpDir('clawmeter-global-');
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', root], { cwd: REPO, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const tgz = path.join(root, pack.stdout.trim().split('\n').pop()!);
  const prefix = path.join(root, 'prefix');
  const i = spawnSync('npm', ['i', '-g', '--allow-scripts=better-sqlite3', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tgz], { encoding: 'utf8' });
  assert.equal(i.status, 0, i.stderr.slice(-2000));
  const bin = path.join(prefix, 'bin/clawmeter');
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: clawmeter <command>/);
  const pkg = path.join(prefix, 'lib/node_modules/clawmeter');
  for (const f of ['docs/deploy.md', 'deploy/container/Dockerfile', 'dist/src/demo/generate.js']) assert.ok(fs.existsSync(path.join(pkg, f)), `${f} installed`);
  const demoDir = path.join(root, 'demo-state');
  const demo = spawnSync(bin, ['demo', '--out', demoDir, '--mb', '1'], { encoding: 'utf8' });
  assert.equal(demo.status, 0, demo.stderr);
  const truth = JSON.parse(demo.stdout) as { calls: number };
  assert.ok(truth.calls > 0);
  const s = await startLogged(bin, ['serve', '--state-dir', demoDir, '--data-dir', path.join(root, 'data'), '--listen', '127.0.0.1:0'], {});
  try {
    await waitForCalls(s.url);
  } finally {
    await s.stop();
  }
});
