/**
 * Group commit for the ingest without blocking the event loop on the disk.
 *
 * With `synchronous FULL` every commit waits for an fsync of the WAL
 * (milliseconds on real disks) with the whole hub stopped: no fan-out, no
 * other agent. Here an ingest transaction commits with `synchronous NORMAL`
 * (written to the WAL, no fsync), and `afterDurable(cb)` runs `cb` once an
 * fsync of the WAL file, started AFTER that commit, has finished — on the
 * libuv thread pool, so the event loop keeps serving. One fsync covers
 * every commit made before it started (fsync is per file), so under load
 * many batches share one. Callbacks run in registration order.
 *
 * The guarantee callers build on is unchanged: a batch is acknowledged (and
 * its events published) only after it is on disk. A hub killed or losing
 * power before the fsync loses only unacknowledged batches, which agents
 * send again. With `synchronous NORMAL` configured, or an in-memory
 * database, callbacks run at once (nothing to wait for); when the WAL file
 * cannot be synced, commits fall back to FULL (synchronous) and callbacks
 * run at once.
 */
import { close, fsync, open } from 'node:fs';
import type Database from 'better-sqlite3';

type Callback = (err: Error | undefined) => void;

export class DurableCommits {
  readonly #db: Database.Database;
  readonly #walPath: string | undefined;
  readonly #toNormal: Database.Statement | undefined;
  readonly #toFull: Database.Statement | undefined;
  #waiting: Callback[] = [];
  #syncing = false;
  /** The WAL file could not be synced: commits are FULL again. */
  #fallback = false;

  constructor(db: Database.Database) {
    this.#db = db;
    const full = db.pragma('synchronous', { simple: true }) === 2;
    const wal = String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    if (full && wal && !db.memory && db.name !== '' && db.name !== ':memory:') {
      this.#walPath = `${db.name}-wal`;
      this.#toNormal = db.prepare('PRAGMA synchronous = NORMAL');
      this.#toFull = db.prepare('PRAGMA synchronous = FULL');
    }
  }

  /** Whether commits are made durable in the background (else: synchronously). */
  get asynchronous(): boolean {
    return this.#walPath !== undefined && !this.#fallback;
  }

  /** Run `write` (a better-sqlite3 transaction function); its commit does not wait for the disk. */
  run<T>(write: () => T): T {
    if (!this.asynchronous || this.#db.inTransaction) return write();
    this.#toNormal?.run();
    try {
      return write();
    } finally {
      this.#toFull?.run();
    }
  }

  /** `cb` once everything committed so far is on disk (err when that cannot be known). */
  afterDurable(cb: Callback): void {
    if (!this.asynchronous) {
      cb(this.#db.open ? undefined : new Error('the database is closed'));
      return;
    }
    this.#waiting.push(cb);
    if (!this.#syncing) this.#startSync();
  }

  #startSync(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#syncing = true;
    const finish = (err: Error | undefined): void => {
      if (err && this.#db.open) {
        // Could not sync the WAL file: from now on commit with FULL, and make
        // what is already committed durable with one FULL write-through.
        this.#fallback = true;
        try {
          this.#db.pragma('wal_checkpoint(FULL)');
          err = undefined;
        } catch (e) {
          err = e instanceof Error ? e : new Error(String(e));
        }
      }
      const closedErr = this.#db.open ? err : new Error('the database is closed');
      for (const cb of batch) cb(closedErr);
      this.#syncing = false;
      if (this.#waiting.length > 0) {
        if (this.asynchronous) this.#startSync();
        else for (const cb of this.#waiting.splice(0)) cb(this.#db.open ? undefined : new Error('the database is closed'));
      }
    };
    open(this.#walPath as string, 'r', (openErr, fd) => {
      if (openErr) return finish(openErr);
      fsync(fd, (syncErr) => {
        close(fd, () => finish(syncErr ?? undefined));
      });
    });
  }
}
