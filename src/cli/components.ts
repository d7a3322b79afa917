/**
 * What `serve` is made of: components (the HTTP server, the ingest loop, the
 * process-metrics collector, the quota poller, the OTLP exporter, the web-config
 * watcher) that each start and shut down. They start in the order they are added
 * and shut down in the reverse order, so a sink stops before the ledger it reads
 * closes, and one that fails to shut down does not keep the others running.
 */
import type { Logger } from '../util/log.js';

export interface Component {
  readonly name: string;
  start?(): void | Promise<void>;
  shutdown(): void | Promise<void>;
}

export class Components {
  private readonly started: Component[] = [];

  constructor(private readonly log: Logger) {}

  /** Starts a component and keeps it for shutdown. */
  async add(c: Component): Promise<void> {
    await c.start?.();
    this.started.push(c);
  }

  /** Shuts every started component down, newest first; failures are logged, never thrown. */
  async shutdown(): Promise<void> {
    while (this.started.length > 0) {
      const c = this.started.pop()!;
      try {
        await c.shutdown();
      } catch (err) {
        this.log.warn('component did not shut down cleanly', { component: c.name, error: (err as Error).message });
      }
    }
  }
}
