/**
 * The machine's time-zone name without loading Intl's zone data (~20 ms): TZ
 * when set, else the zone /etc/localtime links to; null when neither tells (the
 * caller then asks Intl, src/cli/zone.ts). A name Intl does not know is refused
 * by whoever uses it, and the caller falls back.
 */
import fs from 'node:fs';

export function machineZoneName(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TZ !== undefined) {
    const z = env.TZ.replace(/^:/, '');
    return z === '' ? null : z;
  }
  try {
    const m = /\/zoneinfo\/(.+)$/.exec(fs.readlinkSync('/etc/localtime'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** The start of the local day containing nowMs in the process's zone (as Date sees it; DST-correct). */
export function localMidnightMs(nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
