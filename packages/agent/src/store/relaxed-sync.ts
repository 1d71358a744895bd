/**
 * For writes whose loss in a power cut is harmless: commit them without
 * waiting for the disk (`synchronous NORMAL` for that one commit) when the
 * database runs `synchronous FULL`. The WAL keeps commits in order, so such
 * a write becomes durable with the next FULL commit (the next collection)
 * and a power cut can only lose a suffix of them. A crash of the agent
 * process alone loses nothing (the WAL is written either way).
 *
 * Used for the outbox's ack deletes (a lost delete only means records the
 * hub already has are sent again; the hub drops them as duplicates) and the
 * hub link's state row (informational, rewritten on every change). Every
 * collection write stays FULL.
 */
import type Database from 'better-sqlite3';

export type RelaxedRunner = <T>(write: () => T) => T;

export function relaxedSync(db: Database.Database): RelaxedRunner {
  const full = db.pragma('synchronous', { simple: true }) === 2;
  if (!full) return (write) => write();
  const toNormal = db.prepare('PRAGMA synchronous = NORMAL');
  const toFull = db.prepare('PRAGMA synchronous = FULL');
  return (write) => {
    if (db.inTransaction) return write();
    toNormal.run();
    try {
      return write();
    } finally {
      toFull.run();
    }
  };
}
