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
import { parseListen, startServer } from '../sinks/http/server.js';
import { discoverStateDirs } from '../sources/discover.js';
import { sourcesFor } from '../sources/index.js';
import { Logger } from '../util/log.js';
import { generateStateDir } from '../demo/generate.js';
import {
  HISTORY_OPTIONS,
  UsageError,
  checkStateDirs,
  defaultDataDir,
  logLevel,
  parse,
  positiveNumber,
  usableDataDir,
} from './args.js';
import { version } from './version.js';
import { USAGE_HELP, USAGE_OPTIONS, resolveUsageOptions } from '../quota/cli-options.js';
import { QuotaPoller } from '../quota/poller.js';

export const SERVE_HELP = `Usage: clawmeter serve [options]

Ingest OpenClaw history into the ledger in the background and serve Prometheus
metrics at http://HOST:PORT/metrics.

Options:
  --state-dir DIR        OpenClaw state directory (repeatable). Default: discovered from
                         OPENCLAW_STATE_DIR, OPENCLAW_HOME, ~/.openclaw, ~/.openclaw-<profile>, ~/.clawdbot
  --data-dir DIR         where the ledger lives (default: $XDG_STATE_HOME/clawmeter or ~/.local/state/clawmeter)
  --listen HOST:PORT     address to listen on (default 127.0.0.1:9099; METRICS_PORT sets the port)
  --interval SECONDS     poll interval besides file watching (default 5; CACHE_SEC sets it too)
  --demo                 serve generated demo data from a temporary folder (labelled DEMO everywhere)
  --show-account-emails  put account emails in labels instead of a short hash
  --max-series N         cap on exported domain samples per scrape (default 2000)
  --no-watch             poll only, do not watch files
  --log-level LEVEL      debug, info, warn, error or silent (default info)
${USAGE_HELP}  -h, --help             show this help
`;

export interface ServeHandle {
  url: string;
  demo: boolean;
  stop(): Promise<void>;
}

export async function serve(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeHandle | null> {
  const { values } = parse(argv, {
    ...HISTORY_OPTIONS,
    listen: { type: 'string' },
    interval: { type: 'string' },
    demo: { type: 'boolean' },
    'show-account-emails': { type: 'boolean' },
    'max-series': { type: 'string' },
    'no-watch': { type: 'boolean' },
    ...USAGE_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return null;
  }
  const log = new Logger(logLevel(values['log-level']));
  const defaultPort = env.METRICS_PORT ?? '9099';
  const listenRaw = values.listen ?? `127.0.0.1:${defaultPort}`;
  const listen = parseListen(listenRaw);
  if (!listen) throw new UsageError(`--listen ${listenRaw}: expected HOST:PORT`);
  const cacheSec = env.CACHE_SEC !== undefined && Number(env.CACHE_SEC) > 0 ? Number(env.CACHE_SEC) : 5;
  const intervalS = positiveNumber('interval', values.interval, cacheSec);
  const maxSeries = positiveNumber('max-series', values['max-series'], 2000);
  const flags = values['state-dir'] ?? [];
  checkStateDirs(flags);
  const usage = resolveUsageOptions(values, env);

  let demo = Boolean(values.demo);
  let stateDirs: string[] = [];
  let dataDir: string;
  let demoRoot: string | null = null;
  if (!demo) {
    const found = discoverStateDirs({ flags, env });
    stateDirs = found.stateDirs;
    if (stateDirs.length === 0 && found.origin !== 'flag') {
      log.warn('no OpenClaw state directory found; serving DEMO data instead', { looked: found.looked.join(', ') });
      demo = true;
    } else if (stateDirs.length === 0) {
      throw new UsageError(`no state directory to read`);
    }
  }
  if (demo) {
    demoRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'clawmeter-demo-'));
    const stateDir = path.join(demoRoot, 'state');
    const truth = generateStateDir({ dir: stateDir, seed: 42, nowMs: Date.now(), junk: false });
    stateDirs = [stateDir];
    // Demo data never goes into the real ledger.
    dataDir = usableDataDir(path.join(demoRoot, 'data'));
    log.warn('DEMO mode: generated state directory', { dir: stateDir, calls: truth.calls });
  } else {
    dataDir = usableDataDir(values['data-dir'] ?? defaultDataDir(env));
  }

  let ledger: Ledger;
  try {
    ledger = Ledger.open(dataDir);
  } catch (err) {
    throw new UsageError(`--data-dir ${dataDir}: cannot open ledger (${(err as Error).message})`);
  }
  // Live quota polling reads OAuth tokens: opt-in, and never on demo data.
  if (usage.poll && demo) log.warn('--poll-quota ignored in DEMO mode');
  const poller =
    usage.poll && !demo
      ? new QuotaPoller({ stateDirs: () => stateDirs, ...usage.poll, log, onUpdate: () => void runCycle() })
      : null;
  const ingestor = createIngestor(ledger, () => stateDirs, {
    log,
    usage,
    extraSources: () => (poller ? [poller.source()] : []),
  });
  const renderer = new MetricsRenderer(ledger, ingestor.stats, {
    version: version(),
    demo,
    showAccountEmails: Boolean(values['show-account-emails']),
    maxSeries,
  });
  const server = await startServer(
    {
      renderMetrics: () => renderer.render(),
        readiness: () => ingestor.stats.readiness(),
      status: () => ({
        demo,
        stateDirs,
        dataDir,
        version: version(),
        calls: ledger.callCount(),
        lastIngestMs: ingestor.stats.lastSuccessMs,
      }),
    },
    listen.host,
    listen.port,
  ).catch((err: NodeJS.ErrnoException) => {
    ledger.close();
    throw new UsageError(`--listen ${listenRaw}: cannot listen (${err.code ?? err.message})`);
  });
  log.info('serving', { url: `${server.url}/metrics`, stateDirs: stateDirs.join(','), dataDir, demo });

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
    if (values['no-watch']) return;
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
      await ingestor.trigger();
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
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (debounce) clearTimeout(debounce);
      for (const w of watchers.values()) w.close();
      await poller?.stop();
      await ingestor.whenIdle();
      await server.close();
      ledger.close();
      if (demoRoot) fs.rmSync(demoRoot, { recursive: true, force: true });
    },
  };
}
