import { afterEach, describe, expect, it } from 'vitest';
import { watchCommand } from '../../src/cli/watch.js';
import { agent, result, startTestHub, type TestHub } from '../subscribers/subscriber-test-hub.js';
import { CapturedIo } from './captured-io.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const FAST_RECONNECT = { initialDelayMs: 5, maxDelayMs: 20 };

describe('infra-hub watch', () => {
  it('prints the snapshot and live events as JSON lines, resumes after a dropped connection without gaps or duplicates, and exits 0 when stopped', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'nas', 'df', { used: 1 }), agent('a', 'agent-1', { status: 'connected' }));
    const io = new CapturedIo(false);
    const stop = new AbortController();
    const running = watchCommand(['--url', hub.url, '--token', 'all-viewer'], io, { signal: stop.signal, reconnect: FAST_RECONNECT });

    const snapshot = await io.waitForOut(2);
    expect(snapshot.map((l) => JSON.parse(l))).toEqual([
      { seq: 1, topic: 'site/a/host/nas/df', topicSeq: 1, kind: 'result', timeMs: 1_700_000_000_000, data: { used: 1 } },
      { seq: 2, topic: 'agents/a/agent-1', topicSeq: 1, kind: 'agent', timeMs: 1_700_000_000_000, data: { status: 'connected' } },
    ]);

    // Default topics: results and agents; audit rows are not followed.
    hub.publish({ kind: 'audit', topic: 'audit/a/nas/df', site: 'a', timeMs: 1, data: {}, retain: false }, result('a', 'nas', 'df', { used: 2 }));
    await io.waitForOut(3);

    // Drop the connection from the hub side; events published meanwhile must arrive once after the resume.
    hub.serverSockets[0]?.terminate();
    hub.publish(result('a', 'nas', 'df', { used: 3 }), result('a', 'web', 'uptime', { s: 1 }));
    await io.waitForErr((l) => l.includes('reconnecting'));
    await io.waitForOut(5);
    hub.publish(agent('a', 'agent-1', { status: 'stale' }));
    const lines = (await io.waitForOut(6)).map((l) => JSON.parse(l) as { seq: number; data: unknown });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 4, 5, 6, 7]);
    expect(lines.slice(2).map((l) => l.data)).toEqual([{ used: 2 }, { used: 3 }, { s: 1 }, { status: 'stale' }]);
    expect(hub.serverSockets).toHaveLength(2);
    expect(hub.gateway.stats()).toMatchObject({ events: { resume_replayed: 1 } });

    stop.abort();
    await expect(running).resolves.toBe(0);
  });

  it('on a terminal prints one readable line per update (cpu% mem% load for system_metrics)', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(
      // As the ingest publishes results: the result entry, the parsed output under data.
      result('a', 'nas', 'system_metrics', { host: 'nas', command: 'system_metrics', data: { cpuPercent: 12.5, memory: { usedPercent: 40 }, load: { load1: 0.5, load5: 0.4, load15: 0.3 } } }),
      agent('a', 'agent-1', { agentId: 'agent-1', site: 'a', connected: true, version: '0.1.0', hwm: 9, replayLag: 2, outboxRecords: 2, stale: [], agentStale: false }),
      result('a', 'nas', 'df', [{ mount: '/' }, { mount: '/boot' }]),
    );
    const io = new CapturedIo(true);
    const stop = new AbortController();
    const running = watchCommand(['--url', hub.url, '--token', 'all-viewer'], io, { signal: stop.signal });
    const lines = await io.waitForOut(3);
    expect(lines[0]).toMatch(/a\/nas\/system_metrics +cpu 12\.5% mem 40\.0% load 0\.50 0\.40 0\.30/);
    expect(lines[1]).toMatch(/agent a\/agent-1 +connected v0\.1\.0 hwm 9 lag 2 outbox 2/);
    expect(lines[2]).toMatch(/a\/nas\/df +2 items/);
    stop.abort();
    await expect(running).resolves.toBe(0);
  });

  it('follows the topics given on the command line', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'nas', 'df', 1), { kind: 'change', topic: 'changes/a/nas/fw', site: 'a', timeMs: 1, data: { path: '/etc/x', change: 'modified' }, retain: true });
    const io = new CapturedIo(false);
    const stop = new AbortController();
    const running = watchCommand(['--url', hub.url, '--token', 'all-viewer', 'changes'], io, { signal: stop.signal });
    const [line] = await io.waitForOut(1);
    expect(JSON.parse(line ?? '')).toMatchObject({ topic: 'changes/a/nas/fw', kind: 'change' });
    stop.abort();
    await running;
    expect(io.outLines).toHaveLength(1);
  });

  it('a token the hub rejects (HTTP 401) exits 2 with one clear line', async () => {
    hub = await startTestHub();
    const io = new CapturedIo(false);
    await expect(watchCommand(['--url', hub.url, '--token', 'wrong'], io, { signal: new AbortController().signal })).resolves.toBe(2);
    expect(io.errLines.join('\n')).toMatch(/AUTH_FAILED: .*rejected the token \(HTTP 401\)/);
  });

  it('missing flags exit 2 with the usage', async () => {
    const io = new CapturedIo(false);
    await expect(watchCommand(['--token', 'x'], io, { env: {} })).resolves.toBe(2);
    expect(io.errLines.join('\n')).toContain('--url is required');
    expect(io.errLines.join('\n')).toContain('usage: infra-hub watch');
  });
});
