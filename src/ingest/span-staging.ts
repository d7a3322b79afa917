/**
 * What the ingest cycle stages for the trace export next to each batch's calls:
 * span facts of the calls, tool results (records of toolResult lines the sources
 * read, src/parse/tool-result.ts) and, only when a captureContent sub-key is on, the
 * matching content, bounded and redacted (content-capture.ts). Committed with the
 * calls in one transaction (CommitBatch.spans, .toolResults, .content).
 */
import type { ContentFact, ParsedCall, SpanFact, ToolResultFact, TranscriptContext, TranscriptRecord } from '../model.js';
import { wholeText } from '../parse/candidate.js';
import { sessionHashOf, spanFactOf, toolResultFactOf } from '../parse/span-facts.js';
import { readToolResult } from '../parse/tool-result.js';
import type { CallIds } from '../parse/transcript-line.js';
import { callContent, toolOutputContent, type CaptureSwitches } from './content-capture.js';

export class SpanStaging {
  private spans: SpanFact[] = [];
  private tools: ToolResultFact[] = [];
  private content: ContentFact[] = [];

  constructor(private readonly capture: CaptureSwitches | undefined) {}

  /** A record that parsed as a call, with the message ids the parser read. */
  call(rec: TranscriptRecord, call: ParsedCall, ids: CallIds, ctx: TranscriptContext): void {
    this.spans.push(spanFactOf(ids, call, ctx));
    if (this.capture && (this.capture.outputMessages || this.capture.toolInputs)) this.content.push(...callContent(rec, call, sessionHashOf(ctx), this.capture));
  }

  /** A toolResult record (TranscriptRecord.toolResult): staged and true; any other record: false. */
  toolResult(rec: TranscriptRecord, ctx: TranscriptContext): boolean {
    const r = rec.toolResult;
    if (r === undefined) return false;
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
    const head = rec.bytes ? rec.bytes.toString('latin1', 0, 320) : (rec.text ?? '').slice(0, 320);
    if (!head.includes('"role":"toolResult"')) return;
    const line = rec.bytes && !rec.full ? rec.bytes : Buffer.from(wholeText(rec));
    const r = readToolResult(line, 0, line.length, this.capture?.toolOutputs === true);
    if (r) this.toolResult({ pos: rec.pos, toolResult: r }, ctx);
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
