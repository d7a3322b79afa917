/**
 * `clawmeter serve`: background ingestion (file watching plus a poll every
 * --interval) into the ledger, and the HTTP endpoint that renders the ledger's
 * last state. Scrapes never wait for ingestion.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ledger } from '../ledger/ledger.js';
import { createIngestor } from '../ingest/pipeline.js';
import { MetricsRenderer } from '../sinks/prometheus/render.js';
import { ProcessMetrics } from '../metrics/process.js';
import { parseListen, startServer } from '../sinks/http/server.js';
import { sourcesFor } from '../sources/index.js';
import type { Logger } from '../util/log.js';
import { generateStateDir } from '../demo/generate.js';
import { EXIT_HELP, UsageError, defaultDataDir, loggerFrom, resolveStateDirs, usableDataDir } from './args.js';
import { resolveSettings } from '../settings/resolve.js';
import { optionsHelp } from '../settings/help.js';
import { usageSettings, type UsageSettings } from '../settings/usage.js';
import { openLedger } from './open-ledger.js';
import type { Ingestor } from '../ingest/cycle.js';
import { version } from './version.js';
import { QuotaPoller } from '../sources/quota-poller.js';
import { LedgerQuery } from '../query/index.js';
import { healthOf } from '../query/health.js';
import { localZone } from './zone.js';

export const SERVE_HELP = `Usage: clawmeter serve [options]

Ingest OpenClaw history into the ledger in the background and serve Prometheus
metrics at http://HOST:PORT/metrics.

Options:
${optionsHelp('serve')}
Endpoints: /metrics, /healthz (liveness), /readyz (503 until the first full ingest cycle and while a
source is down, with the reasons), / (the dashboard), /api/v1/ (its JSON API, docs/api.md), /about.

${EXIT_HELP}`;

export interface ServeHandle {
  url: string;
  demo: boolean;
  log: Logger;
  stop(): Promise<void>;
}

export async function serve(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeHandle | null> {
  const { values, help } = resolveSettings('serve', argv, env);
  if (help) {
    process.stdout.write(SERVE_HELP);
    return null;
  }
  const log = loggerFrom(values);
  const listenRaw = values.listenAddress!;
  const listen = parseListen(listenRaw)!; // validated by the spec
  const intervalS = values.interval!;
  const maxSeries = values.maxSeries!;
  const usage = usageSettings(values);

  let demo = Boolean(values.demo);
  let stateDirs: string[] = [];
  if (!demo) {
    // A configured path that is wrong is an error; DEMO only when nothing was configured and nothing exists.
    const found = resolveStateDirs(values.stateDir ?? [], env);
    if (!found.found) {
      log.warn('no OpenClaw state directory found; serving DEMO data instead', { looked: found.looked.join(', ') });
      demo = true;
    }
    stateDirs = found.stateDirs;
  }

  // The real ledger is opened (and locked) before the port is bound, so a second
  // process on the same data dir is told so instead of "address in use".
  let ledger: Ledger | null = null;
  if (!demo) ledger = openLedger(usableDataDir(values.dataDir ?? defaultDataDir(env)), log);

  let app: App | null = null;
  let query: LedgerQuery | null = null;
  const emptyHealth = { ready: false, reasons: ['starting'], ingesting: true, cyclesCompleted: 0, lastIngestMs: null, filesRead: 0, bytesRead: 0, callsInserted: 0, sources: [] };
  const server = await startServer(
    {
      api: {
        query: () => (app ? (query ??= new LedgerQuery(app.ledger)) : null),
        health: () => (app ? healthOf(app.ingestor.stats) : emptyHealth),
        demo,
        version: version(),
        tz: localZone(env),
        window: usage.windows[0] ?? { name: '5h', ms: 5 * 3_600_000 },
      },
      onError: (what, err) => log.limited(`http\u0000${what}`, 'warn', what, { error: err.message }),
      renderMetrics: (format) => {
        if (!app) throw new Error('starting');
        return app.renderer.render(format);
      },
      readiness: () => (app ? app.ingestor.stats.readiness() : { ready: false, reasons: ['starting'] }),
      status: () => ({
        demo,
        stateDirs,
        dataDir: app?.ledger.file ?? '',
        version: version(),
        calls: app?.ledger.callCount() ?? 0,
        lastIngestMs: app?.ingestor.stats.lastSuccessMs ?? null,
      }),
    },
    listen.host,
    listen.port,
  ).catch((err: NodeJS.ErrnoException) => {
    ledger?.close();
    throw new UsageError(`--listen ${listenRaw}: cannot listen (${err.code ?? err.message})`);
  });

  // Demo data is generated only now that the port is ours, and removed on every exit path.
  let demoRoot: string | null = null;
  const removeDemo = () => {
    if (demoRoot) fs.rmSync(demoRoot, { recursive: true, force: true });
    demoRoot = null;
  };
  process.once('exit', removeDemo);
  try {
    if (demo) {
      demoRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-demo-'));
      const stateDir = path.join(demoRoot, 'state');
      const truth = generateStateDir({ dir: stateDir, seed: 42, nowMs: Date.now(), junk: false });
      stateDirs = [stateDir];
      // Demo data never goes into the real ledger.
      ledger = openLedger(usableDataDir(path.join(demoRoot, 'data')), log);
      log.warn('DEMO mode: generated state directory', { dir: stateDir, calls: truth.calls });
    }
    app = assemble(ledger!, stateDirs, { demo, usage, log, maxSeries, showAccountEmails: Boolean(values.showAccountEmails) });
  } catch (err) {
    ledger?.close();
    await server.close();
    removeDemo();
    throw err;
  }
  const { ingestor, poller, processMetrics } = app;
  const openLedgerRef = app.ledger;
  log.info('serving', { url: `${server.url}/metrics`, stateDirs: stateDirs.join(','), dataDir: openLedgerRef.file, demo });

  // Ingestion: now, on every interval, and shortly after file changes.
  const watchers = new Map<string, fs.FSWatcher>();
  let debounce: NodeJS.Timeout | null = null;
  const kick = () => {
    if (debounce) return;
    debounce = setTimeout(() => {
      debounce = null;
      void runCycle();
    }, 250);
  };
  const refreshWatchers = () => {
    if (!values.watch) return;
    const wanted = new Set<string>();
    for (const s of sourcesFor(stateDirs)) for (const p of s.watchPaths?.() ?? []) wanted.add(p);
    for (const d of stateDirs) wanted.add(path.join(d, 'agents'));
    for (const p of wanted) {
      if (watchers.has(p)) continue;
      try {
        const w = fs.watch(p, { persistent: false }, kick);
        w.on('error', () => {
          w.close();
          watchers.delete(p);
        });
        watchers.set(p, w);
      } catch {
        // Not there (yet) or not watchable: the poll covers it.
      }
    }
  };
  let stopped = false;
  const runCycle = async () => {
    if (stopped) return;
    try {
      const s = await ingestor.trigger();
      if (s.result !== 'ok' && !s.interrupted) {
        log.limited(`cycle\u0000${s.failures.join('|')}`, 'warn', `ingest cycle ${s.result}`, { failures: s.failures.join('; ') });
      }
      refreshWatchers();
    } catch (err) {
      log.error('ingest cycle failed', { error: (err as Error).message });
    }
  };
  const timer = setInterval(() => void runCycle(), intervalS * 1000);
  void runCycle();
  poller?.start();

  return {
    url: server.url,
    demo,
    log,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (debounce) clearTimeout(debounce);
      for (const w of watchers.values()) w.close();
      await poller?.stop();
      await ingestor.stop(); // the running cycle commits what it read, at its next batch boundary
      await server.close();
      processMetrics.stop();
      openLedgerRef.close();
      removeDemo();
      process.off('exit', removeDemo);
    },
  };
}

interface App {
  ledger: Ledger;
  ingestor: Ingestor;
  renderer: MetricsRenderer;
  poller: QuotaPoller | null;
  processMetrics: ProcessMetrics;
}

/** The ingest pipeline and the metrics renderer over one open ledger. */
function assemble(
  ledger: Ledger,
  stateDirs: string[],
  o: { demo: boolean; usage: UsageSettings; log: Logger; maxSeries: number; showAccountEmails: boolean },
): App {
  // Live quota polling reads OAuth tokens: opt-in, and never on demo data.
  if (o.usage.poll && o.demo) o.log.warn('--poll-quota ignored in DEMO mode');
  let ingestor: Ingestor | null = null;
  const poller =
    o.usage.poll && !o.demo
      ? new QuotaPoller({ stateDirs: () => stateDirs, ...o.usage.poll, log: o.log, onUpdate: () => void ingestor?.trigger() })
      : null;
  ingestor = createIngestor(ledger, () => stateDirs, {
    log: o.log,
    usage: o.usage,
    extraSources: () => (poller ? [poller.source()] : []),
  });
  const processMetrics = new ProcessMetrics();
  processMetrics.start();
  const renderer = new MetricsRenderer(ledger, ingestor.stats, {
    version: version(),
    demo: o.demo,
    showAccountEmails: o.showAccountEmails,
    maxSeries: o.maxSeries,
    processMetrics,
  });
  return { ledger, ingestor, renderer, poller, processMetrics };
}
