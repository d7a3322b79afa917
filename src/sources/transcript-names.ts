/**
 * Which files in an agent's sessions folder (and its SQLite import archive) hold
 * countable transcripts, and what session id each belongs to.
 */

export type TranscriptFileKind = 'live' | 'archive' | 'imported';

export interface TranscriptName {
  kind: TranscriptFileKind;
  /** Session id the file belongs to (from its name), or null. */
  sessionId: string | null;
  /** true when the file is zstd-compressed */
  zstd: boolean;
  /** true for a fork / thread / compaction-successor file (`<ISO>_<sid>…`): it holds copies of its parent's entries */
  fork?: boolean;
}

// <sid>.jsonl.(reset|deleted).<ts>[.<generation>][.zst]
const ARCHIVE_RE = /^(.+?)\.jsonl\.(?:reset|deleted)\.\d{4}-\d{2}-\d{2}T[0-9.:-]+Z?(?:\.[0-9a-f]{8,64})?(\.zst)?$/;
// <key with ':' -> '_'>.<sid>.jsonl.imported-<ms>  (OpenClaw's SQLite import archive)
const IMPORTED_RE = /^(?:.*\.)?([^.]+)\.jsonl\.imported-\d+(\.zst)?$/;
const TOPIC_RE = /^(.+)-topic-[^.]+$/;
const FORK_RE = /^\d{4}-\d{2}-\d{2}T[0-9-]+Z_(.+)$/;

/**
 * Classifies a file name from `sessions/` (or the import archive). Returns null for
 * files that must not be counted: `.bak.<ts>` copies, compaction checkpoints,
 * trajectory sidecars, locks, the session index and anything unrecognised.
 */
export function classifyTranscriptName(name: string): TranscriptName | null {
  if (name.startsWith('sessions.json')) return null;
  if (name.includes('.bak.') || name.endsWith('.bak')) return null;
  if (name.includes('.trajectory')) return null;
  if (name.endsWith('.lock') || name.endsWith('.tmp')) return null;
  if (name.includes('.checkpoint.')) return null;

  const imported = IMPORTED_RE.exec(name);
  if (imported) return { kind: 'imported', sessionId: imported[1], zstd: Boolean(imported[2]) };

  const archive = ARCHIVE_RE.exec(name);
  if (archive) return { kind: 'archive', sessionId: baseSessionId(archive[1]), zstd: Boolean(archive[2]), fork: FORK_RE.test(archive[1]) };

  if (name.endsWith('.jsonl')) return { kind: 'live', sessionId: baseSessionId(name.slice(0, -6)), zstd: false, fork: FORK_RE.test(name.slice(0, -6)) };
  if (name.endsWith('.jsonl.zst')) return { kind: 'archive', sessionId: baseSessionId(name.slice(0, -10)), zstd: true, fork: FORK_RE.test(name.slice(0, -10)) };
  return null;
}

/**
 * Where a file comes in a cycle's read order: originals before their copies, so a
 * call found in both is first counted with the original session's labels (the
 * ledger keeps the first labels). Lower reads first: live transcripts, then plain
 * `.reset.`/`.deleted.` archives, compressed archives, the SQLite import archive's
 * copies, and last fork / successor files (which copy their parent's entries).
 */
export function readRank(name: TranscriptName): number {
  const base = name.kind === 'live' ? 0 : name.kind === 'archive' ? (name.zstd ? 2 : 1) : name.zstd ? 4 : 3;
  return name.fork ? 10 + base : base;
}

/** Sorts `[path, name]` pairs into read order (rank, then path, for a stable order). */
export function inReadOrder<T extends [string, TranscriptName]>(files: T[]): T[] {
  return files.sort((a, b) => readRank(a[1]) - readRank(b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function baseSessionId(stem: string): string {
  const topic = TOPIC_RE.exec(stem);
  if (topic) return topic[1];
  const fork = FORK_RE.exec(stem);
  if (fork) return fork[1];
  return stem;
}
