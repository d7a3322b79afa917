/**
 * TLS for the HTTP endpoint: the Node server options for a web config's
 * `tls_server_config` (certificate, key, client CA, version range) and the
 * client-certificate policy of exporter-toolkit's `client_auth_type`, applied to
 * each connection once its handshake completes. Node verifies a client
 * certificate against the CA itself (`socket.authorized`); the policy decides
 * whether a missing or unverified one ends the connection. Certificates arrive
 * as bytes: the caller reads the files.
 */
import tls from 'node:tls';
import type { ClientAuthType, NodeTlsVersion } from './web-config.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  clientCa: Buffer | null;
  clientAuthType: ClientAuthType;
  minVersion: NodeTlsVersion;
  maxVersion: NodeTlsVersion;
  clientAllowedSans: string[];
}

export function secureContextOptions(m: TlsMaterial): tls.SecureContextOptions {
  return {
    cert: m.cert,
    key: m.key,
    ...(m.clientCa ? { ca: m.clientCa } : {}),
    minVersion: m.minVersion,
    maxVersion: m.maxVersion,
  };
}

/** Throws a one-line error when the certificate, key or CA cannot be used (wrong PEM, key not matching). */
export function checkTlsMaterial(m: TlsMaterial): void {
  try {
    tls.createSecureContext(secureContextOptions(m));
  } catch (err) {
    throw new Error(`tls_server_config: cannot use the certificate, key or client CA (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Whether the server asks clients for a certificate at all. */
export function requestsClientCert(t: ClientAuthType): boolean {
  return t !== 'NoClientCert';
}

/** Null when the connection may go on, else why not (for a debug log line). */
export function clientCertProblem(socket: tls.TLSSocket, m: TlsMaterial): string | null {
  const t = m.clientAuthType;
  if (t === 'NoClientCert' || t === 'RequestClientCert') return null;
  const cert = socket.getPeerCertificate();
  const given = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  if (!given) return t === 'VerifyClientCertIfGiven' ? null : 'client certificate required';
  if (t === 'RequireAnyClientCert') return null;
  if (!socket.authorized) return `client certificate not verified (${String(socket.authorizationError ?? 'unknown')})`;
  if (m.clientAllowedSans.length > 0) {
    const sans = (cert.subjectaltname ?? '').split(/,\s*/).map((s) => s.replace(/^[A-Za-z ]+:/, ''));
    if (!m.clientAllowedSans.some((a) => sans.includes(a))) return 'client certificate SAN not allowed';
  }
  return null;
}
