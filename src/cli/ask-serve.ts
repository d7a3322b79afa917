/**
 * Asks the `serve` that holds the ledger for the statusline over its JSON API
 * (GET /api/v1/statusline), as advertised in ledger.owner.json. One HTTP/1.0
 * request over node:net (node:http's client costs a few ms more to load, on every
 * prompt). Any doubt (refused, slow, not 200, another instance, a malformed
 * answer) is null, and the caller reads the ledger itself.
 */
import net from 'node:net';
import type { OwnerApi } from '../ledger/owner.js';

const TIMEOUT_MS = 500;
const MAX_REPLY = 16_384;

/** The line from an HTTP reply, or null unless it is a 200 from that instance. */
export function lineOfReply(reply: string, instance: string): string | null {
  const cut = reply.indexOf('\r\n\r\n');
  if (cut < 0 || !/^HTTP\/1\.[01] 200 /.test(reply)) return null;
  try {
    const b = JSON.parse(reply.slice(cut + 4)) as { line?: unknown; instance?: unknown };
    const line = b.line;
    if (b.instance !== instance || typeof line !== 'string' || line.length === 0 || line.length > 500 || /[\u0000-\u001f\u007f]/.test(line)) return null;
    return line;
  } catch {
    return null;
  }
}

export function askServe(api: OwnerApi, params: { tz: string; window: string }): Promise<string | null> {
  const u = new URL(api.url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const target = `/api/v1/statusline?${new URLSearchParams(params).toString()}`;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (v: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), TIMEOUT_MS);
    const sock = net.connect({ host, port: Number(u.port || 80) });
    // no half-close: a server may drop a request whose client has ended its side; HTTP/1.0 makes it close after the answer
    sock.on('connect', () => sock.write(`GET ${target} HTTP/1.0\r\nHost: ${u.host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`));
    sock.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_REPLY) return finish(null);
      chunks.push(c);
    });
    sock.on('end', () => finish(lineOfReply(Buffer.concat(chunks).toString('utf8'), api.instance)));
    sock.on('error', () => finish(null));
  });
}
