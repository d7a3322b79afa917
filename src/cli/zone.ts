/**
 * The machine's time zone for calendar periods (report days, "cost today"): TZ
 * when set to a zone Intl knows, else what Intl resolves, else UTC.
 */
import { checkZone } from '../query/calendar.js';

export function localZone(env: NodeJS.ProcessEnv = process.env): string {
  for (const z of [env.TZ?.replace(/^:/, ''), Intl.DateTimeFormat().resolvedOptions().timeZone]) {
    if (!z) continue;
    try {
      checkZone(z);
      return z;
    } catch {
      // not a zone Intl knows: try the next
    }
  }
  return 'UTC';
}
