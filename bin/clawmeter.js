#!/usr/bin/env node
// `statusline` runs in shell prompts: it skips loading every other command.
const fast = process.argv[2] === 'statusline';
const { main } = fast ? await import('../dist/src/cli/statusline-main.js') : await import('../dist/src/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() handles every expected error itself; this is a last resort, still one line.
    process.stderr.write(`clawmeter: internal error: ${String((err && err.message) || err).split('\n')[0]}\n`);
    process.exitCode = 1;
  },
);
