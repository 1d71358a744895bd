// collectMany(): the scheduled commands of one host that fall due together
// run in one exec channel (each in its own subshell and section, with its
// own exit status), yet each is collected, audited and settled as if it had
// run alone; a batch that fails as a whole falls back to one by one.
import { describe, it, expect } from 'vitest';
import { InfraError } from '@infrastructor/shared';
import { CollectionService } from '../../src/service/collection-service.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { EventCounters } from '../../src/service/event-counters.js';
import { LocalTransport } from '../../src/collect/local-transport.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/collect/transport.js';
import type { CommandSpec } from '../../src/registry/command-spec.js';
import type { CollectionWriteEntry } from '../../src/service/collection-types.js';
import { config, host, MemorySink, registry, silentLogger, spec } from './fakes.js';

/** Runs scripts with the real /bin/sh and counts exec calls. */
class CountingShell implements Transport {
  readonly scripts: string[] = [];
  readonly #local = new LocalTransport({});
  failNext: InfraError | undefined;
  exec(script: string, options: ExecOptions): Promise<ExecResult> {
    this.scripts.push(script);
    const fail = this.failNext;
    this.failNext = undefined;
    if (fail) return Promise.reject(fail);
    return this.#local.exec(script, options);
  }
}

class BatchSink extends MemorySink {
  batches: number[] = [];
  recordMany(entries: readonly CollectionWriteEntry[]): void {
    this.batches.push(entries.length);
    for (const e of entries) this.record(e);
  }
}

const json = (name: string, script: string, extra: Partial<CommandSpec> = {}): CommandSpec => spec(name, { script: () => script, ...extra });

function setup(specs: CommandSpec[], limits: Parameters<typeof config>[1] = {}) {
  const sink = new BatchSink();
  const transport = new CountingShell();
  const counters = new EventCounters();
  const service = new CollectionService({
    config: config([host('h1')], { perHostConcurrency: 1, ...limits }),
    registry: registry(specs),
    transportFor: () => transport,
    sink,
    cache: new ResultCache({ maxEntries: 100, now: () => 0 }),
    counters,
    logger: silentLogger,
    now: Date.now,
    sleep: async () => {},
    random: () => 0.5,
  });
  return { service, sink, transport, counters };
}

describe('collectMany()', () => {
  it('runs the commands in one channel, each with its own result, audit, correlation id and exit status', async () => {
    const { service, sink, transport } = setup([
      json('a', `printf '{"n":1}\\n'`),
      // `exit`, `cd` and variables stay inside the command's own subshell
      json('b', `cd /; x=2; printf '{"n":%s}' "$x"; exit 0`),
      json('c', `printf '{"n":3,"pwd":"%s"}' "$(pwd)"`),
      json('d', `echo oops >&2; exit 3`),
      json('e', `printf 'garbage'`),
    ]);
    const calls = service.collectMany('h1', ['a', 'b', 'c', 'd', 'e'], { source: 'schedule' });
    const settled = await Promise.allSettled(calls);
    expect(transport.scripts).toHaveLength(1);
    const values = settled.map((s) => (s.status === 'fulfilled' ? s.value.data : (s.reason as InfraError).code));
    expect(values[0]).toEqual({ n: 1 });
    expect(values[1]).toEqual({ n: 2 });
    expect((values[2] as { pwd: string }).pwd).not.toBe('/');
    expect(values[3]).toBe('EXEC_NONZERO_EXIT');
    expect(values[4]).toBe('PARSE_FAILED');
    expect(((settled[3] as PromiseRejectedResult).reason as InfraError).message).toContain('oops');
    // one audit per command, distinct correlation ids, the three results written in one transaction
    expect(sink.audits.map((a) => [a.command, a.status]).sort()).toEqual([
      ['a', 'success'],
      ['b', 'success'],
      ['c', 'success'],
      ['d', 'error'],
      ['e', 'error'],
    ]);
    expect(new Set(sink.audits.map((a) => a.correlationId)).size).toBe(5);
    expect(sink.results.map((r) => r.command).sort()).toEqual(['a', 'b', 'c']);
    expect(sink.batches).toEqual([3]);
  });

  it('uses up to perHostConcurrency channels', async () => {
    const { service, transport } = setup(['a', 'b', 'c', 'd'].map((n) => json(n, `printf '{}'`)), { perHostConcurrency: 2 });
    await Promise.all(service.collectMany('h1', ['a', 'b', 'c', 'd'], { source: 'schedule' }));
    expect(transport.scripts).toHaveLength(2);
  });

  it('falls back to one channel per command when the batch channel fails', async () => {
    const { service, sink, transport, counters } = setup([json('a', `printf '{"n":1}'`), json('b', `printf '{"n":2}'`)]);
    transport.failNext = new InfraError('SSH_CONNECTION_LOST', 'connection lost');
    const results = await Promise.all(service.collectMany('h1', ['a', 'b'], { source: 'schedule' }));
    expect(results.map((r) => r.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(transport.scripts).toHaveLength(3);
    expect(counters.get('collection_batch_failed.SSH_CONNECTION_LOST')).toBe(1);
    expect(sink.audits.map((a) => a.status)).toEqual(['success', 'success']);
  });

  it('runs a command whose section is missing again on its own', async () => {
    // The batch shell itself dies during the second command ($$ is the batch shell, also in a subshell).
    const { service, transport } = setup([json('a', `printf '{"n":1}'`), json('b', `kill -9 $$`), json('c', `printf '{"n":3}'`)]);
    const settled = await Promise.allSettled(service.collectMany('h1', ['a', 'b', 'c'], { source: 'schedule' }));
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { data: { n: 1 } } });
    expect(settled[2]).toMatchObject({ status: 'fulfilled', value: { data: { n: 3 } } });
    expect(transport.scripts.length).toBeGreaterThan(1);
  });

  it('lets a concurrent request ride along on a batched execution (single-flight)', async () => {
    const { service, sink, transport } = setup([json('a', `sleep 0.2; printf '{"n":1}'`), json('b', `printf '{"n":2}'`)]);
    const batch = service.collectMany('h1', ['a', 'b'], { source: 'schedule' });
    const rider = service.collect('h1', 'a', { source: 'request' });
    const [a] = await Promise.all(batch);
    const r = await rider;
    expect(r).toMatchObject({ status: 'cached', cacheHit: true, data: a?.data });
    expect(transport.scripts).toHaveLength(1);
    expect(sink.audits.filter((x) => x.command === 'a')).toHaveLength(2);
  });

  it('sends refused commands through the single path, audited as before', async () => {
    const { service, sink } = setup([json('a', `printf '{}'`), json('b', `printf '{}'`)]);
    const settled = await Promise.allSettled(service.collectMany('h1', ['a', 'nope', 'b'], { source: 'schedule' }));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as InfraError).code).toBe('COMMAND_UNKNOWN');
    expect(sink.audits).toHaveLength(3);
  });
});
