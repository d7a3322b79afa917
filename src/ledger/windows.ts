/** Rolling windows for openclaw_usage_window_* (names are durations: 5h, 7d, 30m). */
export interface WindowSpec {
  name: string;
  ms: number;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseWindow(s: string): WindowSpec | null {
  const m = /^(\d{1,5})([mhdw])$/.exec(s.trim());
  if (!m || Number(m[1]) === 0) return null;
  return { name: `${m[1]}${m[2]}`, ms: Number(m[1]) * UNIT_MS[m[2]] };
}

export const DEFAULT_WINDOWS: WindowSpec[] = [parseWindow('5h')!, parseWindow('7d')!];
