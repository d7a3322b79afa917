/** Short stable hashes for identities and for hashing PII before export (own module: the labeling rules need it without the parser). */
import crypto from 'node:crypto';

type HashFn = (algorithm: string, data: string, encoding: 'base64url') => string;
const oneShot: HashFn | undefined = (crypto as unknown as { hash?: HashFn }).hash;

export function oneShotSha256(s: string): string {
  return oneShot ? oneShot('sha256', s, 'base64url') : crypto.createHash('sha256').update(s).digest('base64url');
}

/** Short stable hash used for identities and for hashing PII before export. */
export function shortHash(s: string, len = 22): string {
  return oneShotSha256(s).slice(0, len);
}
