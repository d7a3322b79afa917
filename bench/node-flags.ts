/**
 * The Node flags clawmeter's shipped entry points run `serve` with (`npm start`, the
 * container's ENTRYPOINT, the systemd unit's NODE_OPTIONS; test/deploy.test.ts keeps
 * all four equal): the benches run clawmeter's own processes the same way, so their
 * memory figures are what a user of those gets. The exporter baseline runs without.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=1024'];
