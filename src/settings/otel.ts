/**
 * The OTLP export settings in the form the OTLP sink takes, with OpenClaw's
 * diagnostics-otel precedence for endpoints applied in this one place:
 *
 *   signal endpoint = otel.<signal>Endpoint (flag or config key)
 *                   > OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT
 *                   > the shared endpoint (OTEL_EXPORTER_OTLP_ENDPOINT > otel.endpoint),
 *                     with /v1/<signal> appended unless it already holds /v1/
 *
 * The spec (spec.ts) already applied flag > env > file for the other keys
 * (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS);
 * OTEL_SEMCONV_STABILITY_OPT_IN is read here. Bad env values are one-line
 * SettingsErrors naming the variable.
 */
import { otlpUrl, type SettingValues } from './spec.js';
import { SettingsError } from './types.js';

export type OtelSignal = 'traces' | 'metrics' | 'logs';
export const OTEL_SIGNALS: readonly OtelSignal[] = ['traces', 'metrics', 'logs'];

export interface OtelConfig {
  enabled: boolean;
  endpoints: Record<OtelSignal, string>;
  /** Which rule chose each endpoint (config check, tests, the start-up log line). */
  endpointOrigins: Record<OtelSignal, 'signal key' | 'signal env' | 'shared'>;
  /** Secret: never logged. */
  headers: Record<string, string>;
  serviceName: string;
  signals: Record<OtelSignal, boolean>;
  sampleRate: number;
  flushIntervalMs: number;
  /** OTEL_SEMCONV_STABILITY_OPT_IN holds gen_ai_latest_experimental: spans carry gen_ai.provider.name, not gen_ai.system. */
  genAiLatest: boolean;
  logFile: string | null;
  captureContent: { enabled: boolean; inputMessages: boolean; outputMessages: boolean; toolInputs: boolean; toolOutputs: boolean; systemPrompt: boolean };
}

type OtelValues = Partial<
  Pick<
    SettingValues,
    | 'otelEnabled'
    | 'otelEndpoint'
    | 'otelTracesEndpoint'
    | 'otelMetricsEndpoint'
    | 'otelLogsEndpoint'
    | 'otelServiceName'
    | 'otelHeaders'
    | 'otelTraces'
    | 'otelMetrics'
    | 'otelLogs'
    | 'otelSampleRate'
    | 'otelFlushIntervalMs'
    | 'otelLogFile'
    | 'otelCaptureContent'
    | 'otelCaptureInput'
    | 'otelCaptureOutput'
    | 'otelCaptureToolInputs'
    | 'otelCaptureToolOutputs'
    | 'otelCaptureSystemPrompt'
  >
>;

const SIGNAL_KEY = { traces: 'otelTracesEndpoint', metrics: 'otelMetricsEndpoint', logs: 'otelLogsEndpoint' } as const;

/** The shared endpoint for one signal: as is when it already names a /v1/ path, else base + /v1/<signal>. */
export function sharedEndpointFor(shared: string, signal: OtelSignal): string {
  if (/\/v1\//.test(new URL(shared).pathname)) return shared;
  return `${shared.replace(/\/+$/, '')}/v1/${signal}`;
}

/** NAME=VALUE items (each possibly "a=1,b=2") as a header map; names lower-cased as HTTP sends them. */
export function parseHeaders(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    for (const pair of item.split(',')) {
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      let value = pair.slice(i + 1).trim();
      try {
        value = decodeURIComponent(value);
      } catch {
        // not percent-encoded: keep as written
      }
      out[pair.slice(0, i).trim().toLowerCase()] = value;
    }
  }
  return out;
}

export function otelConfig(v: OtelValues, env: NodeJS.ProcessEnv = process.env): OtelConfig {
  const shared = v.otelEndpoint ?? 'http://localhost:4318';
  const endpoints = {} as Record<OtelSignal, string>;
  const endpointOrigins = {} as OtelConfig['endpointOrigins'];
  for (const s of OTEL_SIGNALS) {
    const key = v[SIGNAL_KEY[s]];
    const envName = `OTEL_EXPORTER_OTLP_${s.toUpperCase()}_ENDPOINT`;
    const envValue = env[envName];
    if (key) {
      endpoints[s] = key;
      endpointOrigins[s] = 'signal key';
    } else if (envValue) {
      const bad = otlpUrl(envValue);
      if (bad) throw new SettingsError(`${envName}=${envValue}: ${bad}`);
      endpoints[s] = envValue;
      endpointOrigins[s] = 'signal env';
    } else {
      endpoints[s] = sharedEndpointFor(shared, s);
      endpointOrigins[s] = 'shared';
    }
  }
  const optIn = (env.OTEL_SEMCONV_STABILITY_OPT_IN ?? '').split(',').map((x) => x.trim());
  return {
    enabled: Boolean(v.otelEnabled),
    endpoints,
    endpointOrigins,
    headers: parseHeaders(v.otelHeaders ?? []),
    serviceName: v.otelServiceName ?? 'clawmeter',
    signals: { traces: v.otelTraces ?? true, metrics: v.otelMetrics ?? true, logs: v.otelLogs ?? true },
    sampleRate: v.otelSampleRate ?? 1,
    flushIntervalMs: v.otelFlushIntervalMs ?? 60_000,
    genAiLatest: optIn.includes('gen_ai_latest_experimental'),
    logFile: v.otelLogFile ?? null,
    captureContent: {
      enabled: Boolean(v.otelCaptureContent),
      inputMessages: Boolean(v.otelCaptureInput),
      outputMessages: Boolean(v.otelCaptureOutput),
      toolInputs: Boolean(v.otelCaptureToolInputs),
      toolOutputs: Boolean(v.otelCaptureToolOutputs),
      systemPrompt: Boolean(v.otelCaptureSystemPrompt),
    },
  };
}
