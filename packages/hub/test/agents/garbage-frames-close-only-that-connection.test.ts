import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, encode } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { EPOCH_B, results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

const GARBAGE: { name: string; send: (a: FakeAgent) => void; close: number; code: string }[] = [
  { name: 'bytes that are not MessagePack', send: (a) => a.sendRaw(Buffer.from([0x92, 0x01])), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
  { name: 'the reserved byte 0xc1', send: (a) => a.sendRaw(Buffer.from([0xc1])), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
  { name: 'MessagePack that is not a map', send: (a) => a.sendRaw(encode([1, 2, 3])), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
  { name: 'a map without t', send: (a) => a.sendRaw(encode({ seq: 1 })), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
  { name: 'an unknown message type', send: (a) => a.send({ t: 'teleport' }), close: CLOSE_CODES.MESSAGE_UNKNOWN, code: 'MESSAGE_UNKNOWN' },
  { name: 'a text frame', send: (a) => a.sendRaw('{"t":"status"}', false), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
  { name: 'records with a wrong field type', send: (a) => a.send({ t: 'records', epoch: 'aaaaaaaa', afterSeq: 'zero', records: [] }), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
  { name: 'a second hello', send: (a) => void a.hello().catch(() => undefined), close: CLOSE_CODES.FRAME_INVALID, code: 'FRAME_INVALID' },
];

describe('a bad frame closes only its own connection', () => {
  it('each kind of garbage gets its close code while another agent keeps streaming', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const healthy = await FakeAgent.connect(t.url, TOKENS.a2);
    await healthy.hello({ agentId: 'a2', epoch: EPOCH_B });
    let seq = 0;
    for (const g of GARBAGE) {
      const bad = await FakeAgent.connect(t.url, TOKENS.a1);
      await bad.hello();
      g.send(bad);
      const error = await bad.next('error');
      expect(error.code, g.name).toBe(g.code);
      expect((await bad.closed).code, g.name).toBe(g.close);
      // the other connection is unaffected
      seq += 1;
      expect(await healthy.batch(seq - 1, results(seq, 1), EPOCH_B)).toEqual({ t: 'ack', epoch: EPOCH_B, seq });
    }
    expect(t.hub.counters.getIn('agent_closes_by_code', 'FRAME_INVALID')).toBe(7);
    expect(t.hub.counters.getIn('agent_closes_by_code', 'MESSAGE_UNKNOWN')).toBe(1);
    expect(t.log.events().filter((e) => e === 'agent_frame_invalid')).toHaveLength(7);
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
  });

  it('a frame above limits.agentMaxPayloadBytes is refused by ws with 1009, logged and counted', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make(), { agentMaxPayloadBytes: 4096 })));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    agent.records(0, results(1, 1, { data: 'x'.repeat(8192) }));
    expect((await agent.closed).code).toBe(CLOSE_CODES.FRAME_TOO_LARGE);
    expect(t.hub.counters.getIn('agent_closes_by_code', 'FRAME_TOO_LARGE')).toBe(1);
    expect(t.hub.db.prepare('SELECT count(*) AS n FROM high_water').get()).toEqual({ n: 0 });
  });
});
