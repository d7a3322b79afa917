/**
 * The Node flags clawmeter's shipped entry points run `serve` with (`npm start`, the
 * container's ENTRYPOINT, the systemd unit's NODE_OPTIONS; test/deploy.test.ts keeps
 * all four equal): the benches run clawmeter's own processes the same way, so their
 * memory figures are what a user of those gets. The exporter baseline runs without.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=1024'];

/**
 * The caller's own Node variables (NODE_OPTIONS, NODE_EXTRA_CA_CERTS...): they reach every
 * process a bench spawns and change its start-up, so the benches pass them on and name them.
 */
export function callerNodeEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('NODE_') && e[1] !== undefined));
}
