/**
 * The process/Node.js collector: prom-client's names, values from /proc (a real
 * /proc on Linux, and a folder of real files to pin the parsing), and no file read
 * at scrape time: values stay those of the last refresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ProcessMetrics, parseMaxFds, parseProcStatus } from '../src/metrics/process.js';
import { renderFamily } from '../src/sinks/prometheus/exposition.js';
import { samplesOf } from '../src/sinks/prometheus/samples.js';
import type { NumberPoint } from '../src/metrics/points.js';
import { tmpDir } from './helpers.js';

const NAMES = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_version_info',
];

function values(pm: ProcessMetrics): Map<string, number | undefined> {
  return new Map(pm.families().map(({ def, points }) => [def.name, (points[0] as NumberPoint | undefined)?.value]));
}

test('every standard family, with finite values; Linux values from /proc', async (t) => {
  const pm = new ProcessMetrics({ intervalMs: 50 });
  pm.start();
  try {
    await new Promise((r) => setTimeout(r, 200));
    const fams = pm.families();
    assert.deepEqual(fams.map((f) => f.def.name), NAMES);
    for (const { def, points } of fams) for (const s of points as NumberPoint[]) assert.ok(Number.isFinite(s.value), def.name);
    const v = values(pm);
    assert.ok(v.get('process_cpu_seconds_total')! > 0);
    assert.ok(Math.abs(v.get('process_start_time_seconds')! - (Date.now() / 1000 - process.uptime())) < 5);
    assert.ok(v.get('nodejs_heap_size_used_bytes')! > 0);
    const info = fams.find((f) => f.def.name === 'nodejs_version_info')!.points[0];
    assert.equal(info.labels.version, process.version);
    assert.equal(`v${info.labels.major}.${info.labels.minor}.${info.labels.patch}`, process.version);
    if (process.platform !== 'linux') {
      t.diagnostic('not Linux: /proc values not checked');
      return;
    }
    assert.ok(v.get('process_open_fds')! > 2);
    assert.ok(v.get('process_max_fds')! >= v.get('process_open_fds')!);
    assert.ok(v.get('process_virtual_memory_bytes')! > v.get('process_resident_memory_bytes')!);
    assert.ok(v.get('process_heap_bytes')! > 0);
  } finally {
    pm.stop();
  }
});

test('parsing /proc files, and a scrape reads no file: values are those of the last refresh', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'status'), 'Name:\tnode\nVmSize:\t  1000 kB\nVmData:\t   300 kB\nVmRSS:\t   200 kB\n');
  fs.writeFileSync(path.join(dir, 'limits'), 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n');
  fs.mkdirSync(path.join(dir, 'fd'));
  for (const n of ['0', '1', '2', '3']) fs.writeFileSync(path.join(dir, 'fd', n), '');
  const pm = new ProcessMetrics({ procSelf: dir });
  let v = values(pm);
  assert.equal(v.get('process_virtual_memory_bytes'), 1000 * 1024);
  assert.equal(v.get('process_heap_bytes'), 300 * 1024);
  assert.equal(v.get('process_resident_memory_bytes'), 200 * 1024);
  assert.equal(v.get('process_max_fds'), 1024);
  assert.equal(v.get('process_open_fds'), 3, 'minus the descriptor of the listing itself');

  fs.rmSync(dir, { recursive: true, force: true });
  v = values(pm);
  assert.equal(v.get('process_virtual_memory_bytes'), 1000 * 1024, 'families() read nothing');
  assert.equal(v.get('process_open_fds'), 3);
  pm.refresh();
  v = values(pm);
  assert.equal(v.get('process_virtual_memory_bytes'), undefined, 'gone after a refresh: left out, no throw');
  assert.ok(v.get('process_resident_memory_bytes')! > 0, 'falls back to process.memoryUsage()');
  const text = pm.families().map((f) => renderFamily(f.def.name, f.def.type, f.def.help, samplesOf(f.points))).join('');
  assert.match(text, /^# TYPE process_open_fds gauge$/m);
  assert.ok(!/^process_open_fds /m.test(text));

  assert.equal(parseMaxFds('Max open files            unlimited            unlimited            files\n'), null);
  assert.deepEqual(parseProcStatus('Name: x\n'), { virtualBytes: null, heapBytes: null, residentBytes: null });
});
