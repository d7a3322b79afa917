/**
 * Property test: random sequences of append / partial append / rename-to-archive /
 * compress / delete / truncate / copy / restart never make any exported counter
 * decrease, and the end totals equal the ground truth (every distinct call that was
 * on disk at some ingest, counted once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Ledger } from '../src/ledger/ledger.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, totalsOf, userLine } from './helpers.js';
import { IngestStats } from '../src/ingest/stats.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counter samples of a /metrics text: series -> value. */
export function counters(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) types.set(m[1], m[2]);
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    const series = line.slice(0, sp);
    const name = series.split('{')[0];
    if (types.get(name) === 'counter' && name.startsWith('openclaw_')) out.set(series, Number(line.slice(sp + 1)));
  }
  return out;
}

let zstdAvailable = true;
try {
  execFileSync('zstd', ['--version'], { stdio: 'ignore' });
} catch {
  zstdAvailable = false;
}

const SEQUENCES = 24;
const STEPS = 30;

test(`random file histories never decrease counters and end exact (${SEQUENCES} sequences x ${STEPS} steps)`, async () => {
  for (let run = 0; run < SEQUENCES; run++) {
    const rnd = prng(1000 + run);
    const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
    const root = tmpDir('clawmeter-prop-');
    const { stateDir, sessions } = makeState(root);
    const data = path.join(root, 'data');
    // ground truth: identity of every complete call line present at an ingest
    const lineIds = new Map<string, string>(); // line text -> call id (responseId)
    const seen = new Set<string>();
    let nextSession = 0;
    let ledger: Ledger | undefined;
    let prev = new Map<string, number>();
    const live = (): string[] => fs.readdirSync(sessions).filter((n) => n.endsWith('.jsonl'));

    const snapshotTruth = () => {
      for (const n of fs.readdirSync(sessions)) {
        if (n.endsWith('.zst')) continue; // contents were recorded before compression
        const text = fs.readFileSync(path.join(sessions, n), 'utf8');
        const lines = text.split('\n');
        // the last element is a partial line (or '') unless the file is an archive
        const complete = n.endsWith('.jsonl') ? lines.slice(0, -1) : lines;
        for (const l of complete) {
          const id = lineIds.get(l);
          if (id) seen.add(id);
        }
      }
    };

    for (let step = 0; step < STEPS; step++) {
      const op = pick(['append', 'append', 'append', 'partial', 'new', 'rename', 'delete', 'truncate', 'copy', 'compress', 'ingest', 'restart']);
      const files = live();
      if (op === 'new' || files.length === 0) {
        const sid = `s${run}-${nextSession++}`;
        fs.writeFileSync(path.join(sessions, `${sid}.jsonl`), headerLine(sid) + '\n');
      } else if (op === 'append' || op === 'partial') {
        const f = path.join(sessions, pick(files));
        const n = 1 + Math.floor(rnd() * 4);
        let chunk = '';
        for (let i = 0; i < n; i++) {
          const err = rnd() < 0.1;
          const l = assistantLine(err ? { stopReason: 'error', errorMessage: '429 too many requests', input: 0, output: 0, cacheRead: 0 } : { responseId: rnd() < 0.3 ? null : undefined });
          lineIds.set(l, l); // the line text itself is a unique identity here
          chunk += userLine() + '\n' + l + '\n';
        }
        if (op === 'partial') {
          // complete any earlier partial line first, then leave a new one half written
          const cur = fs.readFileSync(f, 'utf8');
          if (!cur.endsWith('\n')) chunk = '\n' + chunk; // (earlier partial becomes garbage: a malformed line, never a call)
          const cut = Math.floor(chunk.length * rnd());
          fs.appendFileSync(f, chunk.slice(0, cut));
          const rest = chunk.slice(cut);
          // finish it at a later step or never
          if (rnd() < 0.7) setPending(f, rest);
        } else {
          const p = pending.get(f);
          if (p !== undefined) {
            fs.appendFileSync(f, p);
            pending.delete(f);
          }
          fs.appendFileSync(f, chunk);
        }
      } else if (op === 'rename') {
        const n = pick(files);
        const f = path.join(sessions, n);
        const p = pending.get(f);
        if (p !== undefined) {
          fs.appendFileSync(f, p);
          pending.delete(f);
        }
        const ts = new Date(1795281552006 + step * 1000).toISOString().replace(/:/g, '-');
        fs.renameSync(f, path.join(sessions, `${n}.${rnd() < 0.5 ? 'reset' : 'deleted'}.${ts}`));
      } else if (op === 'delete') {
        const all = fs.readdirSync(sessions);
        if (all.length) fs.rmSync(path.join(sessions, pick(all)));
      } else if (op === 'truncate') {
        const f = path.join(sessions, pick(files));
        const lines = fs.readFileSync(f, 'utf8').split('\n');
        fs.writeFileSync(f, lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n');
        pending.delete(f);
      } else if (op === 'copy') {
        const n = pick(files);
        const stem = n.replace(/\.jsonl$/, '');
        fs.copyFileSync(path.join(sessions, n), path.join(sessions, `2026-11-21T18-00-0${step % 10}-000Z_${stem}-fork${step}.jsonl`));
      } else if (op === 'compress' && zstdAvailable) {
        const arch = fs.readdirSync(sessions).filter((n) => /\.(reset|deleted)\.[^.]+Z$/.test(n));
        if (arch.length) {
          snapshotTruthBefore(path.join(sessions, pick(arch)));
        }
      } else if (op === 'restart') {
        ledger?.close();
        ledger = undefined;
      }
      if (op === 'ingest' || op === 'restart' || rnd() < 0.4) {
        snapshotTruth();
        const r = await ingestOnce([stateDir], data, ledger);
        ledger = r.ledger;
        const now = counters(new MetricsRenderer(ledger, new IngestStats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 100000 }).render());
        for (const [series, v] of prev) {
          assert.ok(now.has(series), `run ${run} step ${step} (${op}): series vanished: ${series}`);
          assert.ok(now.get(series)! >= v, `run ${run} step ${step} (${op}): ${series} went down ${v} -> ${now.get(series)}`);
        }
        prev = now;
      }
    }
    snapshotTruth();
    const r = await ingestOnce([stateDir], data, ledger);
    const t = totalsOf(r.ledger);
    assert.equal(t.calls, seen.size, `run ${run}: end total equals ground truth`);
    totalCalls += t.calls;
    r.ledger.close();
    fs.rmSync(root, { recursive: true, force: true });

    function setPending(f: string, rest: string) {
      pending.set(f, rest);
    }
    function snapshotTruthBefore(archive: string) {
      // record what the archive holds, then compress it in place (.zst, original removed)
      const text = fs.readFileSync(archive, 'utf8');
      for (const l of text.split('\n')) {
        const id = lineIds.get(l);
        if (id) seen.add(id);
      }
      execFileSync('zstd', ['-q', '--rm', archive]);
    }
  }
});

const pending = new Map<string, string>();
let totalCalls = 0;
test.after(() => {
  // guards against a vacuous pass: the sequences must have produced calls
  assert.ok(totalCalls > SEQUENCES * 5, `only ${totalCalls} calls generated`);
  console.log(`# property: ${totalCalls} calls across ${SEQUENCES} sequences`);
});
