/**
 * The SQLite store's plain rows (`event_json`), small and large: small rows come whole
 * and are sorted in JS, larger ones (over WHOLE_ROW_BYTES) keep their tests in SQL and
 * come as call-candidate bytes or tool cells (src/sources/sqlite/queries.ts,
 * tool-results.ts). Either way the ledger must hold what the JSONL file of the same
 * lines gives: the same calls, tool results and, with content capture, the same tool
 * output heads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createIngestor } from '../src/ingest/pipeline.js';
import { Ledger } from '../src/ledger/ledger.js';
import { Logger } from '../src/util/log.js';
import { WHOLE_ROW_BYTES } from '../src/sources/sqlite/queries.js';
import { assistantLine, headerLine, makeState, sqlRead, tmpDir, userLine } from './helpers.js';
import { newStore } from './sqlite-helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');

function toolResult(o: { id: string; callId: string; name: string; ts: number; isError: boolean; text: string; isErrorFirst?: boolean }): string {
  const message: Record<string, unknown> = { role: 'toolResult', toolCallId: o.callId, toolName: o.name };
  if (o.isErrorFirst) message.isError = o.isError; // before the output: the two-ends proof cannot hold, the row is read whole
  message.content = [{ type: 'text', text: o.text }];
  if (!o.isErrorFirst) message.isError = o.isError;
  message.timestamp = o.ts - 2;
  return JSON.stringify({ type: 'message', id: o.id, parentId: null, timestamp: new Date(o.ts).toISOString(), message });
}

const big = (s: string) => s.repeat(Math.ceil((WHOLE_ROW_BYTES + 4096) / s.length));

function lines(): string[] {
  const longCall = assistantLine({ input: 7, responseId: 'resp-long' }).replace('"reply', `"${big('long reply ')}`);
  return [
    headerLine('s1'),
    userLine('a short prompt'),
    assistantLine({ input: 1, responseId: 'resp-short' }),
    toolResult({ id: 't1', callId: 'call_1', name: 'read', ts: T0 + 1000, isError: false, text: 'short output' }),
    longCall,
    // look-alikes of the fields that matter inside a long output
    toolResult({ id: 't2', callId: 'call_2', name: 'exec', ts: T0 + 2000, isError: false, text: big('"isError":true "toolName":"x" ') }),
    toolResult({ id: 't3', callId: 'call_3', name: 'grep', ts: T0 + 3000, isError: true, text: big('no match; '), isErrorFirst: true }),
    userLine(big('a long prompt ')),
    assistantLine({ input: 2, responseId: 'resp-last' }),
  ];
}

async function ingest(stateDir: string, dataDir: string, toolOutputs: boolean): Promise<Ledger> {
  const ledger = Ledger.open(dataDir);
  await createIngestor(ledger, () => [stateDir], { log: new Logger('silent'), capture: { outputMessages: false, toolInputs: false, toolOutputs } }).trigger();
  return ledger;
}

function contents(ledger: Ledger) {
  return {
    calls: sqlRead(ledger, `SELECT dedupe_key, ts_ms, provider, model, input, output, cache_read, cache_write, cost_usd, stop_reason FROM calls ORDER BY dedupe_key`),
    // a tool result's key is made of its session's hash, which differs between the two state dirs
    tools: sqlRead(ledger, `SELECT ts_ms, tool_name, is_error FROM tool_results ORDER BY ts_ms`),
    outputs: sqlRead(ledger, `SELECT t.tool_name, c.kind, c.text FROM otel_content c JOIN tool_results t ON t.key = c.key ORDER BY t.ts_ms, c.kind`),
  };
}

test('SQLite store plain rows, small and large: the same calls, tool results and captured tool outputs as the JSONL file of the same lines', async () => {
  const root = tmpDir();
  const rows = lines();
  const jsonl = makeState(path.join(root, 'jsonl'));
  fs.writeFileSync(path.join(jsonl.sessions, 's1.jsonl'), rows.join('\n') + '\n');
  const storeState = path.join(root, 'store', 'state');
  const store = newStore(storeState, 'main', { zstdThreshold: 1e9 }); // every row plain
  store.upsertSession({ sessionKey: 'agent:main:main', sessionId: 's1', createdAt: T0 });
  store.appendEvents('s1', rows, T0);
  const largeRows = store.db.prepare(`SELECT count(*) FROM transcript_events WHERE event_zstd IS NULL AND octet_length(event_json) > ?`).pluck().get(WHOLE_ROW_BYTES);
  assert.equal(largeRows, 4, 'a long call, two long tool results and a long prompt are large plain rows');
  store.close();

  for (const toolOutputs of [false, true]) {
    const a = await ingest(jsonl.stateDir, path.join(root, `data-jsonl-${toolOutputs}`), toolOutputs);
    const b = await ingest(storeState, path.join(root, `data-store-${toolOutputs}`), toolOutputs);
    try {
      const fromFile = contents(a);
      const fromStore = contents(b);
      assert.equal(fromFile.calls.length, 3, 'three calls');
      assert.deepEqual(
        (fromFile.tools as Array<{ tool_name: string; is_error: number }>).map((t) => `${t.tool_name}:${t.is_error}`).sort(),
        ['exec:0', 'grep:1', 'read:0'],
        'three tool results; the look-alikes in the output change nothing',
      );
      assert.equal(fromFile.outputs.length, toolOutputs ? 3 : 0, 'tool output heads only when captured');
      assert.deepEqual(fromStore, fromFile, `toolOutputs ${toolOutputs}: the store gives what the file gives`);
    } finally {
      a.close();
      b.close();
    }
  }
});
