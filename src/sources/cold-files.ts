/**
 * Source adapter for OpenClaw's cold storage files (2026.9.5+, opt-in
 * `session.maintenance.coldStorage`): the transcripts of inactive sessions moved out
 * of `transcript_events` into immutable `agents/<agent>/sessions/cold/<sha256>.jsonl.zst`
 * (a database that is not in a folder named `agent` keeps `cold/` beside itself).
 *
 * They are history: a first install on an old machine must count them, and calls
 * already counted from the rows before the move are the same lines, so identities
 * make them count once. The files are immutable (named by their own SHA-256):
 * each is decompressed and read once (cursor `cold-file:<path>` = size and mtime);
 * a file that disappears only drops its cursor, the ledger keeps its calls (the
 * extraction is never a deletion). Labels come from the store's session list (a cold
 * session keeps its `session_windows` row). Usage is never taken from
 * `trajectory_runtime_events`, where a cold session keeps its runtime rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SOURCE } from '../model.js';
import type { AgentDir, Cursor, PollContext, Source, SourceBatch } from '../model.js';
import { coldArchiveLines } from './cold-envelope.js';
import { STORE_RELATIVE } from './sqlite-store.js';
import { isZstdFrame, zstdDecompress } from './zstd.js';

const MAX_LINE = 32 * 1024 * 1024;
const NAME_RE = /^[0-9a-f]{64}\.jsonl(\.zst)?$/;

export class ColdFilesSource implements Source {
  readonly name = SOURCE.coldFiles;
  get scope(): { stateDir: string; agent: string } {
    return { stateDir: this.agent.stateDir, agent: this.agent.agent };
  }
  constructor(private readonly agent: AgentDir) {}

  /** Where OpenClaw puts this agent's cold files. */
  dirs(): string[] {
    const store = this.agent.storeFile ?? path.join(this.agent.root, STORE_RELATIVE);
    const storeDir = path.dirname(store);
    if (path.basename(storeDir) === 'agent') return [path.join(path.dirname(storeDir), 'sessions', 'cold')];
    return [path.join(storeDir, 'cold')];
  }

  watchPaths(): string[] {
    return this.dirs().filter((d) => fs.existsSync(d));
  }

  *poll(ctx: PollContext): Iterable<SourceBatch> {
    const seen = new Set<string>();
    for (const dir of this.dirs()) {
      let names: string[];
      try {
        names = fs.readdirSync(dir).filter((n) => NAME_RE.test(n)).sort();
      } catch {
        names = [];
      }
      for (const n of names) {
        const file = path.join(dir, n);
        const key = `cold-file:${file}`;
        seen.add(key);
        let st: fs.Stats;
        try {
          st = fs.statSync(file);
        } catch {
          continue; // vanished between listing and stat
        }
        const cursor: Cursor = { size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
        const prev = ctx.cursors.get(key);
        if (prev && prev.size === cursor.size && prev.mtimeMs === cursor.mtimeMs) continue;
        let data: Buffer;
        try {
          data = fs.readFileSync(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          ctx.report({ reason: 'unreadable', where: file, detail: `cold archive could not be read (${(err as Error).message.split('\n')[0]}); retried next cycle` });
          continue;
        }
        try {
          if (isZstdFrame(data)) data = zstdDecompress(data);
        } catch (err) {
          ctx.report({ reason: 'decompress_failed', where: file, detail: `zstd decode of a cold archive failed: ${(err as Error).message.split('\n')[0]}` });
          continue;
        }
        const r = coldArchiveLines(data, file, MAX_LINE, ctx);
        yield {
          kind: 'transcript',
          context: { stateDir: this.agent.stateDir, agent: this.agent.agent, sessionId: r.sessionId, sessionKey: null, source: SOURCE.coldFiles, where: file },
          records: r.records,
          cursors: [[key, cursor]],
          bytesRead: data.length,
          linesRead: r.lines,
          filesRead: 1,
        };
      }
    }
    // A cold file that went away (restored and cleaned up, or deleted with its session): forget its cursor only.
    const gone = this.dirs().flatMap((d) => ctx.cursors.keysWithPrefix(`cold-file:${d}${path.sep}`)).filter((k) => !seen.has(k));
    if (gone.length > 0) yield { kind: 'state', cursors: gone.map((k) => [k, null] as [string, Cursor | null]) };
  }
}
