/**
 * SIGINT, SIGTERM and SIGHUP handling shared by the long-running commands: the
 * first signal asks for a clean stop (commit at the next batch boundary, close the
 * ledger, remove temporary folders); a second one exits at once, which loses
 * nothing either, since every commit is one transaction.
 */
import os from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface SignalWatch {
  /** the first signal received, if any */
  readonly received: StopSignal | null;
  /** its number (2 for SIGINT, 15 for SIGTERM, 1 for SIGHUP), 0 if none */
  readonly number: number;
  dispose(): void;
}

export function onStopSignals(stop: (sig: StopSignal) => void): SignalWatch {
  let received: StopSignal | null = null;
  const handlers = new Map<StopSignal, () => void>();
  for (const sig of STOP_SIGNALS) {
    const h = () => {
      if (received) process.exit(128 + os.constants.signals[sig]);
      received = sig;
      stop(sig);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    get received() {
      return received;
    },
    get number() {
      return received ? os.constants.signals[received] : 0;
    },
    dispose() {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
