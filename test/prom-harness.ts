/**
 * Test helper for tests that run a real Prometheus (Debian's `prometheus`) and
 * real `clawmeter serve` processes on 127.0.0.1: free ports, process start/stop
 * with real signals, HTTP API queries and polling with generous deadlines.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

export async function query(base: string, q: string, timeS?: number): Promise<Vector> {
  const t = timeS === undefined ? '' : `&time=${timeS}`;
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}${t}`);
  const j = (await r.json()) as { status: string; error?: string; data: { resultType: string; result: Vector | [number, string] } };
  assert.equal(j.status, 'success', `${q}: ${j.error}`);
  if (j.data.resultType === 'scalar') return [{ metric: {}, value: j.data.result as [number, string] }];
  return j.data.result as Vector;
}

export async function scalar(base: string, q: string, timeS?: number): Promise<number | undefined> {
  const r = await query(base, q, timeS);
  return r.length === 1 ? Number(r[0].value[1]) : undefined;
}

export async function until<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export interface Proc {
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

export function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function startClawmeter(stateDir: string, dataDir: string, port: number): Proc {
  return start(process.execPath, [
    path.join(ROOT, 'bin/clawmeter.js'),
    'serve',
    '--state-dir',
    stateDir,
    '--data-dir',
    dataDir,
    '--listen',
    `127.0.0.1:${port}`,
    '--interval',
    '1',
    '--log-level',
    'warn',
  ]);
}

export function startPrometheus(cfg: string, tsdb: string, port: number): Proc {
  return start('prometheus', [
    `--config.file=${cfg}`,
    `--storage.tsdb.path=${tsdb}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
}
