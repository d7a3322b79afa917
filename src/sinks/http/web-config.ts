/**
 * The Prometheus exporter-toolkit web configuration (`--web.config.file`), the
 * YAML every Prometheus exporter accepts: `tls_server_config` (certificate and
 * key, minimum/maximum TLS version, client certificate policy and CA, allowed
 * client SANs), `http_server_config.headers` and `basic_auth_users` (bcrypt
 * hashes). This module only validates the text and resolves relative paths
 * against the file's folder, as exporter-toolkit does; reading the files it names
 * is the caller's job (src/cli/web-config-file.ts), so nothing here touches the
 * disk. Hand-written because no Node package implements this format; the rules
 * follow exporter-toolkit's own checks (unknown keys are errors, a certificate
 * needs its key, a verifying client policy needs a CA).
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
export type NodeTlsVersion = (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];

/** The response headers exporter-toolkit lets a web config set. */
export const CONFIGURABLE_HEADERS = [
  'Strict-Transport-Security',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-XSS-Protection',
  'Content-Security-Policy',
] as const;

export interface TlsSpec {
  /** absolute paths, or null when the PEM is given inline */
  certFile: string | null;
  keyFile: string | null;
  clientCaFile: string | null;
  /** inline PEM (`cert`, `key`, `client_ca`), when given instead of a file */
  cert: string | null;
  key: string | null;
  clientCa: string | null;
  clientAuthType: ClientAuthType;
  minVersion: NodeTlsVersion;
  maxVersion: NodeTlsVersion;
  clientAllowedSans: string[];
}

export interface WebConfigSpec {
  tls: TlsSpec | null;
  /** user name -> bcrypt hash */
  users: Record<string, string>;
  headers: Record<string, string>;
  /** accepted keys clawmeter does not act on (cipher_suites, http2, ...), one line each */
  warnings: string[];
}

export class WebConfigError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A name from the file, quoted on one line and cut short, for an error message. */
function show(name: string): string {
  return JSON.stringify(name.length > 60 ? name.slice(0, 60) + '...' : name);
}

function checkKeys(o: Obj, where: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new WebConfigError(`${where}: unknown key ${show(k)} (expected ${allowed.join(', ')})`);
  }
}

function str(o: Obj, key: string, where: string): string | null {
  const v = o[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new WebConfigError(`${where}.${key}: expected a string`);
  return v;
}

function tlsVersion(o: Obj, key: string, where: string, fallback: NodeTlsVersion): NodeTlsVersion {
  const v = str(o, key, where);
  if (v === null) return fallback;
  if (!Object.hasOwn(TLS_VERSIONS, v)) throw new WebConfigError(`${where}.${key}: ${show(v)} is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
  return TLS_VERSIONS[v as keyof typeof TLS_VERSIONS];
}

const ORDER: NodeTlsVersion[] = Object.values(TLS_VERSIONS);

function parseTls(o: unknown, baseDir: string, warnings: string[]): TlsSpec | null {
  if (o === undefined || o === null) return null;
  const where = 'tls_server_config';
  if (!isObj(o)) throw new WebConfigError(`${where}: expected a mapping`);
  checkKeys(o, where, [
    'cert_file', 'key_file', 'cert', 'key', 'client_auth_type', 'client_ca_file', 'client_ca', 'min_version', 'max_version',
    'cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites', 'client_allowed_sans',
  ]);
  const abs = (p: string | null) => (p === null ? null : path.resolve(baseDir, p));
  const certFile = abs(str(o, 'cert_file', where));
  const keyFile = abs(str(o, 'key_file', where));
  const cert = str(o, 'cert', where);
  const key = str(o, 'key', where);
  const clientCaFile = abs(str(o, 'client_ca_file', where));
  const clientCa = str(o, 'client_ca', where);
  if (certFile === null && cert === null && keyFile === null && key === null) {
    // exporter-toolkit treats an empty tls_server_config as "no TLS" only when nothing is set at all.
    if (Object.keys(o).length === 0) return null;
    throw new WebConfigError(`${where}: missing cert_file and key_file`);
  }
  if (certFile !== null && cert !== null) throw new WebConfigError(`${where}: cert_file and cert are mutually exclusive`);
  if (keyFile !== null && key !== null) throw new WebConfigError(`${where}: key_file and key are mutually exclusive`);
  if (certFile === null && cert === null) throw new WebConfigError(`${where}: missing cert_file`);
  if (keyFile === null && key === null) throw new WebConfigError(`${where}: missing key_file`);
  if (clientCaFile !== null && clientCa !== null) throw new WebConfigError(`${where}: client_ca_file and client_ca are mutually exclusive`);
  const cat = str(o, 'client_auth_type', where) ?? 'NoClientCert';
  if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(cat)) {
    throw new WebConfigError(`${where}.client_auth_type: ${show(cat)} is not one of ${CLIENT_AUTH_TYPES.join(', ')}`);
  }
  const clientAuthType = cat as ClientAuthType;
  const hasCa = clientCaFile !== null || clientCa !== null;
  if ((clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert') && !hasCa) {
    throw new WebConfigError(`${where}: client_auth_type ${clientAuthType} needs client_ca_file`);
  }
  if (hasCa && clientAuthType === 'NoClientCert') {
    throw new WebConfigError(`${where}: client_ca_file is set but client_auth_type is NoClientCert`);
  }
  const minVersion = tlsVersion(o, 'min_version', where, 'TLSv1.2');
  const maxVersion = tlsVersion(o, 'max_version', where, 'TLSv1.3');
  if (ORDER.indexOf(minVersion) > ORDER.indexOf(maxVersion)) throw new WebConfigError(`${where}: min_version is above max_version`);
  let clientAllowedSans: string[] = [];
  if (o.client_allowed_sans !== undefined && o.client_allowed_sans !== null) {
    if (!Array.isArray(o.client_allowed_sans) || !o.client_allowed_sans.every((s) => typeof s === 'string')) {
      throw new WebConfigError(`${where}.client_allowed_sans: expected a list of strings`);
    }
    if (clientAuthType !== 'RequireAndVerifyClientCert') {
      throw new WebConfigError(`${where}: client_allowed_sans needs client_auth_type RequireAndVerifyClientCert`);
    }
    clientAllowedSans = o.client_allowed_sans as string[];
  }
  for (const k of ['cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites']) {
    if (o[k] !== undefined) warnings.push(`${where}.${k} is accepted but not applied (Node's TLS defaults are used)`);
  }
  return { certFile, keyFile, clientCaFile, cert, key, clientCa, clientAuthType, minVersion, maxVersion, clientAllowedSans };
}

function parseUsers(o: unknown): Record<string, string> {
  if (o === undefined || o === null) return {};
  if (!isObj(o)) throw new WebConfigError('basic_auth_users: expected a mapping of user name to bcrypt hash');
  const users: Record<string, string> = Object.create(null);
  for (const [user, hash] of Object.entries(o)) {
    if (user === '' || user.includes(':')) throw new WebConfigError(`basic_auth_users: user name ${show(user)} is empty or contains ":"`);
    // Never echo the hash: it is credential material.
    if (typeof hash !== 'string' || !/^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) {
      throw new WebConfigError(`basic_auth_users.${show(user)}: expected a bcrypt hash ($2y$..., e.g. from htpasswd -nBC 10 USER)`);
    }
    const cost = Number(hash.slice(4, 6));
    if (cost < 4 || cost > 31) throw new WebConfigError(`basic_auth_users.${show(user)}: bcrypt cost ${cost} is outside 4..31`);
    users[user] = hash;
  }
  return users;
}

function parseHttp(o: unknown, warnings: string[]): Record<string, string> {
  if (o === undefined || o === null) return {};
  const where = 'http_server_config';
  if (!isObj(o)) throw new WebConfigError(`${where}: expected a mapping`);
  checkKeys(o, where, ['http2', 'headers']);
  if (o.http2 !== undefined) warnings.push(`${where}.http2 is accepted but not applied (HTTP/1.1 only)`);
  const h = o.headers;
  if (h === undefined || h === null) return {};
  if (!isObj(h)) throw new WebConfigError(`${where}.headers: expected a mapping`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    const canonical = CONFIGURABLE_HEADERS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!canonical) throw new WebConfigError(`${where}.headers: ${show(name)} cannot be set (allowed: ${CONFIGURABLE_HEADERS.join(', ')})`);
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new WebConfigError(`${where}.headers.${canonical}: expected a one-line string`);
    headers[canonical] = value;
  }
  return headers;
}

/** Validates a web config's text; relative file names are resolved against `baseDir`. Throws WebConfigError (one line). */
export function parseWebConfig(text: string, baseDir: string): WebConfigSpec {
  let doc: unknown;
  try {
    // logLevel error: YAML warnings would go to process warnings (stderr), errors are thrown.
    doc = parseYaml(text, { maxAliasCount: 100, logLevel: 'error' });
  } catch (err) {
    throw new WebConfigError(`not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) throw new WebConfigError('expected a mapping at the top level');
  checkKeys(doc, 'web config', ['tls_server_config', 'http_server_config', 'basic_auth_users']);
  const warnings: string[] = [];
  return {
    tls: parseTls(doc.tls_server_config, baseDir, warnings),
    users: parseUsers(doc.basic_auth_users),
    headers: parseHttp(doc.http_server_config, warnings),
    warnings,
  };
}

/** A web config with its files read, as the HTTP server applies it. */
export interface WebConfig {
  tls: import('./tls.js').TlsMaterial | null;
  users: Record<string, string>;
  headers: Record<string, string>;
}
