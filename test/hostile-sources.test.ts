/**
 * Hostile or broken inputs at the sources: a zstd bomb (streamed, bounded, memory
 * measured in a child process), side files and transcripts that are FIFOs or link to
 * /dev/zero, an oversized session index, an in-place rewrite that keeps the first 256
 * bytes, a byte-order mark, a flood of invalid UTF-8 lines (one log line per file),
 * and copies listed before their originals (labels come from the original).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { IngestStats } from '../src/ingest/stats.js';
import { createIngestor } from '../src/ingest/pipeline.js';
import { Logger } from '../src/util/log.js';
import { assistantLine, headerLine, ingestOnce, makeState, tmpDir, totalsOf, userLine } from './helpers.js';

const DIST = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const zstdOk = spawnSync('zstd', ['--version']).status === 0;

/** Runs an async step, failing (instead of hanging the suite) if it takes longer than `ms`. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

test('a zstd bomb (1 GiB from ~100 KB) is streamed: bounded memory, calls before the bound counted, the rest counted as too_large', { skip: !zstdOk && 'zstd CLI not installed' }, () => {
  const root = tmpDir('clawmeter-bomb-');
  const { stateDir, sessions } = makeState(root);
  const bomb = path.join(sessions, 'bomb0000-aaaa-4bbb-8ccc-dddddddddddd.jsonl.deleted.2026-05-01T10-00-00.000Z.zst');
  // 50 calls, then 1 GiB of one repeated line, compressed on the fly by the zstd CLI.
  const head = path.join(root, 'head.jsonl');
  fs.writeFileSync(head, Array.from({ length: 50 }, () => assistantLine()).join('\n') + '\n');
  const filler = userLine('hello hello hello').replace(/'/g, '');
  execFileSync('sh', ['-c', `(cat "${head}"; yes '${filler}' | head -c ${1 << 30}) | zstd -q -3 -o "${bomb}"`]);
  assert.ok(fs.statSync(bomb).size < 1024 * 1024, 'the bomb is small');
  // The ingest runs in a child so its peak RSS is its own.
  const child = `
    import { Ledger } from '${DIST}/src/ledger/ledger.js';
    import { Ingestor } from '${DIST}/src/ingest/cycle.js';
    import { IngestStats } from '${DIST}/src/ingest/stats.js';
    import { Logger } from '${DIST}/src/util/log.js';
    import { listAgents } from '${DIST}/src/sources/discover.js';
    import { TranscriptFilesSource } from '${DIST}/src/sources/transcript-files.js';
    const ledger = Ledger.open(process.argv[2]);
    const stats = new IngestStats();
    const agents = listAgents(process.argv[1]);
    const ing = new Ingestor(ledger, () => agents.map((a) => new TranscriptFilesSource(a, { maxArchiveBytes: 384 * 1024 * 1024 })), { log: new Logger('silent'), stats });
    await ing.trigger();
    const again = await ing.trigger();
    process.stdout.write(JSON.stringify({ tooLarge: stats.issues.get('too_large') ?? 0, again: again.inserted, bytes: stats.bytesRead, rssMb: process.resourceUsage().maxRSS / 1024 }));
    ledger.close();
  `;
  const data = path.join(root, 'data');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', child, stateDir, data], { encoding: 'utf8', timeout: 60_000 });
  const r = JSON.parse(out) as { tooLarge: number; again: number; bytes: number; rssMb: number };
  console.log(`bomb: peak RSS ${r.rssMb.toFixed(0)} MB, ${r.bytes} bytes decoded`);
  assert.equal(r.tooLarge, 1, 'the bound is reported once, and the archive is not read again');
  assert.equal(r.again, 0);
  assert.ok(r.bytes >= 384 * 1024 * 1024 && r.bytes <= 385 * 1024 * 1024, `decoded up to the bound (${r.bytes})`);
  // Decoding it whole took 2-3 GB; streamed, the decoder's window plus a batch.
  assert.ok(r.rssMb < 400, `peak RSS ${r.rssMb} MB`);
  const db = new Database(path.join(data, 'ledger.sqlite'), { readonly: true });
  assert.equal((db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n, 50);
  db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('FIFOs and links to /dev/zero are passed over with a counted reason, never block or abort', { skip: process.platform === 'win32' }, async () => {
  const root = tmpDir();
  const { stateDir, sessions, agentDir } = makeState(root);
  execFileSync('mkfifo', [path.join(sessions, 'sessions.json')]);
  execFileSync('mkfifo', [path.join(sessions, 'fifo0000.jsonl')]);
  fs.symlinkSync('/dev/zero', path.join(sessions, 'zero0000.jsonl'));
  fs.symlinkSync('/dev/zero', path.join(agentDir, 'auth-profiles.json'));
  execFileSync('mkfifo', [path.join(agentDir, 'auth-state.json')]);
  execFileSync('mkfifo', [path.join(sessions, 'fifo0000.trajectory.jsonl')]);
  fs.writeFileSync(path.join(sessions, 'ok000000.jsonl'), assistantLine() + '\n');
  const r = await within(10_000, 'ingest over FIFOs', ingestOnce([stateDir], path.join(root, 'data')));
  assert.equal(totalsOf(r.ledger).messages, 1);
  assert.ok((r.stats.issues.get('not_regular_file') ?? 0) >= 4, `not_regular_file: ${r.stats.issues.get('not_regular_file')}`);
  r.ledger.close();
  // The session index linked to /dev/zero, too.
  fs.rmSync(path.join(sessions, 'sessions.json'));
  fs.symlinkSync('/dev/zero', path.join(sessions, 'sessions.json'));
  const r2 = await within(10_000, 'ingest with /dev/zero index', ingestOnce([stateDir], path.join(root, 'data')));
  assert.equal(totalsOf(r2.ledger).messages, 1);
  r2.ledger.close();
});

test('a session index larger than the side-file bound is refused (too_large), transcripts still count', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const index = path.join(sessions, 'sessions.json');
  fs.writeFileSync(index, '{');
  fs.truncateSync(index, 65 * 1024 * 1024); // sparse: costs no disk
  fs.writeFileSync(path.join(sessions, 'ok000000.jsonl'), assistantLine() + '\n');
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  assert.equal(totalsOf(r.ledger).messages, 1);
  assert.equal(r.stats.issues.get('too_large'), 1);
  r.ledger.close();
});

test('a file rewritten in place with the same first 256 bytes is read again: no call lost', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const file = path.join(sessions, 'rewrite0.jsonl');
  const head = headerLine('rewrite0') + '\n' + userLine('h'.repeat(300)) + '\n';
  assert.ok(Buffer.byteLength(head) > 256);
  const first = Array.from({ length: 100 }, () => assistantLine()).join('\n') + '\n';
  fs.writeFileSync(file, head + first);
  const ino = fs.statSync(file).ino;
  const data = path.join(root, 'data');
  const r1 = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(r1.ledger).messages, 100);
  // Same inode, same head, 300 other calls after it (a longer file: looks like an append).
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, head + Array.from({ length: 300 }, () => assistantLine()).join('\n') + '\n', 0);
  fs.closeSync(fd);
  assert.equal(fs.statSync(file).ino, ino);
  const r2 = await ingestOnce([stateDir], data, r1.ledger);
  assert.equal(totalsOf(r2.ledger).messages, 400);
  r2.ledger.close();
});

test('a byte-order mark at the start of a transcript does not lose its first call', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  fs.writeFileSync(path.join(sessions, 'bom00000.jsonl'), '\ufeff' + assistantLine() + '\n' + assistantLine() + '\n');
  fs.writeFileSync(path.join(sessions, 'bom00001.jsonl.deleted.2026-05-01T10-00-00.000Z'), '\ufeff' + assistantLine());
  if (zstdOk) {
    const plain = path.join(root, 'b.jsonl');
    fs.writeFileSync(plain, '\ufeff' + assistantLine() + '\n');
    execFileSync('zstd', ['-q', plain, '-o', path.join(sessions, 'bom00002.jsonl.zst')]);
  }
  const r = await ingestOnce([stateDir], path.join(root, 'data'));
  assert.equal(totalsOf(r.ledger).messages, zstdOk ? 4 : 3);
  assert.equal(r.stats.issues.size, 0, JSON.stringify([...r.stats.issues]));
  r.ledger.close();
});

test('a flood of invalid UTF-8 lines is counted per line and logged once per file', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  // A 0xff byte inside each line's reply text: invalid UTF-8, parsed with a replacement character.
  const lines = Buffer.concat(Array.from({ length: 2000 }, () => Buffer.from(assistantLine().replace('reply', 'r\u00ff') + '\n', 'latin1')));
  fs.writeFileSync(path.join(sessions, 'utf80000.jsonl'), lines);
  const logged: string[] = [];
  const ledger = Ledger.open(path.join(root, 'data'));
  const stats = new IngestStats();
  await createIngestor(ledger, () => [stateDir], { log: new Logger('warn', (l) => logged.push(l)), stats }).trigger();
  assert.equal(stats.issues.get('invalid_utf8'), 2000);
  const utf8Lines = logged.filter((l) => l.includes('invalid_utf8'));
  assert.equal(utf8Lines.length, 1, utf8Lines.slice(0, 3).join('\n'));
  assert.ok(logged.join('\n').length < 2000, 'stderr stays small');
  ledger.close();
});

test('copies listed before their originals: every call carries the original session labels', async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const sid = 'zzzz0000-aaaa-4bbb-8ccc-dddddddddddd';
  fs.writeFileSync(
    path.join(sessions, 'sessions.json'),
    JSON.stringify({ 'agent:main:telegram:direct:42': { sessionId: sid, channel: 'telegram', chatType: 'direct', updatedAt: Date.now() } }),
  );
  const body = [headerLine(sid), ...Array.from({ length: 20 }, () => assistantLine())].join('\n') + '\n';
  // The copies first, all with names that sort before the original's.
  fs.writeFileSync(path.join(sessions, `2026-05-01T10-00-00-000Z_aaaa0000-aaaa-4bbb-8ccc-dddddddddddd.jsonl`), body);
  fs.writeFileSync(path.join(sessions, 'aaaa0001-aaaa-4bbb-8ccc-dddddddddddd.jsonl.deleted.2026-05-01T10-00-00.000Z'), body);
  fs.writeFileSync(path.join(sessions, 'aaaa0002-aaaa-4bbb-8ccc-dddddddddddd.jsonl.reset.2026-05-01T10-00-00.000Z'), body);
  const imp = path.join(sessions, '..', 'session-sqlite-import-archive');
  fs.mkdirSync(imp);
  fs.writeFileSync(path.join(imp, 'agent_main_x.aaaa0003-aaaa-4bbb-8ccc-dddddddddddd.jsonl.imported-1700000000000'), body);
  if (zstdOk) {
    const plain = path.join(root, 'c.jsonl');
    fs.writeFileSync(plain, body);
    execFileSync('zstd', ['-q', plain, '-o', path.join(sessions, 'aaaa0004-aaaa-4bbb-8ccc-dddddddddddd.jsonl.zst')]);
  }
  fs.writeFileSync(path.join(sessions, `${sid}.jsonl`), body);
  const data = path.join(root, 'data');
  const r = await ingestOnce([stateDir], data);
  assert.equal(totalsOf(r.ledger).messages, 20);
  r.ledger.close();
  const db = new Database(path.join(data, 'ledger.sqlite'), { readonly: true });
  const rows = db.prepare('SELECT channel, chat_type AS chatType, count(*) AS n FROM calls GROUP BY 1, 2').all();
  db.close();
  assert.deepEqual(rows, [{ channel: 'telegram', chatType: 'direct', n: 20 }], JSON.stringify(rows));
});

test('zstd archives: several frames are all read; a frame declaring a huge window is refused, not allocated', { skip: !zstdOk && 'zstd CLI not installed' }, async () => {
  const root = tmpDir();
  const { stateDir, sessions } = makeState(root);
  const a = path.join(root, 'a.jsonl');
  const b = path.join(root, 'b.jsonl');
  fs.writeFileSync(a, Array.from({ length: 30 }, () => assistantLine()).join('\n') + '\n');
  fs.writeFileSync(b, Array.from({ length: 20 }, () => assistantLine()).join('\n') + '\n');
  execFileSync('zstd', ['-q', a, b]);
  // two frames in one file, as `cat a.zst b.zst` makes
  fs.writeFileSync(path.join(sessions, 'multi000.jsonl.zst'), Buffer.concat([fs.readFileSync(a + '.zst'), fs.readFileSync(b + '.zst')]));
  // a single-segment frame claiming 1 TiB of content: its window would be 1 TiB
  const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 9, 0, 0, 0x78]);
  fs.writeFileSync(path.join(sessions, 'huge0000.jsonl.zst'), huge);
  const r = await within(10_000, 'ingest', ingestOnce([stateDir], path.join(root, 'data')));
  assert.equal(totalsOf(r.ledger).messages, 50);
  assert.equal(r.stats.issues.get('decompress_failed'), 1);
  r.ledger.close();
});
