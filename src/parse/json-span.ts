/**
 * A strict JSON syntax check over raw bytes that returns where one value ends,
 * without decoding or building anything. The content-cut shortcut uses it to prove
 * that the bytes it leaves out are exactly one complete JSON value, so the cut line
 * parses to the same document as the whole line minus that value. JSON.parse cannot
 * do this (it needs the decoded text and builds every object), hence hand-written.
 *
 * It may be stricter than JSON.parse (then the caller parses the whole line) but
 * never more lenient: strings with raw control characters or bad escapes, numbers
 * outside the JSON grammar, and anything else are rejected. Iterative, so deep
 * nesting cannot overflow the stack.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** b[i] is '"': index after the closing quote, or -1. */
function stringEnd(b: Uint8Array, i: number, end: number): number {
  let j = i + 1;
  while (j < end) {
    const c = b[j];
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) {
      const e = b[j + 1];
      if (e === 0x75 /* u */) {
        if (j + 5 >= end || !isHex(b[j + 2]) || !isHex(b[j + 3]) || !isHex(b[j + 4]) || !isHex(b[j + 5])) return -1;
        j += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        j += 2;
      } else return -1;
    } else if (c < 0x20) return -1;
    else j++;
  }
  return -1;
}

/** b[i] starts a number: index after it, or -1. */
function numberEnd(b: Uint8Array, i: number, end: number): number {
  let j = i;
  if (b[j] === 0x2d) j++;
  if (j >= end) return -1;
  if (b[j] === 0x30) j++;
  else if (isDigit(b[j])) while (j < end && isDigit(b[j])) j++;
  else return -1;
  if (j < end && b[j] === 0x2e) {
    j++;
    if (j >= end || !isDigit(b[j])) return -1;
    while (j < end && isDigit(b[j])) j++;
  }
  if (j < end && (b[j] === 0x65 || b[j] === 0x45)) {
    j++;
    if (j < end && (b[j] === 0x2b || b[j] === 0x2d)) j++;
    if (j >= end || !isDigit(b[j])) return -1;
    while (j < end && isDigit(b[j])) j++;
  }
  return j;
}

const LITERALS: Record<number, number[]> = {
  0x74: [0x74, 0x72, 0x75, 0x65], // true
  0x66: [0x66, 0x61, 0x6c, 0x73, 0x65], // false
  0x6e: [0x6e, 0x75, 0x6c, 0x6c], // null
};

function literalEnd(b: Uint8Array, i: number, end: number): number {
  const lit = LITERALS[b[i]];
  if (!lit || i + lit.length > end) return -1;
  for (let k = 1; k < lit.length; k++) if (b[i + k] !== lit[k]) return -1;
  return i + lit.length;
}

const EXPECT_VALUE = 0;
const AFTER_VALUE = 1;
const EXPECT_KEY = 2;

/**
 * Index just after the JSON value that starts at b[pos] (no leading whitespace),
 * or -1 when the bytes up to `end` do not hold one complete, valid value there.
 */
export function jsonValueEnd(b: Uint8Array, pos: number, end: number): number {
  const stack: number[] = [];
  let i = pos;
  let state = EXPECT_VALUE;
  let justOpened = false;
  for (;;) {
    if (stack.length > 0) while (i < end && isWs(b[i])) i++;
    if (i >= end) return -1;
    const c = b[i];
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
        i = c === QUOTE ? stringEnd(b, i, end) : c === 0x2d || isDigit(c) ? numberEnd(b, i, end) : literalEnd(b, i, end);
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
    if (c !== QUOTE) return -1;
    i = stringEnd(b, i, end);
    if (i < 0) return -1;
    while (i < end && isWs(b[i])) i++;
    if (i >= end || b[i] !== 0x3a /* : */) return -1;
    i++;
    state = EXPECT_VALUE;
  }
}
