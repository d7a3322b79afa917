/**
 * Sidecar files of the demo generator: .bak/.checkpoint prefix copies, trajectory files and
 * lock files written next to a session's transcript.
 */
import path from 'node:path';
import { STATE_ROOT } from './catalog.js';
import type { ResolvedOptions } from './options.js';
import { archiveTs, iso, joinLines, writeFile600 } from './out.js';
import type { Ctx, SessionSpec } from './session-spec.js';

export function writeSidecars(spec: SessionSpec, ctx: Ctx, agent: string, o: ResolvedOptions): void {
  const r = spec.result!;
  const rng = ctx.rng;
  const dir = ctx.sessionsDir;
  if (ctx.duplicates && spec.bak && r.prefix.length > 1) {
    // sessions.compact backup: a full copy of the transcript as it was before (a prefix of today's file)
    const n = Math.max(1, Math.floor(r.prefix.length * (0.6 + rng.float() * 0.4)));
    const at = Math.min(r.lastMs + rng.int(60_000, 600_000), o.nowMs - 1000);
    writeFile600(path.join(dir, `${spec.fileName}.bak.${archiveTs(at)}`), joinLines(r.prefix.slice(0, n)));
  }
  if (ctx.duplicates && spec.checkpoint && r.prefix.length > 1) {
    const n = Math.max(1, Math.floor(r.prefix.length * (0.5 + rng.float() * 0.4)));
    writeFile600(path.join(dir, `${spec.sessionId}.checkpoint.${rng.uuid()}.jsonl`), joinLines(r.prefix.slice(0, n)));
  }
  if (ctx.junk && spec.trajectory && r.samples.length > 0) {
    const lines: string[] = [];
    let seq = 1;
    const runId = rng.uuid();
    for (const sample of r.samples) {
      const s = sample.toString('utf8');
      const entry = JSON.parse(s) as { timestamp: string; message: { provider: string; model: string; api: string; usage: unknown } };
      const m = entry.message;
      lines.push(
        JSON.stringify({
          traceSchema: 'openclaw-trajectory',
          schemaVersion: 1,
          traceId: spec.sessionId,
          source: 'runtime',
          type: 'model.completed',
          ts: entry.timestamp,
          seq: seq++,
          sessionId: spec.sessionId,
          sessionKey: spec.keys[0] ?? null,
          runId,
          provider: m.provider,
          modelId: m.model,
          modelApi: m.api,
          data: { usage: m.usage, messagesSnapshot: [m] },
        }),
      );
      lines.push(s); // assistant-looking transcript row, verbatim
    }
    writeFile600(path.join(dir, `${spec.sessionId}.trajectory.jsonl`), lines.join('\n') + '\n');
    writeFile600(
      path.join(dir, `${spec.sessionId}.trajectory-path.json`),
      JSON.stringify(
        {
          traceSchema: 'openclaw-trajectory-pointer',
          schemaVersion: 1,
          sessionId: spec.sessionId,
          runtimeFile: `${STATE_ROOT}/agents/${agent}/sessions/${spec.sessionId}.trajectory.jsonl`,
        },
        null,
        2,
      ),
    );
  }
  if (ctx.junk && spec.lock) {
    writeFile600(path.join(dir, `${spec.fileName}.lock`), JSON.stringify({ pid: 40000 + rng.int(0, 20000), createdAt: iso(o.nowMs - 5000) }));
  }
}
