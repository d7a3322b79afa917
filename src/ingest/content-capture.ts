/**
 * Opt-in content capture for span export (otel.captureContent sub-keys), applied at
 * ingest because the ledger keeps no transcript text otherwise:
 *
 * - outputMessages: an assistant call's text blocks (the model's response);
 * - toolInputs: the arguments of each tool call the assistant made;
 * - toolOutputs: the head of a tool result's first text block.
 *
 * Each is cut to MAX_BODY characters and redacted exactly like log bodies
 * (emails hashed, token-shaped strings and key=/token= values replaced), and only
 * ever produced when its sub-key is true. User prompts (inputMessages) and the
 * system prompt (systemPrompt) are not available: the sources never pass user
 * lines on, and transcripts hold no assembled system prompt.
 */
import type { ContentFact, ParsedCall, TranscriptRecord } from '../model.js';
import { redactedBody } from '../labeling/log-redaction.js';
import { toolKeyOf } from '../parse/span-facts.js';
import { toolOutputText } from '../parse/tool-result.js';

export interface CaptureSwitches {
  outputMessages: boolean;
  toolInputs: boolean;
  toolOutputs: boolean;
}

/** True when any switch would capture something. */
export function capturesAny(c: CaptureSwitches | undefined): c is CaptureSwitches {
  return Boolean(c && (c.outputMessages || c.toolInputs || c.toolOutputs));
}

/** The tool output prefix a compact tool-result record kept (still JSON-escaped), decoded, bounded, redacted. */
export function toolOutputContent(toolKey: string, raw: string): ContentFact {
  return { key: toolKey, kind: 'tool_outputs', text: redactedBody(toolOutputText(raw)) };
}

/** The response text and tool arguments of a call's line, as the switches allow (the whole line is decoded: opt-in cost). */
export function callContent(rec: TranscriptRecord, call: ParsedCall, sessionHash: string, c: CaptureSwitches): ContentFact[] {
  let blocks: unknown;
  try {
    blocks = (JSON.parse(rec.full ? rec.full() : rec.text) as { message?: { content?: unknown } }).message?.content;
  } catch {
    return [];
  }
  if (!Array.isArray(blocks)) return [];
  const out: ContentFact[] = [];
  const texts: string[] = [];
  for (const b of blocks as Array<Record<string, unknown> | null>) {
    if (!b || typeof b !== 'object') continue;
    if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    if (c.toolInputs && b.type === 'toolCall' && typeof b.id === 'string' && b.id) {
      out.push({ key: toolKeyOf(sessionHash, b.id.slice(0, 256)), kind: 'tool_inputs', text: redactedBody(JSON.stringify(b.arguments ?? {})) });
    }
  }
  const text = texts.join('\n');
  if (c.outputMessages && text) out.push({ key: call.dedupeKey, kind: 'output_messages', text: redactedBody(text) });
  return out;
}
