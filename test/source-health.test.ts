/**
 * Source health and cycle results in /metrics, rendered from the ingest stats:
 * per-source up and last-success series (state dir basename only, folded agents
 * showing the worst), all three cycle results, and promtool on the whole output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Ledger } from '../src/ledger/ledger.js';
import { IngestStats } from '../src/ingest/stats.js';
import { MetricsRenderer } from '../src/sinks/prometheus/render.js';
import { ProcessMetrics } from '../src/metrics/process.js';
import { AGENT_FOLD_KEY } from '../src/labeling/fold.js';
import { tmpDir } from './helpers.js';

function stats(): IngestStats {
  const st = new IngestStats();
  st.cyclesOk = 4;
  st.cyclesDegraded = 2;
  st.cyclesCompleted = 6;
  const put = (stateDir: string, agent: string, source: string, up: boolean, lastSuccessMs: number | null) =>
    st.sources.set(`${stateDir}\u0000${agent}\u0000${source}`, { stateDir, agent, source, up, lastSuccessMs, reason: up ? null : 'store_unavailable' });
  put('/home/u@example.com/.openclaw', 'main', 'jsonl', true, 1_700_000_000_000);
  put('/home/u@example.com/.openclaw', 'main', 'sqlite', false, 1_690_000_000_000);
  put('/srv/openclaw/', 'work', 'jsonl', true, null);
  // Two agents past --max-agents: one series for "other", the worst of both.
  put('/srv/openclaw', 'x1', 'jsonl', true, 1_700_000_000_000);
  put('/srv/openclaw', 'x2', 'jsonl', false, 1_600_000_000_000);
  return st;
}

test('source up / last success by source, agent and state dir basename; three cycle results', () => {
  const ledger = Ledger.open(path.join(tmpDir(), 'data'));
  try {
    ledger.commit({ cursors: [[AGENT_FOLD_KEY, { max: 2, admitted: ['main', 'work'], folded: ['x1', 'x2'] }]] });
    const text = new MetricsRenderer(ledger, stats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000 }).render();
    const lines = (name: string) => text.split('\n').filter((l) => l.startsWith(name + '{'));
    assert.deepEqual(lines('clawmeter_source_up'), [
      'clawmeter_source_up{agent="main",source="jsonl",state_dir=".openclaw"} 1',
      'clawmeter_source_up{agent="main",source="sqlite",state_dir=".openclaw"} 0',
      'clawmeter_source_up{agent="other",source="jsonl",state_dir="openclaw"} 0',
      'clawmeter_source_up{agent="work",source="jsonl",state_dir="openclaw"} 1',
    ]);
    assert.deepEqual(lines('clawmeter_source_last_success_timestamp_seconds'), [
      'clawmeter_source_last_success_timestamp_seconds{agent="main",source="jsonl",state_dir=".openclaw"} 1700000000',
      'clawmeter_source_last_success_timestamp_seconds{agent="main",source="sqlite",state_dir=".openclaw"} 1690000000',
      'clawmeter_source_last_success_timestamp_seconds{agent="other",source="jsonl",state_dir="openclaw"} 1600000000',
    ]);
    assert.deepEqual(lines('clawmeter_ingest_cycles_total'), [
      'clawmeter_ingest_cycles_total{result="degraded"} 2',
      'clawmeter_ingest_cycles_total{result="failed"} 0',
      'clawmeter_ingest_cycles_total{result="ok"} 4',
    ]);
    assert.ok(!text.includes('/home') && !text.includes('/srv') && !text.includes('@'), 'no path, no email');
    assert.ok(!text.includes('clawmeter_process_'), 'the old process names are gone');
  } finally {
    ledger.close();
  }
});

test('promtool check metrics on a full render with source health and process metrics', async (t) => {
  if (spawnSync('promtool', ['--version']).error) {
    if (process.env.CI) assert.fail('promtool missing in CI');
    t.skip('promtool not installed');
    return;
  }
  const ledger = Ledger.open(path.join(tmpDir(), 'data'));
  const pm = new ProcessMetrics({ intervalMs: 50 });
  pm.start();
  try {
    await new Promise((r) => setTimeout(r, 120));
    const text = new MetricsRenderer(ledger, stats(), { version: 't', demo: false, showAccountEmails: false, maxSeries: 2000, processMetrics: pm }).render();
    assert.match(text, /^process_open_fds \d+$/m);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const complaints = (r.stdout + r.stderr).trim().split('\n').filter(Boolean);
    assert.deepEqual(complaints, ['openclaw_codex_exporter_scrape_duration_ms metric names should not contain abbreviated units']);
  } finally {
    pm.stop();
    ledger.close();
  }
});
