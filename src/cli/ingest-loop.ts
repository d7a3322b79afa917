/**
 * The background ingestion of `serve`: a cycle now, one every --interval, and
 * one shortly after a watched folder changes. Shutting it down stops the timers
 * and watchers and lets the running cycle commit at its next batch boundary.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Ingestor } from '../ingest/cycle.js';
import { sourcesFor } from '../sources/index.js';
import type { Logger } from '../util/log.js';
import type { Component } from './components.js';

export class IngestLoop implements Component {
  readonly name = 'ingest';
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private debounce: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly ingestor: Ingestor,
    private readonly stateDirs: () => string[],
    private readonly o: { intervalS: number; watch: boolean; log: Logger },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.o.intervalS * 1000);
    void this.run();
  }

  /** Runs a cycle now (or one more after the running one). */
  async run(): Promise<void> {
    if (this.stopped) return;
    try {
      const s = await this.ingestor.trigger();
      if (s.result !== 'ok' && !s.interrupted) {
        this.o.log.limited(`cycle\u0000${s.failures.join('|')}`, 'warn', `ingest cycle ${s.result}`, { failures: s.failures.join('; ') });
      }
      this.refreshWatchers();
    } catch (err) {
      this.o.log.error('ingest cycle failed', { error: (err as Error).message });
    }
  }

  private kick = (): void => {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.run();
    }, 250);
  };

  private refreshWatchers(): void {
    if (!this.o.watch || this.stopped) return;
    const wanted = new Set<string>();
    for (const s of sourcesFor(this.stateDirs())) for (const p of s.watchPaths?.() ?? []) wanted.add(p);
    for (const d of this.stateDirs()) wanted.add(path.join(d, 'agents'));
    for (const p of wanted) {
      if (this.watchers.has(p)) continue;
      try {
        const w = fs.watch(p, { persistent: false }, this.kick);
        w.on('error', () => {
          w.close();
          this.watchers.delete(p);
        });
        this.watchers.set(p, w);
      } catch {
        // Not there (yet) or not watchable: the poll covers it.
      }
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    for (const w of this.watchers.values()) w.close();
    await this.ingestor.stop(); // the running cycle commits what it read, at its next batch boundary
  }
}
