import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { decode } from '@infrastructor/shared';
import { parseGapPayload } from '../../src/store/outbox.js';
import { auditEntry, manualClock, openStore, tempDirs } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../../..');
const distStore = join(repo, 'packages/agent/dist/store/agent-store.js');
const writer = join(here, 'fixtures/crash-writer.mjs');

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/**
 * The child runs the compiled store (packages/agent/dist). Build it, then make
 * sure every store/codec source file has a dist file at least as new, so the
 * child never runs stale code. (tsc -b may report errors in other people's
 * in-progress files and still emit ours; only staleness fails here.)
 */
beforeAll(() => {
  const build = spawnSync('npx', ['tsc', '-b', 'packages/shared', 'packages/agent'], { cwd: repo, encoding: 'utf8' });
  const pairs: [string, string][] = [
    ...readdirSync(join(repo, 'packages/agent/src/store')).map((f): [string, string] => [
      join(repo, 'packages/agent/src/store', f),
      join(repo, 'packages/agent/dist/store', f.replace(/\.ts$/, '.js')),
    ]),
    ...['codec', 'errors', 'index'].map((f): [string, string] => [join(repo, `packages/shared/src/${f}.ts`), join(repo, `packages/shared/dist/${f}.js`)]),
  ];
  const stale = pairs.filter(([src, out]) => !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs).map(([src]) => src);
  if (stale.length > 0) {
    throw new Error(`the build did not produce fresh output for ${stale.join(', ')}:\n${build.stdout}${build.stderr}`);
  }
}, 120_000);

interface Round {
  epoch: string;
  lastSeqAtStart: number;
  committed: { auditSeq: number; resultSeq: number | null; changeSeqs: number[]; gapSeq: number | null; correlationId: string }[];
  exitSignal: NodeJS.Signals | null;
}

/** Start the writer, SIGKILL it once it has reported `killAfter` commits, resolve when it is gone. */
function runAndKill(dbPath: string, maxBytes: number, round: number, killAfter: number): Promise<Round> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [writer, pathToFileURL(distStore).href, dbPath, String(maxBytes), String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result: Round = { epoch: '', lastSeqAtStart: -1, committed: [], exitSignal: null };
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, ...rest] = line.split(' ');
        if (word === 'ready') {
          result.epoch = rest[0]!;
          result.lastSeqAtStart = Number(rest[1]);
        } else if (word === 'committed') {
          const [audit, res, changes, gap, correlationId] = rest as [string, string, string, string, string];
          result.committed.push({
            auditSeq: Number(audit),
            resultSeq: res === '-' ? null : Number(res),
            changeSeqs: changes === '-' ? [] : changes.split(',').map(Number),
            gapSeq: gap === '-' ? null : Number(gap),
            correlationId,
          });
        }
      }
      if (!killed && result.committed.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      result.exitSignal = signal;
      if (!killed) reject(new Error(`writer exited by itself (code ${String(code)}):\n${stderr}`));
      else resolvePromise(result);
    });
  });
}

describe('kill -9 in the middle of writes', () => {
  it('leaves an intact database: dense, never-reused seqs; every audit with its outbox record; counter continues', async () => {
    const dir = dirs.make();
    const dbPath = join(dir, 'agent.db');
    const maxBytes = 150_000; // small: the cap pass drops results and writes gaps during the run
    const rounds: Round[] = [];
    for (let round = 0; round < 6; round++) {
      rounds.push(await runAndKill(dbPath, maxBytes, round, 20 + round * 37));
    }

    // Every child was killed, never moved the file aside, and started above everything seen before.
    const epoch = rounds[0]!.epoch;
    expect(epoch).toMatch(/^[0-9a-f]{32}$/);
    let maxReported = 0;
    for (const r of rounds) {
      expect(r.exitSignal).toBe('SIGKILL');
      expect(r.epoch).toBe(epoch);
      expect(r.lastSeqAtStart).toBeGreaterThanOrEqual(maxReported);
      for (const c of r.committed) {
        const seqs = [c.resultSeq, ...c.changeSeqs, c.auditSeq, c.gapSeq].filter((s): s is number => s !== null);
        // Strictly increasing within a collection and across collections.
        for (const s of seqs) {
          expect(s).toBeGreaterThan(maxReported);
          maxReported = s;
        }
      }
    }
    expect(readdirSync(dir).filter((f) => f.includes('.corrupt-'))).toEqual([]);

    // Check the file as it is, BEFORE the store's open could repair or replace anything.
    const raw = new Database(dbPath, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const outbox = raw.prepare('SELECT seq, kind, payload FROM outbox ORDER BY seq').all() as { seq: number; kind: string; payload: Buffer }[];
    const auditSeqs = (raw.prepare('SELECT seq FROM audit ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
    const historySeqs = (raw.prepare('SELECT seq FROM results_history ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
    const correlationIds = new Set((raw.prepare('SELECT correlation_id FROM audit').all() as { correlation_id: string }[]).map((r) => r.correlation_id));
    const lastSeq = (raw.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number }).seq;
    raw.close();

    // Seqs strictly increasing, no duplicates, never above the counter.
    const seqs = outbox.map((r) => r.seq);
    seqs.forEach((s, i) => i > 0 && expect(s).toBeGreaterThan(seqs[i - 1]!));
    expect(lastSeq).toBeGreaterThanOrEqual(maxReported);
    expect(Math.max(...seqs)).toBeLessThanOrEqual(lastSeq);

    // Every committed seq is in the outbox or a dropped result inside exactly one gap.
    const kindBySeq = new Map(outbox.map((r) => [r.seq, r.kind]));
    const gaps = outbox.filter((r) => r.kind === 'gap').map((r) => parseGapPayload(decode(r.payload)));
    expect(gaps.length).toBeGreaterThan(0); // the cap really was exercised
    const historySet = new Set(historySeqs);
    for (let s = 1; s <= lastSeq; s++) {
      if (kindBySeq.has(s)) continue;
      expect(gaps.filter((g) => g.fromSeq <= s && s <= g.toSeq), `seq ${s}`).toHaveLength(1);
      expect(historySet.has(s), `dropped seq ${s} must be a stored result`).toBe(true);
    }
    for (const g of gaps) {
      let missing = 0;
      for (let s = g.fromSeq; s <= g.toSeq; s++) if (!kindBySeq.has(s)) missing++;
      expect(missing).toBe(g.droppedResults);
    }

    // Same transaction: audit rows and audit records match one to one (nothing acked, audits never dropped).
    expect(auditSeqs).toEqual(outbox.filter((r) => r.kind === 'audit').map((r) => r.seq));
    for (const s of historySeqs) expect(kindBySeq.get(s) ?? 'dropped').toMatch(/^(result|dropped)$/);
    // Everything a child reported as committed is durable.
    for (const c of rounds.flatMap((r) => r.committed)) {
      expect(auditSeqs).toContain(c.auditSeq);
      expect(correlationIds.has(c.correlationId)).toBe(true);
    }

    // The store opens the file as is, and the counter continues above everything seen.
    const store = openStore(dbPath, manualClock(), undefined, { outboxMaxBytes: maxBytes });
    expect(store.epoch).toBe(epoch);
    const next = store.collections.record({ audit: auditEntry() });
    expect(next.auditSeq).toBe(lastSeq + 1);
    store.close();
  }, 120_000);
});
