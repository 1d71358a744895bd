// A result that could never reach the hub in one frame is refused when it is
// written (RESULT_TOO_LARGE), before anything is stored: otherwise the hub
// would refuse its record over and over and every record after it would wait.
// Through the collection service the collection fails with that code and is
// audited, and the next collection streams as usual.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InfraError, maxRecordBytes, DEFAULT_AGENT_MAX_PAYLOAD_BYTES } from '@infrastructor/shared';
import { CollectionService } from '../../src/service/collection-service.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { EventCounters } from '../../src/service/event-counters.js';
import { LocalTransport } from '../../src/collect/local-transport.js';
import { openAgentStore } from '../../src/store/agent-store.js';
import { config, host, registry, silentLogger, spec } from '../service/fakes.js';
import { auditEntry, manualClock, memoryLogger, outboxRows, resultEntry, storageOptions, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const LIMIT = 4096;

function store() {
  return openAgentStore({ storage: storageOptions(join(dirs.make(), 'agent.db')), logger: memoryLogger(), clock: manualClock().now, maxResultBytes: LIMIT });
}

describe('a result too large for one hub frame', () => {
  it('is refused with RESULT_TOO_LARGE and nothing of its collection is written', () => {
    const s = store();
    const before = outboxRows(s);
    let error: unknown;
    try {
      s.collections.record({ audit: auditEntry(), result: resultEntry({ data: { blob: 'x'.repeat(LIMIT) } }) });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).code).toBe('RESULT_TOO_LARGE');
    expect((error as InfraError).message).toMatch(/more than the 4096 a record may have/);
    expect(outboxRows(s)).toEqual(before);
    // In a batch it fails the batch (the service then writes each alone).
    expect(() => s.collections.recordMany([{ audit: auditEntry(), result: resultEntry() }, { audit: auditEntry(), result: resultEntry({ data: 'y'.repeat(LIMIT) }) }])).toThrow(/RESULT_TOO_LARGE|more than/);
    expect(outboxRows(s)).toEqual(before);
    // Just under the limit is fine.
    expect(s.collections.record({ audit: auditEntry(), result: resultEntry({ data: 'z'.repeat(LIMIT - 400) }) }).resultSeq).toBe(1);
    s.close();
  });

  it('fails its collection with that code, audited as an error, and later collections stream as usual', async () => {
    const s = store();
    const counters = new EventCounters();
    const service = new CollectionService({
      config: config([host('h1')]),
      registry: registry([spec('big', { script: () => "printf '%6000s\\n' x", parse: ({ stdout }) => ({ text: stdout }) }), spec('small', { script: () => 'echo hi', parse: ({ stdout }) => ({ text: stdout.trim() }) })]),
      transportFor: () => new LocalTransport({}),
      sink: s.collections,
      cache: new ResultCache({ maxEntries: 10, now: () => 0 }),
      counters,
      logger: silentLogger,
      now: Date.now,
      sleep: async () => {},
      random: () => 0.5,
    });
    await expect(service.collect('h1', 'big', { source: 'cli' })).rejects.toMatchObject({ code: 'RESULT_TOO_LARGE' });
    expect(await service.collect('h1', 'small', { source: 'cli' })).toMatchObject({ status: 'success', data: { text: 'hi' } });
    const audits = s.db.prepare('SELECT command, status, error_code FROM audit ORDER BY id').all();
    expect(audits).toEqual([
      { command: 'big', status: 'error', error_code: 'RESULT_TOO_LARGE' },
      { command: 'small', status: 'success', error_code: null },
    ]);
    expect(outboxRows(s).map((r) => r.kind)).toEqual(['audit', 'result', 'audit']);
    expect(counters.get('collection_failed.RESULT_TOO_LARGE')).toBe(1);
    s.close();
  });

  it('by default is whatever does not fit one frame of the hub default limit', () => {
    expect(maxRecordBytes()).toBe(DEFAULT_AGENT_MAX_PAYLOAD_BYTES - 64 * 1024);
    expect(maxRecordBytes(1024 * 1024)).toBe(1024 * 1024 - 64 * 1024);
  });
});
