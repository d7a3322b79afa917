/** Test helper: `clawmeter serve` as a real child process on 127.0.0.1:0, with its log, scrapes and sums of families. */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/clawmeter.js');

export interface ServeChild {
  child: ChildProcess;
  url: string;
  log(): string;
  metrics(): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServeChild(args: string[], o: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): Promise<ServeChild> {
  const prefix = o.prefix ?? [];
  const argv = [...prefix.slice(1), process.execPath, BIN, 'serve', '--listen', '127.0.0.1:0', '--interval', '1', '--log-level', 'info', ...args];
  const child = spawn(prefix[0] ?? argv.shift()!, argv, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 30_000);
    const check = () => {
      const m = /url"?[=:]"?(https?:\/\/[^\s/"]+)\/metrics/.exec(log);
      if (m) {
        clearTimeout(t);
        child.off('exit', onExit);
        resolve(m[1]);
      }
    };
    const onExit = (c: number | null) => reject(new Error(`serve exited ${c}: ${log}`));
    child.stderr!.on('data', check);
    child.on('exit', onExit);
  });
  return {
    child,
    url,
    log: () => log,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      const p = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      child.kill(signal);
      return p;
    },
  };
}

/** Sum of every sample of one family in a text exposition (labels optional filter). */
export function sum(text: string, name: string, labelFilter?: RegExp): number {
  let s = 0;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(name + '{') || line.startsWith(name + ' '))) continue;
    if (labelFilter && !labelFilter.test(line)) continue;
    s += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return s;
}

export async function until<T>(fn: () => Promise<T | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Scrapes every 100 ms in the background; a failed scrape or openclaw_usage_messages_total going down is a problem. */
export function watchMonotonic(s: ServeChild): { stop(): Promise<{ scrapes: number; problems: string[] }> } {
  let last = 0;
  let scrapes = 0;
  const problems: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const r = await fetch(`${s.url}/metrics`);
        if (r.status !== 200) problems.push(`status ${r.status}`);
        const v = sum(await r.text(), 'openclaw_usage_messages_total');
        if (v < last) problems.push(`messages went down: ${last} -> ${v}`);
        last = v;
        scrapes++;
      } catch (err) {
        problems.push(`scrape failed: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { scrapes, problems };
    },
  };
}
