/**
 * What the ingest cycle stages for the trace export next to each batch's calls:
 * span facts of the calls, tool results (compact records of toolResult lines,
 * src/parse/tool-result.ts) and, only when a captureContent sub-key is on, the
 * matching content, bounded and redacted (content-capture.ts). Committed with the
 * calls in one transaction (CommitBatch.spans, .toolResults, .content).
 */
import type { ContentFact, ParsedCall, SpanFact, ToolResultFact, TranscriptContext, TranscriptRecord } from '../model.js';
import { sessionHashOf, spanFactOf, toolResultFactOf } from '../parse/span-facts.js';
import { parseToolResultRecord } from '../parse/tool-result.js';
import { callContent, toolOutputContent, type CaptureSwitches } from './content-capture.js';

export class SpanStaging {
  private spans: SpanFact[] = [];
  private tools: ToolResultFact[] = [];
  private content: ContentFact[] = [];

  constructor(private readonly capture: CaptureSwitches | undefined) {}

  /** A record that parsed as a call. */
  call(rec: TranscriptRecord, call: ParsedCall, ctx: TranscriptContext): void {
    this.spans.push(spanFactOf(rec.text, call, ctx));
    if (this.capture && (this.capture.outputMessages || this.capture.toolInputs)) this.content.push(...callContent(rec, call, sessionHashOf(ctx), this.capture));
  }

  /** A compact toolResult record: staged and true; any other record: false. */
  toolResult(rec: TranscriptRecord, ctx: TranscriptContext): boolean {
    const r = parseToolResultRecord(rec.text);
    if (!r) return false;
    const fact = toolResultFactOf(r, ctx);
    this.tools.push(fact);
    if (this.capture?.toolOutputs && r.outputRaw) this.content.push(toolOutputContent(fact.key, r.outputRaw));
    return true;
  }

  /** Everything staged, emptied. */
  take(): { spans: SpanFact[]; toolResults: ToolResultFact[]; content: ContentFact[] } {
    const out = { spans: this.spans, toolResults: this.tools, content: this.content };
    this.spans = [];
    this.tools = [];
    this.content = [];
    return out;
  }

  clear(): void {
    this.take();
  }
}
