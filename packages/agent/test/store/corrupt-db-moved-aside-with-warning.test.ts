import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, readdirSync, closeSync, writeFileSync, writeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { auditEntry, manualClock, memoryLogger, openStore, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const STAMP = '2023-11-14T22-13-20-000Z'; // manualClock() default start, as a file-name-safe ISO time

describe('a corrupt database file', () => {
  it('that is not a database at all is moved aside (with its -wal) and a new one works', () => {
    const dir = dirs.make();
    const path = join(dir, 'agent.db');
    const garbage = randomBytes(8192);
    writeFileSync(path, garbage);
    writeFileSync(`${path}-wal`, randomBytes(100));
    const logger = memoryLogger();
    const clock = manualClock();

    const store = openStore(path, clock, logger);
    const movedTo = `${path}.corrupt-${STAMP}`;
    expect(readFileSync(movedTo).equals(garbage)).toBe(true);
    expect(existsSync(`${movedTo}-wal`)).toBe(true);
    const warns = logger.lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]!.obj).toMatchObject({ event: 'store_corrupt_moved_aside', path, movedTo });
    expect(warns[0]!.msg).toContain(movedTo);
    expect(warns[0]!.msg).toMatch(/corrupt/);

    // The new database is fully usable.
    expect(store.collections.record({ audit: auditEntry(), result: resultEntry() })).toMatchObject({ resultSeq: 1, auditSeq: 2 });
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
  });

  it('with damaged pages inside a real database is detected by quick_check and replaced', () => {
    const dir = dirs.make();
    const path = join(dir, 'agent.db');
    const clock = manualClock();
    const first = openStore(path, clock);
    const oldEpoch = first.epoch;
    for (let i = 0; i < 300; i++) {
      first.collections.record({ audit: auditEntry({ correlationId: `c-${i}` }), result: resultEntry({ data: { i, pad: 'x'.repeat(200) } }) });
    }
    first.close(); // checkpoints the WAL into the main file
    expect(existsSync(`${path}-wal`)).toBe(false);
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(16 * 4096);
    // Keep page 1 (the header) intact; scribble over pages in the middle.
    const fd = openSync(path, 'r+');
    writeSync(fd, randomBytes(6 * 4096), 0, 6 * 4096, 4 * 4096);
    closeSync(fd);

    const logger = memoryLogger();
    clock.advance(1);
    const second = openStore(path, clock, logger);
    expect(second.epoch).not.toBe(oldEpoch);
    expect(second.outbox.lastSeq()).toBe(0);
    const moved = readdirSync(dir).filter((f) => f.startsWith('agent.db.corrupt-'));
    // The main file, plus the -shm/-wal the failed open created, all under the same name.
    expect(moved.filter((f) => !/-(wal|shm)$/.test(f))).toEqual(['agent.db.corrupt-2023-11-14T22-13-20-001Z']);
    expect(moved.every((f) => f.startsWith('agent.db.corrupt-2023-11-14T22-13-20-001Z'))).toBe(true);
    expect(logger.lines.filter((l) => l.obj['event'] === 'store_corrupt_moved_aside')).toHaveLength(1);
    second.collections.record({ audit: auditEntry() });
    second.close();
  });

  it('never overwrites an earlier corrupt copy', () => {
    const dir = dirs.make();
    const path = join(dir, 'agent.db');
    const clock = manualClock();
    writeFileSync(path, randomBytes(4096));
    openStore(path, clock).close();
    writeFileSync(path, randomBytes(4096));
    openStore(path, clock).close(); // same clock value → same stamp
    expect(readdirSync(dir).filter((f) => f.includes('.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm')).sort()).toEqual([
      `agent.db.corrupt-${STAMP}`,
      `agent.db.corrupt-${STAMP}-1`,
    ]);
  });
});
