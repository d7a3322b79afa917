/**
 * An OpenTelemetry MetricProducer over the neutral metric model: on every
 * collection it asks the MetricsCollector for its guarded, privacy-applied
 * families and writes each row that has an OTel name as OTLP data, cumulative
 * with the family's true start time (the ledger's first call, or the process
 * start for clawmeter's own), so a collector that missed exports gets the full
 * totals on the next one. A producer (not SDK instruments) because the SDK's
 * instruments cannot carry a start time in the past (ecosystem notes §2.3).
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { MetricsCollector } from '../../metrics/collector.js';
import { isHistogram, type HistogramPoint, type MetricFamily, type NumberPoint } from '../../metrics/points.js';
import { METRICS, type MetricDef } from '../../metrics/table.js';
import { GEN_AI, UCUM, attributeOf, genAiAttributes } from './conventions.js';

export const SCOPE = { name: 'clawmeter' };

/** Labels as attributes; an empty error category (a call that did not fail) is no attribute, as in the doc. */
function attrs(def: MetricDef, labels: Record<string, string>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(labels)) if (v !== '' || k !== 'category') out[attributeOf(def, k)] = v;
  return out;
}

function histogramValue(p: HistogramPoint, scale = 1) {
  return { buckets: { boundaries: p.bounds.map((b) => b * scale), counts: [...p.counts] }, sum: p.sum * scale, count: p.count };
}

interface Times {
  start: HrTime;
  end: HrTime;
}

function descriptor(name: string, def: MetricDef, unit = UCUM[def.unit]) {
  return { name, description: def.help, unit, valueType: ValueType.DOUBLE };
}

/** One family as OTLP metric data under its table OTel name (plus the doc's derived views of it). */
export function familyData(f: MetricFamily, nowMs: number): MetricData[] {
  const def = f.def;
  if (!def.otel) return [];
  const t: Times = { start: millisToHrTime(f.startMs ?? nowMs), end: millisToHrTime(nowMs) };
  if (def.type === 'gauge') {
    const dataPoints = (f.points as NumberPoint[]).map((p) => ({ startTime: t.end, endTime: t.end, attributes: attrs(def, p.labels), value: p.value }));
    return [{ descriptor: descriptor(def.otel, def), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints }];
  }
  if (def.type === 'counter') {
    const dataPoints = (f.points as NumberPoint[]).map((p) => ({ startTime: t.start, endTime: t.end, attributes: attrs(def, p.labels), value: p.value }));
    const out: MetricData[] = [
      { descriptor: descriptor(def.otel, def), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints },
    ];
    return out;
  }
  const hist = f.points.filter(isHistogram);
  // A table row in seconds whose OTel name is in ms (the doc's `*.duration_ms`) is sent in ms.
  const ms = def.unit === 'seconds' && def.otel.endsWith('_ms');
  const out: MetricData[] = [
    {
      descriptor: descriptor(def.otel, def, ms ? 'ms' : UCUM[def.unit]),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: hist.map((p) => ({ startTime: t.start, endTime: t.end, attributes: attrs(def, p.labels), value: histogramValue(p, ms ? 1000 : 1) })),
    },
  ];
  if (def === METRICS.usageCallDurationByCategory) {
    // gen_ai.client.operation.duration: the same latencies in seconds with the GenAI attributes (error.type on failed calls)
    out.push({
      descriptor: { ...descriptor(GEN_AI.operationDuration, def), description: 'GenAI operation duration (model call latency)' },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: hist.map((p) => ({
        startTime: t.start,
        endTime: t.end,
        attributes: { ...genAiAttributes(p.labels), ...(p.labels.category ? { [GEN_AI.errorType]: p.labels.category } : {}) },
        value: histogramValue(p),
      })),
    });
  }
  return out;
}

/**
 * gen_ai.client.token.usage from the token and call-count rows: per provider, model
 * and GenAI token type (input = non-cached input + cache reads + cache writes, as the
 * semantic conventions count it; output), the sum of tokens and the number of calls.
 * The ledger keeps totals, not per-call token sizes, so the histogram has one bucket
 * (count and sum exact, no distribution).
 */
export function tokenUsageData(families: MetricFamily[], nowMs: number): MetricData[] {
  const tokens = families.find((f) => f.def === METRICS.usageTokens);
  if (!tokens) return [];
  const calls = new Map<string, number>();
  for (const f of families) {
    if (f.def !== METRICS.usageMessages && f.def !== METRICS.usageErrors) continue;
    for (const p of f.points as NumberPoint[]) {
      const k = `${p.labels.provider}\u0000${p.labels.model}`;
      calls.set(k, (calls.get(k) ?? 0) + p.value);
    }
  }
  const sums = new Map<string, { labels: Record<string, string>; type: 'input' | 'output'; sum: number }>();
  for (const p of tokens.points as NumberPoint[]) {
    const type = p.labels.type === 'output' ? 'output' : 'input';
    const k = `${p.labels.provider}\u0000${p.labels.model}\u0000${type}`;
    const e = sums.get(k) ?? { labels: p.labels, type, sum: 0 };
    e.sum += p.value;
    sums.set(k, e);
  }
  const start = millisToHrTime(tokens.startMs ?? nowMs);
  const end = millisToHrTime(nowMs);
  const dataPoints = [...sums.values()].map((e) => {
    const count = calls.get(`${e.labels.provider}\u0000${e.labels.model}`) ?? 0;
    return {
      startTime: start,
      endTime: end,
      attributes: { ...genAiAttributes(e.labels), [GEN_AI.tokenType]: e.type },
      value: { buckets: { boundaries: [], counts: [count] }, sum: e.sum, count },
    };
  });
  return [
    {
      descriptor: { name: GEN_AI.tokenUsage, description: 'Tokens per model call (GenAI semantic conventions; input includes cache reads and writes)', unit: '{token}', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    },
  ];
}

export class ModelMetricProducer implements MetricProducer {
  constructor(
    private readonly collector: MetricsCollector,
    private readonly now: () => number = Date.now,
  ) {}

  async collect(): Promise<CollectionResult> {
    const nowMs = this.now();
    const domain = this.collector.domain();
    const self = this.collector.self(0);
    const metrics = [...domain, ...self].flatMap((f) => familyData(f, nowMs));
    metrics.push(...tokenUsageData(domain, nowMs));
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: SCOPE, metrics }] }, errors: [] };
  }
}
