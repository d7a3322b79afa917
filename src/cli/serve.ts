/**
 * `clawmeter serve`: background ingestion (file watching plus a poll every
 * --interval) into the ledger, and the HTTP endpoint that renders the ledger's
 * last state. Scrapes never wait for ingestion.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ledger } from '../ledger/ledger.js';
import { createIngestor } from '../ingest/pipeline.js';
import type { CaptureSwitches } from '../ingest/content-capture.js';
import { MetricsRenderer } from '../sinks/prometheus/render.js';
import { ProcessMetrics } from '../metrics/process.js';
import { isLoopbackHost, parseListen, startServer } from '../sinks/http/server.js';
import type { LoadedWebConfig } from './web-config-file.js';
import type { Logger } from '../util/log.js';
import { EXIT_HELP, UsageError, defaultDataDir, loggerFrom, resolveStateDirs, usableDataDir } from './args.js';
import { resolveSettings } from '../settings/resolve.js';
import { optionsHelp } from '../settings/help.js';
import { usageSettings, type UsageSettings } from '../settings/usage.js';
import { openLedger } from './open-ledger.js';
import { Components } from './components.js';
import { IngestLoop } from './ingest-loop.js';
import type { Ingestor } from '../ingest/cycle.js';
import { version } from './version.js';
import { QuotaPoller } from '../sources/quota-poller.js';
import { otelConfig } from '../settings/otel.js';
import { LedgerQuery } from '../query/index.js';
import { healthOf } from '../query/health.js';
import { localZone } from './zone.js';

export const SERVE_HELP = `Usage: clawmeter serve [options]

Ingest OpenClaw history into the ledger in the background and serve Prometheus
metrics at http://HOST:PORT/metrics.

Options:
${optionsHelp('serve')}
Endpoints: /metrics, /healthz (liveness), /readyz (503 until the first full ingest cycle, while a
source is down and while the ledger cannot be written, with the reasons), / (the dashboard), /api/v1/ (its JSON API, docs/api.md), /about.

${EXIT_HELP}`;

export interface ServeHandle {
  url: string;
  demo: boolean;
  log: Logger;
  /** Re-reads --web.config.file now (for a reload signal; the file is also polled every 3 s). */
  reloadWebConfig(): void;
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
  const otel = otelConfig(values, env);
  const webFile = values.webConfigFile ?? undefined;
  let web: LoadedWebConfig | null = null;
  // Loaded only when used, like the demo generator and the OTLP export (start-up time, main.ts).
  let webConfigFile: typeof import('./web-config-file.js') | null = null;
  if (webFile !== undefined) {
    webConfigFile = await import('./web-config-file.js');
    try {
      web = webConfigFile.loadWebConfig(webFile);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    for (const w of web.warnings) log.warn(`web config: ${w}`);
  }
  if (!isLoopbackHost(listen.host) && !(web && Object.keys(web.config.users).length > 0)) {
    log.warn('listening on a non-loopback address without authentication: anyone who can reach it can read the metrics', {
      listen: listenRaw,
      hint: 'set basic_auth_users (and tls_server_config) in --web.config.file, or restrict access in the network',
    });
  } else if (!isLoopbackHost(listen.host) && web && !web.config.tls) {
    log.warn('basic auth without TLS on a non-loopback address: passwords cross the network in clear', { listen: listenRaw });
  }

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
  const instance = randomUUID();
  const emptyHealth = { ready: false, reasons: ['starting'], ingesting: true, cyclesCompleted: 0, lastIngestMs: null, filesRead: 0, bytesRead: 0, callsInserted: 0, sources: [], ledger: null };
  const server = await startServer(
    {
      api: {
        query: () => (app ? (query ??= new LedgerQuery(app.ledger)) : null),
        health: () => (app ? healthOf(app.ingestor.stats) : emptyHealth),
        demo,
        version: version(),
        tz: localZone(env),
        window: usage.windows[0] ?? { name: '5h', ms: 5 * 3_600_000 },
        instance,
      },
      onError: (what, err) => log.limited(`http\u0000${what}`, 'warn', what, { error: err.message }),
      renderMetrics: (format) => {
        if (!app) throw new Error('starting');
        return app.renderer.render(format);
      },
      metricsVersion: () => (app ? `${app.ledger.version}:${app.ingestor.stats.durationCount}` : 'starting'),
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
    { web: web?.config ?? null },
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
      const { generateStateDir } = await import('../demo/generate.js');
      const truth = generateStateDir({ dir: stateDir, seed: 42, nowMs: Date.now(), junk: false });
      stateDirs = [stateDir];
      // Demo data never goes into the real ledger.
      ledger = openLedger(usableDataDir(path.join(demoRoot, 'data')), log);
      log.warn('DEMO mode: generated state directory', { dir: stateDir, calls: truth.calls });
    }
    // Content for span export is kept only while span export is on and the matching sub-key is true.
    const capture = otel.enabled && otel.signals.traces && !demo ? otel.captureContent : undefined;
    app = assemble(ledger!, stateDirs, { demo, usage, log, maxSeries, showAccountEmails: Boolean(values.showAccountEmails), capture });
  } catch (err) {
    ledger?.close();
    await server.close();
    removeDemo();
    throw err;
  }
  const { ingestor, poller, processMetrics } = app;
  const openLedgerRef = app.ledger;
  // `clawmeter statusline` asks a running serve over plain HTTP (no TLS, no password) instead of opening SQLite.
  if (!demo && !server.tls && !(web && Object.keys(web.config.users).length > 0)) openLedgerRef.advertise({ url: localUrl(server.url), instance });
  // Components start in this order and shut down in reverse: the inputs (poller,
  // ingest loop) stop first, then the sinks, then the ledger closes.
  const parts = new Components(log);
  await parts.add({ name: 'demo', shutdown: () => { removeDemo(); process.off('exit', removeDemo); } });
  await parts.add({ name: 'ledger', shutdown: () => openLedgerRef.close() });
  await parts.add({ name: 'http', shutdown: () => server.close() });
  await parts.add({ name: 'process-metrics', shutdown: () => processMetrics.stop() });
  if (otel.enabled) {
    // The OpenTelemetry SDK is loaded only when OTLP export is on (main.ts: start-up time).
    const { startOtlp } = await import('./otlp.js');
    const otlp = startOtlp(otel, { ledger: openLedgerRef, stats: ingestor.stats, processMetrics, log, demo, showAccountEmails: Boolean(values.showAccountEmails) });
    await parts.add({ name: 'otlp', shutdown: () => otlp.shutdown() }); // sends what is pending while the ledger is open
  }
  const webWatch =
    webFile !== undefined && web && webConfigFile
      ? webConfigFile.watchWebConfig(webFile, web, (next) => {
          const note = server.applyWebConfig(next.config);
          for (const w of next.warnings) log.warn(`web config: ${w}`);
          log.info('web config reloaded', { file: webFile, tls: server.tls, basicAuthUsers: Object.keys(next.config.users).length });
          if (note) log.warn(`web config: ${note}`);
        }, log)
      : null;
  if (webWatch) await parts.add({ name: 'web-config', shutdown: () => webWatch.stop() });
  log.info('serving', { url: `${server.url}/metrics`, stateDirs: stateDirs.join(','), dataDir: openLedgerRef.file, demo });
  await parts.add(new IngestLoop(ingestor, () => stateDirs, { intervalS, watch: Boolean(values.watch), log }));
  if (poller) await parts.add({ name: 'quota-poller', start: () => poller.start(), shutdown: () => poller.stop() });

  let stopping: Promise<void> | null = null;
  return {
    url: server.url,
    demo,
    log,
    reloadWebConfig: () => webWatch?.checkNow(true),
    stop: () => (stopping ??= parts.shutdown()),
  };
}

/** The server's URL as this machine reaches it: a wildcard address becomes loopback. */
function localUrl(url: string): string {
  return url.replace(/^http:\/\/0\.0\.0\.0:/, 'http://127.0.0.1:').replace(/^http:\/\/\[::\]:/, 'http://[::1]:');
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
  o: { demo: boolean; usage: UsageSettings; log: Logger; maxSeries: number; showAccountEmails: boolean; capture?: CaptureSwitches },
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
    capture: o.capture,
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
