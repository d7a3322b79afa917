/**
 * Reading `--web.config.file`: the YAML (validated by sinks/http/web-config.ts),
 * then the certificate, key and client CA files it names, checked to be usable
 * together. And the reload: the config file and the files it names are polled
 * (mtime, size) every few seconds; a change that validates is applied to new
 * requests and connections, one that does not is logged and the previous
 * config stays. Lives on the CLI side because the HTTP sink reads no file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WebConfigError, parseWebConfig, type WebConfig } from '../sinks/http/web-config.js';
import { checkTlsMaterial } from '../sinks/http/tls.js';
import type { Logger } from '../util/log.js';

export interface LoadedWebConfig {
  config: WebConfig;
  warnings: string[];
  /** every file the config depends on, for the reload poll */
  files: string[];
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new WebConfigError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads and validates a web config; throws an Error with a one-line message naming the file. */
export function loadWebConfig(file: string): LoadedWebConfig {
  const abs = path.resolve(file);
  try {
    const spec = parseWebConfig(readFile(abs, 'cannot read').toString('utf8'), path.dirname(abs));
    const files = [abs];
    let tls: WebConfig['tls'] = null;
    if (spec.tls) {
      const t = spec.tls;
      const pem = (inline: string | null, f: string | null, what: string): Buffer => {
        if (inline !== null) return Buffer.from(inline, 'utf8');
        files.push(f!);
        return readFile(f!, `cannot read ${what}`);
      };
      tls = {
        cert: pem(t.cert, t.certFile, 'cert_file'),
        key: pem(t.key, t.keyFile, 'key_file'),
        clientCa: t.clientCa !== null || t.clientCaFile !== null ? pem(t.clientCa, t.clientCaFile, 'client_ca_file') : null,
        clientAuthType: t.clientAuthType,
        minVersion: t.minVersion,
        maxVersion: t.maxVersion,
        clientAllowedSans: t.clientAllowedSans,
      };
      checkTlsMaterial(tls);
    }
    return { config: { tls, users: spec.users, headers: spec.headers }, warnings: spec.warnings, files };
  } catch (err) {
    throw new Error(`--web.config.file ${file}: ${(err as Error).message}`);
  }
}

function stamp(files: string[]): string {
  return files
    .map((f) => {
      try {
        const s = fs.statSync(f);
        return `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

export interface WebConfigWatch {
  /** Re-reads the config now if it or a file it names changed (what a SIGHUP handler would call). */
  checkNow(force?: boolean): void;
  stop(): void;
}

/** Polls the config and the files it names; calls `apply` with each new valid config. */
export function watchWebConfig(
  file: string,
  first: LoadedWebConfig,
  apply: (c: LoadedWebConfig) => void,
  log: Logger,
  intervalMs = 3000,
): WebConfigWatch {
  let files = first.files;
  let last = stamp(files);
  const checkNow = (force = false) => {
    const now = stamp(files);
    if (now === last && !force) return;
    last = now;
    try {
      const next = loadWebConfig(file);
      files = next.files;
      last = stamp(files);
      apply(next);
    } catch (err) {
      log.error('web config not reloaded; keeping the previous one', { error: (err as Error).message });
    }
  };
  const timer = setInterval(() => checkNow(), intervalMs);
  timer.unref();
  return { checkNow, stop: () => clearInterval(timer) };
}
