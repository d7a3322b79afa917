/**
 * A strict JSON syntax check over raw bytes that returns where one value ends,
 * without decoding it as UTF-8 or building anything. The content-cut shortcut uses
 * it to prove that the bytes it leaves out are exactly one complete, valid JSON
 * value, so the cut line parses to the same document as the whole line minus that
 * value. JSON.parse cannot answer this (it needs the decoded text and builds every
 * object), hence hand-written.
 *
 * It may be stricter than JSON.parse (then the caller parses the whole line) but
 * never more lenient: raw control characters or bad escapes in strings, numbers
 * outside the JSON grammar, and anything else are rejected. Iterative, so deep
 * nesting cannot overflow the stack. The bytes are scanned as a latin1 string (one
 * char per byte; UTF-8 sequences are chars >= 0x80, fine inside JSON strings), so
 * strings are skipped with native indexOf jumps instead of a loop per byte.
 */

/** One JSON number token (sticky). */
const NUMBER_TOKEN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL_TOKEN = /true|false|null/y;

function tokenEnd(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  return re.test(s) ? re.lastIndex : -1;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Finds string ends with native indexOf jumps: the next quote, and the next
 * backslash (cached, so each is searched for once per occurrence). Control
 * characters are ruled out for the whole value afterwards (see jsonValueEnd).
 */
class Strings {
  private nextQuote = -1;
  private nextBackslash = -1;
  constructor(private readonly s: string) {}

  /** s[i] is '"': index after the closing quote, or -1. */
  end(i: number): number {
    const s = this.s;
    let j = i + 1;
    for (;;) {
      if (this.nextQuote < j) this.nextQuote = s.indexOf('"', j);
      const q = this.nextQuote;
      if (q < 0) return -1;
      if (this.nextBackslash !== -2 && this.nextBackslash < j) {
        this.nextBackslash = s.indexOf('\\', j);
        if (this.nextBackslash < 0) this.nextBackslash = -2; // none left
      }
      const b = this.nextBackslash;
      if (b === -2 || b > q) return q + 1;
      const e = s.charCodeAt(b + 1);
      if (e === 0x75 /* u */) {
        if (!(isHex(s.charCodeAt(b + 2)) && isHex(s.charCodeAt(b + 3)) && isHex(s.charCodeAt(b + 4)) && isHex(s.charCodeAt(b + 5)))) return -1;
        j = b + 6;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        j = b + 2;
      } else return -1;
    }
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const EXPECT_VALUE = 0;
const AFTER_VALUE = 1;
const EXPECT_KEY = 2;

/** Index in s just after the JSON value starting at s[pos], or -1; control characters not checked. */
function structureEnd(s: string, pos: number): number {
  const strings = new Strings(s);
  const end = s.length;
  const stack: number[] = [];
  let i = pos;
  let state = EXPECT_VALUE;
  let justOpened = false;
  for (;;) {
    if (stack.length > 0) while (i < end && isWs(s.charCodeAt(i))) i++;
    if (i >= end) return -1;
    const c = s.charCodeAt(i);
    if (state === EXPECT_VALUE) {
      if (c === 0x5d /* ] */ && justOpened) {
        stack.pop();
        i++;
      } else if (c === 0x5b /* [ */) {
        stack.push(c);
        i++;
        justOpened = true;
        continue;
      } else if (c === 0x7b /* { */) {
        stack.push(c);
        i++;
        state = EXPECT_KEY;
        justOpened = true;
        continue;
      } else {
        i = c === 0x22 ? strings.end(i) : tokenEnd(c === 0x2d || (c >= 0x30 && c <= 0x39) ? NUMBER_TOKEN : LITERAL_TOKEN, s, i);
        if (i < 0) return -1;
      }
      justOpened = false;
      if (stack.length === 0) return i;
      state = AFTER_VALUE;
      continue;
    }
    if (state === AFTER_VALUE) {
      const top = stack[stack.length - 1];
      if (c === 0x2c /* , */) {
        i++;
        state = top === 0x5b ? EXPECT_VALUE : EXPECT_KEY;
        continue;
      }
      if ((top === 0x5b && c === 0x5d) || (top === 0x7b && c === 0x7d)) {
        stack.pop();
        i++;
        if (stack.length === 0) return i;
        continue;
      }
      return -1;
    }
    // EXPECT_KEY
    if (c === 0x7d /* } */ && justOpened) {
      justOpened = false;
      stack.pop();
      i++;
      if (stack.length === 0) return i;
      state = AFTER_VALUE;
      continue;
    }
    justOpened = false;
    if (c !== 0x22) return -1;
    i = strings.end(i);
    if (i < 0) return -1;
    while (i < end && isWs(s.charCodeAt(i))) i++;
    if (i >= end || s.charCodeAt(i) !== 0x3a /* : */) return -1;
    i++;
    state = EXPECT_VALUE;
  }
}

/**
 * Index just after the JSON value that starts at b[pos] (no leading whitespace),
 * or -1 when the bytes up to `end` do not hold one complete, valid value there.
 */
export function jsonValueEnd(b: Buffer, pos: number, end: number): number {
  const r = structureEnd(b.toString('latin1', pos, end), 0);
  if (r < 0) return -1;
  // A control character is never valid inside a string; outside one (tab, CR
  // between tokens) it is valid but rare enough to simply refuse the shortcut.
  const value = b.subarray(pos, pos + r);
  for (let c = 0; c < 0x20; c++) if (value.indexOf(c) !== -1) return -1;
  return pos + r;
}
