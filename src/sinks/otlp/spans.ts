/**
 * A run as finished OpenTelemetry spans with historical timing, built directly as
 * ReadableSpans (the tracer API would stamp random ids and the current time):
 * `openclaw.run` (root, the turn), `openclaw.model.usage` (its token accounting)
 * and `openclaw.model.call` per call whose request time is known (start = request
 * time, end = response append time), `openclaw.tool.execution` per tool result
 * matched to the call that asked for it (runs.ts attachTools), with the
 * diagnostics-otel attributes. No raw ids: sessions, provider request ids and tool
 * call ids only as hashes; content only as captured under captureContent.
 */
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type SpanContext } from '@opentelemetry/api';
import { millisToHrTime, hrTimeDuration } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { SpanCallRow } from '../../ledger/spans.js';
import { GEN_AI } from './conventions.js';
import { spanIdOf, type Run } from './runs.js';

export interface SpanOptions {
  resource: Resource;
  scope: { name: string; version?: string };
  /** gen_ai.provider.name instead of gen_ai.system (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental) */
  genAiLatest: boolean;
  /**
   * Captured content (already bounded and redacted at ingest) for the kinds whose
   * captureContent sub-key is on; absent: no openclaw.content.* attribute at all.
   */
  content?: (key: string, kind: ContentKind) => string | null;
}

type ContentKind = 'output_messages' | 'tool_inputs' | 'tool_outputs';

function contentAttr(o: SpanOptions, key: string, kind: ContentKind): Attributes {
  const text = o.content?.(key, kind);
  return text ? { [`openclaw.content.${kind}`]: text } : {};
}

const startOf = (c: SpanCallRow) => (c.latencyMs !== null ? c.tsMs - c.latencyMs : null);

function outcomeOf(c: SpanCallRow): string {
  return c.stopReason === 'error' ? 'error' : c.stopReason === 'aborted' ? 'aborted' : 'ok';
}

function span(o: SpanOptions, name: string, kind: SpanKind, ctx: SpanContext, parent: SpanContext | undefined, startMs: number, endMs: number, attributes: Attributes, error: boolean): ReadableSpan {
  const startTime = millisToHrTime(startMs);
  const endTime = millisToHrTime(Math.max(startMs, endMs));
  return {
    name,
    kind,
    spanContext: () => ctx,
    parentSpanContext: parent,
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: error ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource: o.resource,
    instrumentationScope: o.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

export function runSpans(run: Run, o: SpanOptions): ReadableSpan[] {
  const calls = run.calls;
  const last = calls[calls.length - 1];
  const ctxOf = (spanId: string): SpanContext => ({ traceId: run.traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });
  const root = ctxOf(spanIdOf('run', run.key));
  const startMs = Math.min(...calls.map((c) => startOf(c) ?? c.tsMs));
  const endMs = Math.max(...calls.map((c) => c.tsMs));
  const system = o.genAiLatest ? GEN_AI.providerName : GEN_AI.system;
  const errored = calls.find((c) => c.errorCategory);
  const base = { 'openclaw.channel': last.channel, 'openclaw.provider': last.provider, 'openclaw.model': last.model };

  const out: ReadableSpan[] = [];
  out.push(
    span(o, 'openclaw.run', SpanKind.INTERNAL, root, undefined, startMs, endMs, {
      ...base,
      'openclaw.agent': last.agent,
      'openclaw.outcome': outcomeOf(last),
      ...(errored ? { 'openclaw.errorCategory': errored.errorCategory! } : {}),
      'openclaw.session.hash': last.sessionHash,
      'openclaw.run.model_calls': calls.length,
    }, Boolean(last.errorCategory)),
  );

  const t = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0 };
  for (const c of calls) {
    t.input += c.input;
    t.output += c.output;
    t.cacheRead += c.cacheRead;
    t.cacheWrite += c.cacheWrite;
    t.cost += c.costUsd ?? 0;
  }
  out.push(
    span(o, 'openclaw.model.usage', SpanKind.INTERNAL, ctxOf(spanIdOf('usage', run.key)), root, startMs, endMs, {
      ...base,
      'openclaw.tokens.input': t.input,
      'openclaw.tokens.output': t.output,
      'openclaw.tokens.cache_read': t.cacheRead,
      'openclaw.tokens.cache_write': t.cacheWrite,
      'openclaw.tokens.total': t.input + t.output + t.cacheRead + t.cacheWrite,
      'openclaw.cost.usd': Math.round(t.cost * 1e6) / 1e6,
      [system]: last.provider,
      [GEN_AI.requestModel]: last.model,
      [GEN_AI.operationName]: 'chat',
      // GenAI input counts cache reads and writes (semantic conventions)
      [GEN_AI.usageInput]: t.input + t.cacheRead + t.cacheWrite,
      [GEN_AI.usageOutput]: t.output,
      [GEN_AI.usageCacheRead]: t.cacheRead,
      [GEN_AI.usageCacheWrite]: t.cacheWrite,
    }, false),
  );

  for (const c of calls) {
    const s = startOf(c);
    if (s === null) continue; // request time unknown: no call span (the run and usage still count it)
    const attrs: Attributes = {
      [system]: c.provider,
      [GEN_AI.requestModel]: c.model,
      [GEN_AI.operationName]: 'chat',
      'openclaw.provider': c.provider,
      'openclaw.model': c.model,
      ...(c.api ? { 'openclaw.api': c.api } : {}),
      ...(c.errorCategory ? { 'openclaw.errorCategory': c.errorCategory } : {}),
      ...(c.requestIdHash ? { 'openclaw.provider.request_id_hash': c.requestIdHash } : {}),
      'openclaw.stopReason': c.stopReason,
      ...contentAttr(o, c.dedupeKey, 'output_messages'),
    };
    out.push(span(o, 'openclaw.model.call', SpanKind.CLIENT, ctxOf(spanIdOf('call', c.dedupeKey)), root, s, c.tsMs, attrs, Boolean(c.errorCategory)));
  }

  // Tool executions: from the call that asked for the tool (its response append time) to the result.
  for (const { call, result } of run.tools ?? []) {
    const parent = startOf(call) !== null ? ctxOf(spanIdOf('call', call.dedupeKey)) : root;
    const attrs: Attributes = {
      [GEN_AI.toolName]: result.toolName,
      'openclaw.toolName': result.toolName,
      [GEN_AI.operationName]: 'execute_tool',
      ...(result.isError ? { 'openclaw.errorCategory': 'tool_error' } : {}),
      ...contentAttr(o, result.key, 'tool_inputs'),
      ...contentAttr(o, result.key, 'tool_outputs'),
    };
    out.push(span(o, 'openclaw.tool.execution', SpanKind.INTERNAL, ctxOf(spanIdOf('tool', result.key)), parent, call.tsMs, result.tsMs, attrs, result.isError));
  }
  return out;
}
