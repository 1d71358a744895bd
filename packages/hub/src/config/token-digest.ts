import { createHash } from 'node:crypto';

/** Hex SHA-256 of a token, as configured under `tokenSha256`. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export const TOKEN_SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** Plain tokens shorter than this are refused (they would be guessable). */
export const MIN_TOKEN_LENGTH = 16;
