/**
 * A failed SQLite write as a coded error an operator can act on:
 * STORE_WRITE_FAILED naming the database file and what SQLite's result code
 * means (disk full, read-only, I/O error, …). Anything that is not a SQLite
 * error (no `SQLITE_…` code) comes back as `toInfraError` gives it.
 */
import { InfraError, toInfraError } from './errors.js';

const MEANINGS: readonly (readonly [prefix: string, meaning: string])[] = [
  ['SQLITE_FULL', 'the disk (or file system) holding it is full'],
  ['SQLITE_READONLY', 'it cannot be written (file or folder permissions, or a read-only file system)'],
  ['SQLITE_IOERR', 'the disk reported an I/O error'],
  ['SQLITE_CORRUPT', 'the file is damaged'],
  ['SQLITE_BUSY', 'another process holds a lock on it'],
  ['SQLITE_CANTOPEN', 'a file next to it (its -wal or -shm) could not be opened'],
  ['SQLITE_PERM', 'access was refused'],
];

function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function storeWriteError(err: unknown, path: string): InfraError {
  if (err instanceof InfraError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return toInfraError(err);
  const meaning = MEANINGS.find(([prefix]) => code.startsWith(prefix))?.[1] ?? 'SQLite refused the write';
  const detail = err instanceof Error ? err.message : String(err);
  return new InfraError('STORE_WRITE_FAILED', `could not write to ${path}: ${meaning} (${code}: ${detail})`, {
    cause: err,
    details: { path, sqliteCode: code },
  });
}
