/**
 * Aligned, width-aware terminal tables for the CLI reports (hand-written: a few
 * dozen lines, where a table package would bring its own width and colour rules).
 * Columns have a priority; when the table is wider than the terminal, the
 * least important columns are left out until it fits (the first column and
 * the ones marked keep always stay). Colour (bold header and totals, dim zeros)
 * only when asked for, which the caller decides from the TTY and NO_COLOR.
 */

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** higher survives longer when the terminal is narrow (default 1) */
  priority?: number;
  keep?: boolean;
}

export interface TableOptions {
  /** terminal width; undefined: no limit */
  width?: number;
  color?: boolean;
  /** a last row set apart by a rule (the totals) */
  footer?: string[];
}

const BOLD = (s: string) => `\x1b[1m${s}\x1b[22m`;
const DIM = (s: string) => `\x1b[2m${s}\x1b[22m`;

/** Display width of a string (ASCII and most text: its length; wide CJK and emoji count 2). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += c >= 0x1100 && (c <= 0x115f || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xff60) || (c >= 0x1f300 && c <= 0x1faff)) ? 2 : 1;
  }
  return w;
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'right' ? fill + s : s + fill;
}

/** Which columns fit in `width`, dropping the lowest priority (then the rightmost) first. */
function fitting(cols: Column[], widths: number[], width: number | undefined): number[] {
  const shown = cols.map((_, i) => i);
  const total = () => shown.reduce((a, i) => a + widths[i], 0) + 2 * (shown.length - 1);
  if (width === undefined) return shown;
  while (total() > width) {
    const droppable = shown.filter((i) => i > 0 && !cols[i].keep);
    if (droppable.length === 0) break;
    const drop = droppable.reduce((a, b) => ((cols[b].priority ?? 1) <= (cols[a].priority ?? 1) ? b : a));
    shown.splice(shown.indexOf(drop), 1);
  }
  return shown;
}

export function renderTable(cols: Column[], rows: string[][], o: TableOptions = {}): string {
  const all = o.footer ? [...rows, o.footer] : rows;
  const widths = cols.map((c, i) => Math.max(displayWidth(c.header), ...all.map((r) => displayWidth(r[i] ?? ''))));
  const shown = fitting(cols, widths, o.width);
  const line = (r: string[], style?: (s: string) => string) =>
    shown
      .map((i) => {
        const cell = pad(r[i] ?? '', widths[i], cols[i].align ?? 'left');
        if (style) return style(cell);
        return o.color && /^\s*[0$.,%-]*0(\.0+)?\s*$/.test(r[i] ?? '') && i > 0 ? DIM(cell) : cell;
      })
      .join('  ')
      .trimEnd();
  const rule = shown.map((i) => '─'.repeat(widths[i])).join('  ');
  const out = [line(cols.map((c) => c.header), o.color ? BOLD : undefined), rule, ...rows.map((r) => line(r))];
  if (o.footer) out.push(rule, line(o.footer, o.color ? BOLD : undefined));
  const hidden = cols.length - shown.length;
  if (hidden > 0) out.push(`(${hidden} column(s) left out to fit ${o.width} columns: ${cols.filter((_, i) => !shown.includes(i)).map((c) => c.header).join(', ')}; widen the terminal or use --json)`);
  return out.join('\n') + '\n';
}

/** One CSV line (RFC 4180 quoting). */
export function csvLine(cells: Array<string | number>): string {
  return cells.map((c) => (typeof c === 'number' ? String(c) : /[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}
