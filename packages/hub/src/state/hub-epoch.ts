import { randomBytes } from 'node:crypto';

/**
 * A fresh hub epoch: 16 hex characters, made once per hub process. Event
 * seqs only compare within one epoch; a subscriber resuming with another
 * epoch gets a fresh snapshot.
 */
export function newHubEpoch(): string {
  return randomBytes(8).toString('hex');
}
