/** Shared test helpers: temp dirs, transcript lines, one-shot ingestion, totals. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import type { CommitCall } from '../src/ledger/types.js';
import { createIngestor } from '../src/ingest/pipeline.js';
import { Logger } from '../src/util/log.js';
import { IngestStats } from '../src/ingest/stats.js';
import { generateStateDir, type GenerateOptions } from '../src/demo/generate.js';

export const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test/fixtures');

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Reads a ledger's SQLite file directly, on a read-only connection of its own (the
 * ledger itself offers no raw SQL: see src/ledger/reads.ts).
 */
export function sqlRead<T = Record<string, unknown>>(ledger: { file: string }, sql: string, ...params: unknown[]): T[] {
  const db = new Database(ledger.file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A fresh temporary folder, removed when the test process exits. */
export function tmpDir(prefix = 'clawmeter-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
}

export function copyDir(src: string, dst: string): void {
  fs.cpSync(src, dst, { recursive: true });
}

let seq = 0;
/** One assistant transcript line; every call gets a distinct responseId unless given. */
export function assistantLine(o: {
  responseId?: string | null;
  id?: string;
  provider?: string;
  model?: string;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  stopReason?: string;
  errorMessage?: string;
  tsMs?: number;
  cost?: number;
} = {}): string {
  seq++;
  const ts = o.tsMs ?? 1795281552006 + seq * 1000;
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: [{ type: 'text', text: `reply ${seq}` }],
    api: 'openai-completions',
    provider: o.provider ?? 'fakecc',
    model: o.model ?? 'fake-model',
    usage: {
      input: o.input ?? 100,
      output: o.output ?? 10,
      cacheRead: o.cacheRead ?? 1000,
      cacheWrite: o.cacheWrite ?? 0,
      cost: { total: o.cost ?? 0.001 },
    },
    stopReason: o.stopReason ?? 'stop',
    timestamp: ts,
  };
  if (o.responseId !== null) message.responseId = o.responseId ?? `resp-${seq}-${Math.random().toString(36).slice(2)}`;
  if (o.errorMessage) message.errorMessage = o.errorMessage;
  return JSON.stringify({
    type: 'message',
    id: o.id ?? (seq.toString(16).padStart(8, '0')),
    parentId: null,
    timestamp: new Date(ts + 500).toISOString(),
    message,
  });
}

export function userLine(text = 'hello'): string {
  seq++;
  return JSON.stringify({ type: 'message', id: `u${seq}`, parentId: null, timestamp: new Date().toISOString(), message: { role: 'user', content: text, timestamp: Date.now() } });
}

export function headerLine(id: string): string {
  return JSON.stringify({ type: 'session', version: 3, id, timestamp: new Date().toISOString(), cwd: '/tmp' });
}

/** A fresh state dir with one agent and its sessions folder. Returns the sessions folder. */
export function makeState(root: string, agent = 'main'): { stateDir: string; sessions: string; agentDir: string } {
  const stateDir = path.join(root, 'state');
  const sessions = path.join(stateDir, 'agents', agent, 'sessions');
  fs.mkdirSync(sessions, { recursive: true });
  fs.mkdirSync(path.join(stateDir, 'agents', agent, 'agent'), { recursive: true });
  return { stateDir, sessions, agentDir: path.join(stateDir, 'agents', agent, 'agent') };
}

export interface Totals {
  calls: number;
  messages: number;
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export function totalsOf(ledger: Ledger): Totals {
  const t: Totals = { calls: 0, messages: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const r of ledger.totals()) {
    t.calls += r.messages;
    if (r.errorCategory) t.errors += r.messages;
    else {
      t.messages += r.messages;
      t.input += r.input;
      t.output += r.output;
      t.cacheRead += r.cacheRead;
      t.cacheWrite += r.cacheWrite;
    }
  }
  return t;
}

/** Opens the ledger in dataDir, runs one ingest cycle over stateDirs, returns both. */
export async function ingestOnce(stateDirs: string[], dataDir: string, ledger?: Ledger) {
  const l = ledger ?? Ledger.open(dataDir);
  const stats = new IngestStats();
  const ingestor = createIngestor(l, () => stateDirs, { log: new Logger('silent'), stats });
  const summary = await ingestor.trigger();
  return { ledger: l, stats, summary, ingestor };
}

/** A plausible ledger call number i (ts one second apart from 2026-11-01), with overrides. */
export function ledgerCall(i: number, o: Partial<CommitCall> = {}): CommitCall {
  return {
    dedupeKey: `k${i}`,
    tsMs: Date.UTC(2026, 10, 1) + i * 1000,
    provider: 'openai',
    model: 'gpt-5',
    input: 10,
    output: 5,
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: 0.001,
    stopReason: 'stop',
    errorCategory: null,
    latencyMs: null,
    agent: 'main',
    compatKind: 'main',
    kind: 'main',
    channel: 'telegram',
    chatType: 'direct',
    source: 'jsonl',
    ...o,
  };
}

/** The plain JSONL transcript files (live and archived, not zstd) of a small generated history, read; the directory is removed after. */
export function generatedTranscripts(opts: Omit<GenerateOptions, 'dir'>): Buffer[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-generated-'));
  try {
    generateStateDir({ ...opts, dir });
    const out: Buffer[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.jsonl/.test(e.name) && !e.name.endsWith('.zst')) out.push(fs.readFileSync(p));
      }
    };
    walk(dir);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
