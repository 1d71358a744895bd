import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, DEFAULT_AGENT_MAX_PAYLOAD_BYTES, PROTOCOL_VERSION } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { EPOCH_A, results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

function storedRows(t: Awaited<ReturnType<typeof startTestHub>>): unknown {
  const db = t.hub.db;
  return Object.fromEntries(['agents', 'epochs', 'high_water', 'latest'].map((table) => [table, db.prepare(`SELECT count(*) AS n FROM ${table}`).get()]));
}
const EMPTY = { agents: { n: 0 }, epochs: { n: 0 }, high_water: { n: 0 }, latest: { n: 0 } };

describe('the hello', () => {
  it('is answered by a welcome that announces the frame limit agents must stay under', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make(), { agentMaxPayloadBytes: 2 * 1024 * 1024 })));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await agent.hello()).toEqual({ t: 'welcome', protocol: PROTOCOL_VERSION, ackedSeq: 0, epochStatus: 'new', maxFrameBytes: 2 * 1024 * 1024 });
  });

  it('naming another agent id than the token binds: error AGENT_ID_MISMATCH, closed with that code, nothing stored', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    agent.send({ t: 'hello', protocol: PROTOCOL_VERSION, agentId: 'b1', site: 'beta', epoch: EPOCH_A, firstSeq: 0, lastSeq: 0, version: 'x', jobs: [] });
    expect(await agent.next('error')).toMatchObject({ code: 'AGENT_ID_MISMATCH' });
    expect(await agent.closed).toEqual({ code: CLOSE_CODES.AGENT_ID_MISMATCH, reason: 'AGENT_ID_MISMATCH' });
    expect(storedRows(t)).toEqual(EMPTY);
    expect(t.publisher.events).toEqual([]);
    expect(t.hub.counters.get('agent_agent_id_mismatch')).toBe(1);
  });

  it('naming another site than the token binds is refused the same way', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    agent.send({ t: 'hello', protocol: PROTOCOL_VERSION, agentId: 'a1', site: 'beta', epoch: EPOCH_A, firstSeq: 0, lastSeq: 0, version: 'x', jobs: [] });
    expect((await agent.closed).code).toBe(CLOSE_CODES.AGENT_ID_MISMATCH);
    expect(storedRows(t)).toEqual(EMPTY);
  });

  it('with another protocol version: closed PROTOCOL_VERSION_MISMATCH', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    agent.send({ t: 'hello', protocol: PROTOCOL_VERSION + 1, agentId: 'a1', site: 'alpha', epoch: EPOCH_A, firstSeq: 0, lastSeq: 0, version: 'x', jobs: [] });
    expect(await agent.next('error')).toMatchObject({ code: 'PROTOCOL_VERSION_MISMATCH' });
    expect((await agent.closed).code).toBe(CLOSE_CODES.PROTOCOL_VERSION_MISMATCH);
    expect(storedRows(t)).toEqual(EMPTY);
  });

  it('must come first: records before hello close FRAME_INVALID', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    agent.records(0, results(1, 1));
    expect((await agent.closed).code).toBe(CLOSE_CODES.FRAME_INVALID);
    expect(storedRows(t)).toEqual(EMPTY);
  });

  it('must arrive within helloTimeoutMs, else HELLO_TIMEOUT', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make(), { helloTimeoutMs: 20 })));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await agent.next('error')).toMatchObject({ code: 'HELLO_TIMEOUT' });
    expect((await agent.closed).code).toBe(CLOSE_CODES.HELLO_TIMEOUT);
    expect(t.log.events()).toContain('agent_hello_timeout');
  });

  it('matching the token: welcome with ackedSeq 0 and epochStatus new; the agent is stored and announced as connected', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await agent.hello()).toEqual({ t: 'welcome', protocol: PROTOCOL_VERSION, ackedSeq: 0, epochStatus: 'new', maxFrameBytes: DEFAULT_AGENT_MAX_PAYLOAD_BYTES });
    const event = await t.publisher.waitFor((e) => e.kind === 'agent');
    expect(event).toMatchObject({ topic: 'agents/alpha/a1', site: 'alpha', retain: true, data: { agentId: 'a1', connected: true, epoch: EPOCH_A, hwm: 0 } });
    expect(t.hub.store.agents.get('a1')).toMatchObject({ site: 'alpha', epoch: EPOCH_A, connected: true, version: '0.1.0-test' });
  });
});
