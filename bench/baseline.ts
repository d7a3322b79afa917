/**
 * The reference figures cold ingest is compared with (issue 9), measured in the
 * same bench run:
 *   - `exporterScrape`: one scrape of the original Python exporter, re-implemented
 *     in Node (written for the bench, not taken from it): glob
 *     `agents/*\/sessions/*.jsonl`, skip `.broken.`/`.reset.`/`.deleted.`/`.bak.`
 *     names and names that are not `<uuid>.jsonl`, read each file, JSON-decode
 *     every non-empty line, and for assistant messages sum input/output/cache
 *     tokens per provider and model, count messages and errors. With `every: true`
 *     it reads every transcript file clawmeter reads (archives too), the same bytes.
 *   - `plainRead`: reading every byte of every transcript file clawmeter reads,
 *     into one reused buffer, doing nothing with it (the floor).
 */
import fs from 'node:fs';
import path from 'node:path';

const SKIP_FRAGMENTS = ['.broken.', '.reset.', '.deleted.', '.bak.'];
const SESSION_RE = /^([0-9a-f-]{36})\.jsonl$/;

function agentSessionDirs(stateDir: string): string[] {
  const agents = path.join(stateDir, 'agents');
  let names: string[] = [];
  try {
    names = fs.readdirSync(agents);
  } catch {
    return [];
  }
  return names.map((a) => path.join(agents, a, 'sessions')).filter((d) => fs.existsSync(d));
}

/** Every plain transcript file clawmeter's JSONL source reads (live, topic, fork, archives). */
export function transcriptFiles(stateDir: string): string[] {
  const out: string[] = [];
  for (const d of agentSessionDirs(stateDir)) {
    for (const n of fs.readdirSync(d)) {
      if (n.includes('.jsonl') && !n.endsWith('.lock') && !n.includes('trajectory') && fs.statSync(path.join(d, n)).isFile()) out.push(path.join(d, n));
    }
  }
  return out;
}

/** The files one scrape of the original exporter reads. */
function exporterFiles(stateDir: string): string[] {
  const out: string[] = [];
  for (const d of agentSessionDirs(stateDir)) {
    for (const n of fs.readdirSync(d)) {
      if (!n.endsWith('.jsonl') || SKIP_FRAGMENTS.some((s) => n.includes(s)) || !SESSION_RE.test(n)) continue;
      out.push(path.join(d, n));
    }
  }
  return out;
}

export interface ScrapeResult {
  bytes: number;
  messages: number;
  errors: number;
  inputTokens: number;
}

/** One scrape of the original exporter (see the header). */
export function exporterScrape(stateDir: string, opts: { every?: boolean } = {}): ScrapeResult {
  const files = opts.every ? transcriptFiles(stateDir) : exporterFiles(stateDir);
  const msgCount = new Map<string, number>();
  const tok = new Map<string, [number, number, number, number]>();
  const errCount = new Map<string, number>();
  let latest = 0;
  let bytes = 0;
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    bytes += Buffer.byteLength(text);
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line);
      } catch {
        continue;
      }
      if (obj?.type !== 'message') continue;
      const msg = (obj.message ?? {}) as Record<string, unknown>;
      if (msg.role !== 'assistant') continue;
      const provider = (msg.provider as string) || 'unknown';
      const model = (msg.model as string) || 'unknown';
      const usage = (msg.usage ?? {}) as Record<string, unknown>;
      const ts = typeof obj.timestamp === 'string' ? Date.parse(obj.timestamp) / 1000 : num(obj.timestamp);
      if (ts > latest) latest = ts;
      if (msg.stopReason === 'error') {
        const k = `${provider}\u0000${model}\u0000${String(msg.errorMessage || 'unknown').slice(0, 80)}`;
        errCount.set(k, (errCount.get(k) ?? 0) + 1);
        continue;
      }
      const mk = `${provider}\u0000${model}`;
      msgCount.set(mk, (msgCount.get(mk) ?? 0) + 1);
      let t = tok.get(mk);
      if (!t) tok.set(mk, (t = [0, 0, 0, 0]));
      t[0] += num(usage.input);
      t[1] += num(usage.output);
      t[2] += num(usage.cacheRead);
      t[3] += num(usage.cacheWrite);
    }
  }
  let messages = 0;
  let errors = 0;
  let inputTokens = 0;
  for (const c of msgCount.values()) messages += c;
  for (const c of errCount.values()) errors += c;
  for (const t of tok.values()) inputTokens += t[0];
  return { bytes, messages, errors, inputTokens };
}

/** Reads every byte of every transcript file into one reused buffer. */
export function plainRead(stateDir: string): { bytes: number } {
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  for (const file of transcriptFiles(stateDir)) {
    const fd = fs.openSync(file, 'r');
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        bytes += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return { bytes };
}
