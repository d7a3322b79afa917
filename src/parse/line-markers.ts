/**
 * Which lines of a block of transcript bytes a source passes on, decided without a
 * search per line (issue 9): one `indexOf` of each marker serves every line up to
 * the next occurrence, so most lines are skipped after a newline search and a
 * comparison. A search per line would be quadratic in a block without any marker,
 * and a bounded search per line allocated a Buffer view for each line.
 *
 * - candidate: the line holds `"assistant"` (MODEL_CALL_MARKER: every assistant
 *   message line does) or starts as a custom_message (a turn that never reached a
 *   model, O(1) prefix test): the parser decides.
 * - toolResult: the line's first TOOL_RESULT_HEAD_BYTES hold `"role":"toolResult"`
 *   (src/parse/tool-result.ts reads its fields).
 *
 * One instance per block; lines must be asked about in increasing order.
 */
import { MODEL_CALL_MARKER, isCustomMessage } from './transcript-line.js';
import { TOOL_RESULT_HEAD_BYTES, TOOL_RESULT_ROLE } from './tool-result.js';

export class LineMarkers {
  /** Next occurrence at or after the last line asked about; -2: not searched yet, -1: none left. */
  private nextCall = -2;
  private nextTool = -2;

  constructor(private readonly buf: Buffer) {}

  /** May the line buf[start, end) be a model call or a failed run (custom_message)? */
  candidate(start: number, end: number): boolean {
    if (this.nextCall !== -1 && this.nextCall < start) this.nextCall = this.buf.indexOf(MODEL_CALL_MARKER, start);
    return (this.nextCall !== -1 && this.nextCall + MODEL_CALL_MARKER.length <= end) || isCustomMessage(this.buf, start, end);
  }

  /** Is the line buf[start, end) a toolResult message line (role member in its head)? */
  toolResult(start: number, end: number): boolean {
    if (end - start <= TOOL_RESULT_ROLE.length) return false;
    if (this.nextTool !== -1 && this.nextTool < start) this.nextTool = this.buf.indexOf(TOOL_RESULT_ROLE, start);
    return this.nextTool !== -1 && this.nextTool + TOOL_RESULT_ROLE.length <= Math.min(end, start + TOOL_RESULT_HEAD_BYTES);
  }
}
