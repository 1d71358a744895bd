import { afterEach, describe, expect, it } from 'vitest';
import { isInfraError, type AgentCollectResult } from '@infrastructor/shared';
import type { CollectOptions, CollectResult } from '../../src/service/collection-types.js';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

function result(correlationId: string): CollectResult {
  return {
    host: 'nas',
    command: 'uptime',
    params: {},
    paramsHash: 'p0',
    status: 'success',
    cacheHit: false,
    data: { up: 1 },
    collectedAtMs: 1_700_000_000_000,
    durationMs: 5,
    bytes: 10,
    correlationId,
    source: 'request',
    changes: [],
  };
}

/** A collect function the test finishes by hand. */
function heldCollect() {
  const calls: Array<{ options: CollectOptions; finish: (r: CollectResult) => void; settled: Promise<unknown> }> = [];
  let onCall: () => void = () => undefined;
  const collect = (_h: string, _c: string, options: CollectOptions): Promise<CollectResult> => {
    let finish: (r: CollectResult) => void = () => undefined;
    const p = new Promise<CollectResult>((resolve, reject) => {
      finish = resolve;
      options.signal?.addEventListener('abort', () => reject(options.signal?.reason));
    });
    calls.push({ options, finish, settled: p.catch((e: unknown) => e) });
    onCall();
    return p;
  };
  const called = (n: number) =>
    new Promise<void>((resolve) => {
      if (calls.length >= n) return resolve();
      onCall = () => {
        if (calls.length >= n) resolve();
      };
    });
  return { collect, calls, called };
}

/** A started link with a held collect, connected to a fake hub; cleaned up after the test. */
async function connectedLink() {
  const hub = await FakeHub.start();
  const store = openStore(dirs.make());
  const held = heldCollect();
  const h = createLink(store, hubConfig(hub.url), { collect: held.collect });
  cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
  h.link.start();
  const conn = await hub.connection(1);
  await h.waitForState((s) => s.connected);
  return { hub, store, held, h, conn };
}

const request = (requestId: string, timeoutMs = 60_000) => ({
  t: 'collect',
  requestId,
  host: 'nas',
  command: 'uptime',
  params: {},
  forceRefresh: false,
  timeoutMs,
  correlationId: `c-${requestId}`,
});
const isAnswer = (id: string) => (m: { t: string }): m is AgentCollectResult => m.t === 'collect_result' && (m as AgentCollectResult).requestId === id;

describe('close and destroy', () => {
  it('close stops streaming, answers requests in flight, refuses new ones, then closes with 1001; safe twice', async () => {
    const { hub, store, held, h, conn } = await connectedLink();

    conn.send(request('r-1'));
    await held.called(1);
    expect(held.calls[0]!.options).toMatchObject({ source: 'request', correlationId: 'c-r-1', forceRefresh: false });
    const closing = h.link.close(30_000);
    expect(h.link.close(30_000)).toBe(closing);

    // Streaming has stopped: new records stay in the outbox.
    appendResults(store, 3);
    h.link.notify();
    conn.send(request('r-2'));
    expect(await conn.waitFor(isAnswer('r-2'))).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
    expect(conn.records()).toEqual([]);

    held.calls[0]!.finish(result('c-r-1'));
    expect(await conn.waitFor(isAnswer('r-1'))).toMatchObject({ ok: true, result: { correlationId: 'c-r-1', data: { up: 1 } } });
    expect(await conn.closed).toMatchObject({ code: 1001, reason: 'agent shutting down' });
    await closing;
    expect(h.link.state()).toMatchObject({ phase: 'closed', connected: false });
    expect(hub.connections).toHaveLength(1);
    h.link.destroy();
    await h.link.close(1);
  });

  it('a request past its timeoutMs is answered REQUEST_TIMEOUT', async () => {
    const { conn } = await connectedLink();
    conn.send(request('r-slow', 20));
    expect(await conn.waitFor(isAnswer('r-slow'))).toMatchObject({ ok: false, error: { code: 'REQUEST_TIMEOUT' } });
  });

  it('destroy aborts requests in flight and cuts the connection; the answer is dropped; safe twice', async () => {
    const { held, h, conn } = await connectedLink();
    conn.send(request('r-1'));
    await held.called(1);

    h.link.destroy();
    h.link.destroy();
    const reason = await held.calls[0]!.settled;
    expect(isInfraError(reason) && reason.code).toBe('ABORTED');
    expect((await conn.closed).code).toBe(1006);
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.counters.get('hub_request_answer_dropped')).toBe(1);
    expect(conn.frames.some((m) => m.t === 'collect_result')).toBe(false);
    expect(h.link.state()).toMatchObject({ phase: 'closed', connected: false });
    await h.link.close(1);
  });

  it('close before start does nothing', async () => {
    const store = openStore(dirs.make());
    cleanups.push(() => store.close());
    const h = createLink(store, hubConfig('ws://127.0.0.1:9/agent'));
    await h.link.close(10);
    h.link.start();
    expect(h.states).toEqual([]);
  });
});
