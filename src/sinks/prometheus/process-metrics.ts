/**
 * The standard process and Node.js metrics, named as prom-client's default
 * collectors name them (process_*, nodejs_*), so the dashboards and alerts written
 * for every Node exporter work on clawmeter. Hand-written rather than prom-client
 * because the project renders its own exposition (one metric table, the original
 * exporter's byte layout) and needs only these few gauges.
 *
 * A scrape never touches the disk: the /proc values (and process.memoryUsage(),
 * which reads /proc/self/stat on Linux) are read by `refresh()`, which `start()`
 * runs on an unref()ed timer (every 5 s by default); `families()` only formats the
 * last values, plus process.cpuUsage() (a getrusage call, no file) so CPU counters
 * are current. On systems without /proc the Linux-only samples are left out.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Sample } from './exposition.js';
import { METRICS, type MetricDef } from './metrics.js';

export interface ProcessMetricsOptions {
  /** refresh period of start()'s timer (default 5000 ms) */
  intervalMs?: number;
  /** where /proc/self lives (tests may point it elsewhere) */
  procSelf?: string;
}

interface ProcValues {
  virtualBytes: number | null;
  heapBytes: number | null;
  residentBytes: number | null;
  openFds: number | null;
  maxFds: number | null;
}

/** `VmSize`, `VmData`, `VmRSS` of /proc/self/status, in bytes (null when absent). */
export function parseProcStatus(text: string): { virtualBytes: number | null; heapBytes: number | null; residentBytes: number | null } {
  const kb = (field: string): number | null => {
    const m = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  return { virtualBytes: kb('VmSize'), heapBytes: kb('VmData'), residentBytes: kb('VmRSS') };
}

/** The soft "Max open files" limit of /proc/self/limits; null when unlimited or absent. */
export function parseMaxFds(text: string): number | null {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
}

export class ProcessMetrics {
  private readonly intervalMs: number;
  private readonly procSelf: string;
  private readonly startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());
  private readonly versionLabels: Record<string, string>;
  private proc: ProcValues = { virtualBytes: null, heapBytes: null, residentBytes: null, openFds: null, maxFds: null };
  private memory: NodeJS.MemoryUsage = process.memoryUsage();
  private lagSeconds = 0;
  private delay: IntervalHistogram | null = null;
  private percentiles = { p50: 0, p90: 0, p99: 0 };
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: ProcessMetricsOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.procSelf = opts.procSelf ?? '/proc/self';
    const [major, minor, patch] = process.versions.node.split('.');
    this.versionLabels = { version: process.version, major, minor, patch };
    this.refresh();
  }

  /** Reads the /proc values now and then every interval; measures event-loop delay meanwhile. */
  start(): void {
    if (this.timer) return;
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
    this.timer = setInterval(() => this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.delay?.disable();
    this.delay = null;
  }

  /** Reads /proc and the memory figures; never throws (a value it cannot read is left out). */
  refresh(): void {
    const read = (name: string): string | null => {
      try {
        return fs.readFileSync(`${this.procSelf}/${name}`, 'utf8');
      } catch {
        return null;
      }
    };
    const status = read('status');
    const limits = read('limits');
    let openFds: number | null = null;
    try {
      // The listing holds the descriptor readdir itself opened.
      openFds = Math.max(0, fs.readdirSync(`${this.procSelf}/fd`).length - 1);
    } catch {
      openFds = null;
    }
    const s = status === null ? { virtualBytes: null, heapBytes: null, residentBytes: null } : parseProcStatus(status);
    this.proc = { ...s, openFds, maxFds: limits === null ? null : parseMaxFds(limits) };
    this.memory = process.memoryUsage();
    if (this.delay && this.delay.count > 0) {
      this.percentiles = {
        p50: this.delay.percentile(50) / 1e9,
        p90: this.delay.percentile(90) / 1e9,
        p99: this.delay.percentile(99) / 1e9,
      };
      this.delay.reset();
    }
    const t0 = process.hrtime.bigint();
    setImmediate(() => {
      this.lagSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    }).unref();
  }

  /** The families, from the last refresh (CPU time read now). */
  families(): Array<[MetricDef, Sample[]]> {
    const cpu = process.cpuUsage();
    const one = (v: number | null): Sample[] => (v === null ? [] : [{ labels: {}, value: v }]);
    const p = this.proc;
    return [
      [METRICS.processCpuUser, one(cpu.user / 1e6)],
      [METRICS.processCpuSystem, one(cpu.system / 1e6)],
      [METRICS.processCpu, one((cpu.user + cpu.system) / 1e6)],
      [METRICS.processStartTime, one(this.startTimeSeconds)],
      [METRICS.processResidentMemory, one(p.residentBytes ?? this.memory.rss)],
      [METRICS.processVirtualMemory, one(p.virtualBytes)],
      [METRICS.processHeap, one(p.heapBytes)],
      [METRICS.processOpenFds, one(p.openFds)],
      [METRICS.processMaxFds, one(p.maxFds)],
      [METRICS.nodejsHeapTotal, one(this.memory.heapTotal)],
      [METRICS.nodejsHeapUsed, one(this.memory.heapUsed)],
      [METRICS.nodejsExternalMemory, one(this.memory.external)],
      [METRICS.nodejsEventloopLag, one(this.lagSeconds)],
      [METRICS.nodejsEventloopLagP50, one(this.percentiles.p50)],
      [METRICS.nodejsEventloopLagP90, one(this.percentiles.p90)],
      [METRICS.nodejsEventloopLagP99, one(this.percentiles.p99)],
      [METRICS.nodejsVersionInfo, [{ labels: this.versionLabels, value: 1 }]],
    ];
  }
}
