/**
 * The writer lock's plain side file `ledger.owner.json`: who holds the ledger
 * (pid, command, since) and, for a running `serve` that answers plain HTTP, where
 * its JSON API is (`api.url`) with a random id of that process (`api.instance`),
 * so `clawmeter statusline` can ask it instead of opening SQLite. Informative
 * only: the lock (lock.ts) is what counts. No SQLite here, so a reader of this
 * file loads nothing heavy.
 */
import fs from 'node:fs';
import path from 'node:path';

export const OWNER_FILE = 'ledger.owner.json';

export interface OwnerApi {
  /** http://host:port of the holder's server (no path) */
  url: string;
  /** random per process; the API's statusline answer carries it back */
  instance: string;
}

export interface LockOwner {
  pid: number;
  command: string;
  since: string;
  api?: OwnerApi;
}

/** Who the process is, without arguments (a flag value could be a secret). */
export function selfOwner(): LockOwner {
  const script = process.argv[1] ? path.basename(process.argv[1]).replace(/\.js$/, '') : 'node';
  const sub = process.argv[2] && /^[a-z][a-z-]{0,20}$/.test(process.argv[2]) ? ` ${process.argv[2]}` : '';
  return { pid: process.pid, command: `${script}${sub}`, since: new Date().toISOString() };
}

/** Whether a process with this pid exists (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function apiOf(v: unknown): OwnerApi | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const { url, instance } = v as Record<string, unknown>;
  if (typeof url !== 'string' || !/^http:\/\/[^/?#@\s]{1,200}$/.test(url)) return undefined;
  if (typeof instance !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(instance)) return undefined;
  return { url, instance };
}

/** Reads the holder's side file (bounded, tolerant of garbage). */
export function readOwner(dataDir: string): LockOwner | null {
  try {
    const fd = fs.openSync(path.join(dataDir, OWNER_FILE), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return null;
      const buf = Buffer.alloc(4096);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const o = JSON.parse(buf.toString('utf8', 0, n)) as Partial<LockOwner>;
      const api = apiOf(o.api);
      return {
        pid: typeof o.pid === 'number' ? o.pid : 0,
        command: typeof o.command === 'string' ? o.command.slice(0, 100) : '',
        since: typeof o.since === 'string' ? o.since.slice(0, 40) : '',
        ...(api ? { api } : {}),
      };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Writes the side file whole (a temporary file renamed over it, mode 0600). */
export function writeOwner(dataDir: string, owner: LockOwner): void {
  const file = path.join(dataDir, OWNER_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, JSON.stringify(owner) + '\n', { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, file);
}
