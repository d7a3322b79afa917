/**
 * What the ingest cycle stages for the trace export next to each batch's calls:
 * span facts of the calls, tool results (compact records of toolResult lines,
 * src/parse/tool-result.ts) and, only when a captureContent sub-key is on, the
 * matching content, bounded and redacted (content-capture.ts). Committed with the
 * calls in one transaction (CommitBatch.spans, .toolResults, .content).
 */
import type { ContentFact, ParsedCall, SpanFact, ToolResultFact, TranscriptContext, TranscriptRecord } from '../model.js';
import { sessionHashOf, spanFactOf, toolResultFactOf } from '../parse/span-facts.js';
import { COMPACT_TOOL_RESULT, parseToolResultRecord, readToolResult } from '../parse/tool-result.js';
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

  /**
   * A line the call parser ignored that is a tool result after all (its output named
   * "assistant", so the sources passed it on as a possible call): staged like one.
   */
  ignored(rec: TranscriptRecord, ctx: TranscriptContext): void {
    if (!rec.text.slice(0, 320).includes('"role":"toolResult"')) return;
    const line = Buffer.from(rec.full ? rec.full() : rec.text);
    const r = readToolResult(line, 0, line.length);
    if (r) this.toolResult({ text: JSON.stringify({ type: COMPACT_TOOL_RESULT, ...r }), pos: rec.pos }, ctx);
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
