/**
 * The standard process and Node.js metrics, named as prom-client's default
 * collectors name them (process_*, nodejs_*), so the dashboards and alerts written
 * for every Node exporter work on clawmeter. Hand-written rather than prom-client
 * because the project has its own metric model (one metric table, every output a
 * consumer of it) and needs only these few values.
 *
 * A scrape never touches the disk: the /proc values (and process.memoryUsage(),
 * which reads /proc/self/stat on Linux) are read by `refresh()`, which `start()`
 * runs on an unref()ed timer (every 5 s by default); `families()` only formats the
 * last values, plus process.cpuUsage() (a getrusage call, no file) so CPU counters
 * are current. On systems without /proc the Linux-only samples are left out.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { family, single, type MetricFamily } from './points.js';
import { METRICS } from './table.js';

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
  /** When the process started (Unix ms): the start of clawmeter's own cumulative families. */
  readonly startMs = this.startTimeSeconds * 1000;
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
  families(): MetricFamily[] {
    const cpu = process.cpuUsage();
    const p = this.proc;
    const start = this.startMs;
    return [
      family(METRICS.processCpuUser, single(cpu.user / 1e6), start),
      family(METRICS.processCpuSystem, single(cpu.system / 1e6), start),
      family(METRICS.processCpu, single((cpu.user + cpu.system) / 1e6), start),
      family(METRICS.processStartTime, single(this.startTimeSeconds)),
      family(METRICS.processResidentMemory, single(p.residentBytes ?? this.memory.rss)),
      family(METRICS.processVirtualMemory, single(p.virtualBytes)),
      family(METRICS.processHeap, single(p.heapBytes)),
      family(METRICS.processOpenFds, single(p.openFds)),
      family(METRICS.processMaxFds, single(p.maxFds)),
      family(METRICS.nodejsHeapTotal, single(this.memory.heapTotal)),
      family(METRICS.nodejsHeapUsed, single(this.memory.heapUsed)),
      family(METRICS.nodejsExternalMemory, single(this.memory.external)),
      family(METRICS.nodejsEventloopLag, single(this.lagSeconds)),
      family(METRICS.nodejsEventloopLagP50, single(this.percentiles.p50)),
      family(METRICS.nodejsEventloopLagP90, single(this.percentiles.p90)),
      family(METRICS.nodejsEventloopLagP99, single(this.percentiles.p99)),
      family(METRICS.nodejsVersionInfo, [{ labels: this.versionLabels, value: 1 }]),
    ];
  }
}
