// Content digests. Only sha256 is accepted: it is what every registry and
// every OCI tool produces, and refusing the rest keeps path building safe
// (a digest becomes a file name, so it must be exactly 64 lowercase hex).

import { createHash } from 'node:crypto';
import { ImageError } from './errors.ts';

const sha256Pattern = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && sha256Pattern.test(value);
}

/** Throws unless `value` is a sha256 digest; returns its hex part. */
export function digestHex(value: unknown, what = 'digest'): string {
  if (isDigest(value)) return value.slice('sha256:'.length);
  if (typeof value === 'string' && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value)) {
    throw new ImageError(
      'Unsupported',
      `unsupported ${what} ${JSON.stringify(value)}: only sha256 is supported`,
    );
  }
  throw new ImageError('InvalidImage', `invalid ${what} ${JSON.stringify(value)}`);
}

export function sha256Of(data: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/**
 * The chain ID of layer n names the filesystem made by layers 0..n applied in
 * order (OCI image spec): chainID(0) = diffID(0),
 * chainID(n) = sha256(chainID(n-1) + " " + diffID(n)).
 */
export function chainIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffID of diffIDs) {
    const previous = out.at(-1);
    out.push(previous === undefined ? diffID : sha256Of(`${previous} ${diffID}`));
  }
  return out;
}

export function verifyDigest(expected: string, actual: string, what: string): void {
  if (expected !== actual) {
    throw new ImageError('DigestMismatch', `${what}: digest mismatch: expected ${expected}, got ${actual}`);
  }
}
