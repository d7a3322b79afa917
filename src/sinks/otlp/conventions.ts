/**
 * OpenClaw's diagnostics-otel conventions as they apply to the metric model's
 * families: how a label becomes an attribute (`provider` is `openclaw.provider`,
 * an error `category` is `openclaw.errorCategory`), how a table unit reads in UCUM,
 * and the doc's GenAI instruments that are other views of a table row (same
 * points, another name, attribute set or unit). The primary
 * OTel name of each row stays in src/metrics/table.ts; only these derived views
 * are named here, because they exist only on the OTLP surface.
 */
import type { MetricDef, MetricUnit } from '../../metrics/table.js';
import { METRICS } from '../../metrics/table.js';

/** Semantic-convention names used (copied, as @opentelemetry/semantic-conventions asks for incubating GenAI names). */
export const GEN_AI = {
  providerName: 'gen_ai.provider.name',
  system: 'gen_ai.system',
  operationName: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  tokenType: 'gen_ai.token.type',
  tokenUsage: 'gen_ai.client.token.usage',
  usageInput: 'gen_ai.usage.input_tokens',
  usageOutput: 'gen_ai.usage.output_tokens',
  usageCacheRead: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheWrite: 'gen_ai.usage.cache_creation.input_tokens',
  toolName: 'gen_ai.tool.name',
  operationDuration: 'gen_ai.client.operation.duration',
  errorType: 'error.type',
} as const;

export const UCUM: Record<MetricUnit, string> = { '1': '1', tokens: '{token}', USD: 'USD', seconds: 's', ms: 'ms', bytes: 'By' };

/** Label renames that differ from the default `openclaw.<label>` (or `clawmeter.<label>` on clawmeter's own families). */
const RENAME: Record<string, string> = {
  category: 'openclaw.errorCategory',
  reason: 'openclaw.reason',
  chat_type: 'openclaw.chatType',
  state_dir: 'clawmeter.state_dir',
};

/** The attribute name of a family's label. */
export function attributeOf(def: MetricDef, label: string): string {
  if (def === METRICS.usageTokens && label === 'type') return 'openclaw.token';
  if (def.group === 'self') return `clawmeter.${label}`;
  return RENAME[label] ?? `openclaw.${label}`;
}

/**
 * GenAI metrics always carry the bounded semantic attributes (never gen_ai.system):
 * provider and model from the row, operation `chat`.
 */
export function genAiAttributes(labels: Record<string, string>): Record<string, string> {
  return { [GEN_AI.providerName]: labels.provider ?? 'unknown', [GEN_AI.operationName]: 'chat', [GEN_AI.requestModel]: labels.model ?? 'unknown' };
}
