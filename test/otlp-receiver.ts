/**
 * A local OTLP/HTTP receiver for tests, on 127.0.0.1 (port 0): accepts
 * POST /v1/{metrics,traces,logs} with application/x-protobuf and decodes each body
 * with the official OpenTelemetry .proto definitions (test/fixtures/otlp-proto),
 * keeping the raw bytes (for "no secret in any byte" checks), the headers and the
 * decoded request. It can answer 429 or 503 with Retry-After for the next N
 * requests, or stop listening ("down") and come back on the same port.
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { FIXTURES } from './helpers.js';

const PROTO_ROOT = path.join(FIXTURES, 'otlp-proto');

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
root.loadSync(
  ['collector/metrics/v1/metrics_service.proto', 'collector/trace/v1/trace_service.proto', 'collector/logs/v1/logs_service.proto'].map(
    (p) => `opentelemetry/proto/${p}`,
  ),
);
const TYPES = {
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
};

export type Signal = keyof typeof TYPES;

export interface Received {
  signal: Signal;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  /** decoded with longs as strings, enums as names, bytes as hex */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
}

function hexBytes(o: unknown): unknown {
  if (o instanceof Uint8Array) return Buffer.from(o).toString('hex');
  if (Array.isArray(o)) return o.map(hexBytes);
  if (o && typeof o === 'object') return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, hexBytes(v)]));
  return o;
}

export function decode(signal: Signal, raw: Buffer): unknown {
  const t = TYPES[signal];
  return hexBytes(t.toObject(t.decode(raw), { longs: String, enums: String, defaults: false, arrays: true }));
}

export class OtlpReceiver {
  readonly received: Received[] = [];
  /** every request, also refused ones */
  attempts = 0;
  private refuse: { status: number; retryAfter: string | null; left: number } | null = null;
  private delay: { ms: number; left: number } | null = null;
  /** called when a delayed request has arrived (before its answer) */
  onDelayed: (() => void) | null = null;
  private server: http.Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers the next `n` requests with `status` (and Retry-After when given). */
  refuseNext(n: number, status: 400 | 429 | 503, retryAfter: string | null = null): void {
    this.refuse = { status, retryAfter, left: n };
  }

  /** Answers the next `n` requests only after `ms` (the body is received and kept at once). */
  delayNext(n: number, ms: number): void {
    this.delay = { ms, left: n };
  }

  /** Stops listening (connections refused) until up(). */
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); });
  }

  async up(): Promise<void> {
    await this.start(this.port);
  }

  of(signal: Signal): Received[] {
    return this.received.filter((r) => r.signal === signal && r.status === 200);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.attempts++;
      const signal = /^\/v1\/(metrics|traces|logs)$/.exec(req.url ?? '')?.[1] as Signal | undefined;
      if (req.method !== 'POST' || !signal) {
        res.writeHead(404).end();
        return;
      }
      if (req.headers['content-type'] !== 'application/x-protobuf') {
        res.writeHead(415).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      if (this.refuse && this.refuse.left > 0) {
        this.refuse.left--;
        this.received.push({ signal, path: req.url!, headers: req.headers, raw, body: null, status: this.refuse.status });
        res.writeHead(this.refuse.status, this.refuse.retryAfter ? { 'retry-after': this.refuse.retryAfter } : {}).end();
        return;
      }
      let body: unknown;
      try {
        body = decode(signal, raw);
      } catch {
        res.writeHead(400).end();
        return;
      }
      this.received.push({ signal, path: req.url!, headers: req.headers, raw, body, status: 200 });
      const ok = () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      if (this.delay && this.delay.left > 0) {
        this.delay.left--;
        setTimeout(ok, this.delay.ms);
        this.onDelayed?.();
      } else ok();
    });
  }

  async close(): Promise<void> {
    await this.down();
  }
}

/** Attributes (OTLP KeyValue list) as a plain object. */
export function attrsOf(list: Array<{ key: string; value: Record<string, unknown> }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    out[kv.key] = v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? v;
  }
  return out;
}
