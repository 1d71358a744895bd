import { afterEach, describe, expect, it } from 'vitest';
import { agent, change, result, startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';
import type { HubEventInput } from '../../src/ports.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const audit = (site: string, host: string, command: string): HubEventInput => ({
  kind: 'audit',
  topic: `audit/${site}/${host}/${command}`,
  site,
  timeMs: 1,
  data: { status: 'success' },
  retain: false,
});

const ALL: HubEventInput[] = [
  result('a', 'nas', 'drive_health', { ok: true }),
  result('b', 'nas2', 'drive_health', { ok: false }),
  result('a', 'nas', 'df', {}),
  agent('a', 'agent-1', { status: 'connected' }),
  change('b', 'web', 'file_watch', { path: '/etc/x', change: 'modified' }),
  audit('a', 'nas', 'df'),
];

async function liveTopicsFor(patterns: string[]): Promise<string[]> {
  hub = await startTestHub({ fanout: { coalesceMs: 0 } });
  const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
  sub.subscribe(patterns);
  await sub.waitFor((m) => m.t === 'snapshot');
  // One publish call → one frame per subscriber: what matched arrives together.
  hub.publish(...ALL, agent('z', 'sentinel', {}));
  const evs = await sub.waitForLiveEvents(1);
  await hub.close();
  hub = undefined;
  return evs.map((e) => e.topic);
}

describe('topic patterns', () => {
  it('site/*/host/*/drive_health matches that command on every site and host', async () => {
    const topics = await liveTopicsFor(['site/*/host/*/drive_health', 'agents/z/#']);
    expect(topics).toEqual(['site/a/host/nas/drive_health', 'site/b/host/nas2/drive_health', 'agents/z/sentinel']);
  });

  it('bare agents and changes mean agents/# and changes/#', async () => {
    const topics = await liveTopicsFor(['agents', 'changes']);
    expect(topics).toEqual(['agents/a/agent-1', 'changes/b/web/file_watch', 'agents/z/sentinel']);
  });

  it('# matches every topic', async () => {
    const topics = await liveTopicsFor(['#']);
    expect(topics).toEqual([...ALL.map((e) => e.topic), 'agents/z/sentinel']);
  });

  it('a trailing # matches any remaining segments', async () => {
    const topics = await liveTopicsFor(['site/a/#', 'audit/#', 'agents/z/*']);
    expect(topics).toEqual(['site/a/host/nas/drive_health', 'site/a/host/nas/df', 'audit/a/nas/df', 'agents/z/sentinel']);
  });

  it('snapshots apply the same patterns to retained state', async () => {
    hub = await startTestHub();
    hub.publish(...ALL);
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/*/host/*/drive_health']);
    const snap = await sub.waitFor((m) => m.t === 'snapshot');
    expect(snap.t === 'snapshot' && snap.entries.map((e) => e.topic)).toEqual(['site/a/host/nas/drive_health', 'site/b/host/nas2/drive_health']);
  });
});
