import { describe, it, expect } from 'vitest';
import { InfraError } from '@infrastructor/shared';
import { CollectionService } from '../../src/service/collection-service.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { EventCounters } from '../../src/service/event-counters.js';
import type { Transport } from '../../src/collect/transport.js';
import { config, host, MemorySink, ok, registry, ScriptedTransport, silentLogger, spec } from './fakes.js';
import type { CommandSpec } from '../../src/registry/command-spec.js';

function setup(opts: {
  specs?: CommandSpec[];
  transport?: Transport;
  settings?: Parameters<typeof registry>[1];
  limits?: Parameters<typeof config>[1];
}) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const sink = new MemorySink();
  const counters = new EventCounters();
  const transport = opts.transport ?? new ScriptedTransport(() => ok('[]'));
  const cache = new ResultCache({ maxEntries: 100, now: clock.now });
  const service = new CollectionService({
    config: config([host('h1'), host('h2')], opts.limits),
    registry: registry(opts.specs ?? [spec('list'), spec('files', {}, 0)], opts.settings),
    transportFor: () => transport,
    sink,
    cache,
    counters,
    logger: silentLogger,
    now: clock.now,
    sleep: async () => {},
    random: () => 0.5,
  });
  return { service, sink, counters, transport, cache, clock };
}

describe('collect()', () => {
  it('caches within the TTL, counts a cached empty list as a hit, and audits both calls', async () => {
    const { service, sink, transport } = setup({});
    const first = await service.collect('h1', 'list', { source: 'schedule' });
    const second = await service.collect('h1', 'list', { source: 'request' });
    expect(first).toMatchObject({ status: 'success', cacheHit: false, data: [] });
    expect(second).toMatchObject({ status: 'cached', cacheHit: true, data: [] });
    expect((transport as ScriptedTransport).calls).toHaveLength(1);
    expect(sink.audits.map((a) => [a.status, a.cacheHit, a.source])).toEqual([
      ['success', false, 'schedule'],
      ['cached', true, 'request'],
    ]);
    expect(sink.results).toHaveLength(1);
  });

  it('always executes scheduled runs, refreshing the cache that requests then read', async () => {
    const { service, sink, transport } = setup({});
    await service.collect('h1', 'list', { source: 'schedule' });
    await service.collect('h1', 'list', { source: 'schedule' });
    await service.collect('h1', 'list', { source: 'request' });
    expect((transport as ScriptedTransport).calls).toHaveLength(2);
    expect(sink.audits.map((a) => a.status)).toEqual(['success', 'success', 'cached']);
  });

  it('runs again after the TTL expires and on forceRefresh', async () => {
    const { service, sink, transport, clock } = setup({});
    await service.collect('h1', 'list', { source: 'cli' });
    clock.advance(30_001);
    await service.collect('h1', 'list', { source: 'cli' });
    await service.collect('h1', 'list', { source: 'cli', forceRefresh: true });
    expect((transport as ScriptedTransport).calls).toHaveLength(3);
    expect(sink.audits.map((a) => [a.status, a.forceRefresh])).toEqual([
      ['success', false],
      ['success', false],
      ['success', true],
    ]);
  });

  it('never caches a TTL 0 command', async () => {
    const { service, transport } = setup({});
    await service.collect('h1', 'files', { source: 'cli' });
    await service.collect('h1', 'files', { source: 'cli' });
    expect((transport as ScriptedTransport).calls).toHaveLength(2);
  });

  it('shares one execution between concurrent calls for the same key (single-flight)', async () => {
    const transport = new ScriptedTransport();
    const { service, sink } = setup({ transport });
    const calls = [1, 2, 3].map(() => service.collect('h1', 'list', { source: 'request' }));
    await new Promise((r) => setImmediate(r));
    expect(transport.pending).toHaveLength(1);
    transport.pending[0]?.resolve(ok('[1]'));
    const results = await Promise.all(calls);
    expect(results.map((r) => r.data)).toEqual([[1], [1], [1]]);
    expect(results.filter((r) => r.cacheHit)).toHaveLength(2);
    expect(new Set(results.map((r) => r.correlationId)).size).toBe(3);
    expect(sink.audits).toHaveLength(3);
    expect(sink.results).toHaveLength(1);
  });

  it('keeps different hosts and params apart', async () => {
    const { service, transport } = setup({});
    await service.collect('h1', 'list', { source: 'cli' });
    await service.collect('h2', 'list', { source: 'cli' });
    await service.collect('h1', 'list', { source: 'cli', params: { x: 'a' } });
    expect((transport as ScriptedTransport).calls).toHaveLength(3);
  });

  it('audits refusals (unknown host, unknown command, disabled, bad params) and runs nothing', async () => {
    const { service, sink, transport } = setup({ settings: { files: { enabled: false } } });
    const attempts: Array<[string, string, Record<string, unknown>, string]> = [
      ['nope', 'list', {}, 'HOST_UNKNOWN'],
      ['h1', 'nope', {}, 'COMMAND_UNKNOWN'],
      ['h1', 'files', {}, 'COMMAND_DISABLED'],
      ['h1', 'list', { dir: '; rm -rf /' }, 'PARAM_INVALID'],
    ];
    for (const [h, c, params, code] of attempts) {
      await expect(service.collect(h, c, { source: 'request', params })).rejects.toMatchObject({ code });
    }
    expect((transport as ScriptedTransport).calls).toHaveLength(0);
    expect(sink.audits.map((a) => [a.status, a.errorCode])).toEqual(attempts.map(([, , , code]) => ['error', code]));
  });

  it('reports a parse failure with a code, audits it, and caches nothing', async () => {
    const transport = new ScriptedTransport(() => ok('garbage output'));
    const { service, sink, counters } = setup({ transport });
    await expect(service.collect('h1', 'list', { source: 'schedule' })).rejects.toMatchObject({ code: 'PARSE_FAILED' });
    await expect(service.collect('h1', 'list', { source: 'schedule' })).rejects.toMatchObject({ code: 'PARSE_FAILED' });
    expect(transport.calls).toHaveLength(2);
    expect(sink.audits.map((a) => a.errorCode)).toEqual(['PARSE_FAILED', 'PARSE_FAILED']);
    expect(counters.get('collection_failed.PARSE_FAILED')).toBe(2);
  });

  it('turns a non-zero exit into EXEC_NONZERO_EXIT with stderr, unless the command accepts it', async () => {
    const transport = new ScriptedTransport(() => ok('[]', 4, 'permission denied'));
    const { service } = setup({ transport, specs: [spec('list'), spec('smart', { okExitCodes: [0, 4] })] });
    await expect(service.collect('h1', 'list', { source: 'cli' })).rejects.toMatchObject({
      code: 'EXEC_NONZERO_EXIT',
      message: expect.stringContaining('permission denied'),
    });
    await expect(service.collect('h1', 'smart', { source: 'cli' })).resolves.toMatchObject({ status: 'success' });
  });

  it('retries retryable errors up to the limit and never retries auth failures', async () => {
    let n = 0;
    const flaky = new ScriptedTransport(() => (++n < 3 ? new InfraError('SSH_CONNECTION_REFUSED', 'refused') : ok('[]')));
    const a = setup({ transport: flaky, settings: { list: { retries: 2 } } });
    await expect(a.service.collect('h1', 'list', { source: 'cli' })).resolves.toMatchObject({ status: 'success' });
    expect(flaky.calls).toHaveLength(3);
    expect(a.sink.audits).toHaveLength(1);

    const auth = new ScriptedTransport(() => new InfraError('SSH_AUTH_FAILED', 'denied'));
    const b = setup({ transport: auth, settings: { list: { retries: 5 } } });
    await expect(b.service.collect('h1', 'list', { source: 'cli' })).rejects.toMatchObject({ code: 'SSH_AUTH_FAILED' });
    expect(auth.calls).toHaveLength(1);
  });

  it('audits a timeout with status timeout', async () => {
    const transport = new ScriptedTransport(() => new InfraError('EXEC_TIMEOUT', 'took too long'));
    const { service, sink } = setup({ transport });
    await expect(service.collect('h1', 'list', { source: 'schedule' })).rejects.toMatchObject({ code: 'EXEC_TIMEOUT' });
    expect(sink.audits[0]).toMatchObject({ status: 'timeout', errorCode: 'EXEC_TIMEOUT' });
  });

  it('emits created/modified/deleted change events for file-based commands', async () => {
    let files: Array<{ path: string; hash: string }> = [
      { path: '/a.conf', hash: 'h1' },
      { path: '/b.conf', hash: 'h2' },
    ];
    const transport = new ScriptedTransport(() => ok(JSON.stringify(files)));
    const fileSpec = spec('confs', { files: (d) => d as Array<{ path: string; hash: string }> }, 0);
    const { service, sink } = setup({ transport, specs: [fileSpec] });
    const first = await service.collect('h1', 'confs', { source: 'schedule' });
    expect(first.changes.map((c) => [c.path, c.change])).toEqual([
      ['/a.conf', 'created'],
      ['/b.conf', 'created'],
    ]);
    files = [
      { path: '/a.conf', hash: 'h1-new' },
      { path: '/c.conf', hash: 'h3' },
    ];
    const second = await service.collect('h1', 'confs', { source: 'schedule' });
    expect(second.changes.map((c) => [c.path, c.change, c.oldHash, c.newHash])).toEqual([
      ['/a.conf', 'modified', 'h1', 'h1-new'],
      ['/b.conf', 'deleted', 'h2', null],
      ['/c.conf', 'created', null, 'h3'],
    ]);
    const third = await service.collect('h1', 'confs', { source: 'schedule' });
    expect(third.changes).toEqual([]);
    expect(sink.changes).toHaveLength(5);
    // A one-off request with other parameters watches nothing and moves no hashes.
    files = [{ path: '/elsewhere.conf', hash: 'h9' }];
    const adhoc = await service.collect('h1', 'confs', { source: 'request', params: { dir: '/elsewhere' } });
    expect(adhoc.changes).toEqual([]);
    files = [
      { path: '/a.conf', hash: 'h1-new' },
      { path: '/c.conf', hash: 'h3' },
    ];
    const fourth = await service.collect('h1', 'confs', { source: 'schedule' });
    expect(fourth.changes).toEqual([]);
  });

  it('limits concurrent executions per host', async () => {
    const transport = new ScriptedTransport();
    const specs = ['a', 'b', 'c'].map((n) => spec(n));
    const { service } = setup({ transport, specs, limits: { perHostConcurrency: 2 } });
    const calls = specs.map((s) => service.collect('h1', s.name, { source: 'schedule' }));
    await new Promise((r) => setImmediate(r));
    expect(transport.pending).toHaveLength(2);
    transport.pending[0]?.resolve(ok('1'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(transport.pending).toHaveLength(3);
    transport.pending.slice(1).forEach((p) => p.resolve(ok('2')));
    await Promise.all(calls);
  });

  it('refuses new work once closing and waits for running work', async () => {
    const transport = new ScriptedTransport();
    const { service, sink } = setup({ transport });
    const running = service.collect('h1', 'list', { source: 'schedule' });
    await new Promise((r) => setImmediate(r));
    const closing = service.close(5_000);
    await expect(service.collect('h1', 'files', { source: 'cli' })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    transport.pending[0]?.resolve(ok('[]'));
    await expect(running).resolves.toMatchObject({ status: 'success' });
    await expect(closing).resolves.toEqual({ drained: true });
    expect(sink.audits.map((a) => a.status)).toEqual(['error', 'success']);
  });
});
