import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, encode, PROTOCOL_VERSION } from '@infrastructor/shared';
import { startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function closeAfter(send: (s: TestSubscriber) => void, hello = true): Promise<{ code: number; reason: string }> {
  hub ??= await startTestHub();
  const sub = hello ? await TestSubscriber.ready(hub.url, 'all-viewer') : await TestSubscriber.connect(hub.url, 'all-viewer');
  send(sub);
  return sub.closed;
}

describe('frames the hub does not accept', () => {
  it('garbage bytes close with FRAME_INVALID (4000), logged and counted', async () => {
    const closed = await closeAfter((s) => s.ws.send(Buffer.from([0xc1, 0xff, 0x00])));
    expect(closed.code).toBe(CLOSE_CODES.FRAME_INVALID);
    expect(hub?.gateway.stats()).toMatchObject({ drops: { FRAME_INVALID: 1 } });
    expect(hub?.logs().some((l) => l['event'] === 'subscriber_frame_invalid')).toBe(true);
  });

  it('a text frame closes with FRAME_INVALID', async () => {
    const closed = await closeAfter((s) => s.ws.send('{"t":"subscribe"}'));
    expect(closed.code).toBe(CLOSE_CODES.FRAME_INVALID);
  });

  it('a known message with a bad field closes with FRAME_INVALID naming the field', async () => {
    const closed = await closeAfter((s) => s.send({ t: 'subscribe', topics: 'site/#', replace: false }));
    expect(closed.code).toBe(CLOSE_CODES.FRAME_INVALID);
    expect(closed.reason).toContain('topics');
  });

  it('an unknown message type closes with MESSAGE_UNKNOWN, after an error frame saying so', async () => {
    let sub: TestSubscriber | undefined;
    const closed = await closeAfter((s) => {
      sub = s;
      s.send({ t: 'launch_rockets' });
    });
    expect(closed.code).toBe(CLOSE_CODES.MESSAGE_UNKNOWN);
    expect(sub?.received.at(-1)).toMatchObject({ t: 'error', code: 'MESSAGE_UNKNOWN' });
    expect(hub?.gateway.stats()).toMatchObject({ drops: { MESSAGE_UNKNOWN: 1 } });
  });

  it('a hello with another protocol version closes with PROTOCOL_VERSION_MISMATCH', async () => {
    const closed = await closeAfter((s) => s.send({ t: 'hello', protocol: PROTOCOL_VERSION + 1, client: 'future' }), false);
    expect(closed.code).toBe(CLOSE_CODES.PROTOCOL_VERSION_MISMATCH);
    expect(hub?.gateway.stats()).toMatchObject({ drops: { PROTOCOL_VERSION_MISMATCH: 1 } });
  });

  it('anything before hello, or a second hello, closes with FRAME_INVALID', async () => {
    const before = await closeAfter((s) => s.send({ t: 'subscribe', topics: ['site/#'], replace: false }), false);
    expect(before).toMatchObject({ code: CLOSE_CODES.FRAME_INVALID });
    expect(before.reason).toContain('hello');
    const twice = await closeAfter((s) => s.send({ t: 'hello', protocol: PROTOCOL_VERSION }));
    expect(twice.code).toBe(CLOSE_CODES.FRAME_INVALID);
  });

  it('a frame over the endpoint maxPayload closes with 1009', async () => {
    const closed = await closeAfter((s) => s.ws.send(encode({ t: 'subscribe', topics: [], replace: false, pad: 'x'.repeat(100_000) })));
    expect(closed.code).toBe(CLOSE_CODES.FRAME_TOO_LARGE);
  });

  it('no hello in time closes with HELLO_TIMEOUT', async () => {
    hub = await startTestHub({ gateway: { helloTimeoutMs: 20 } });
    const closed = await closeAfter(() => {}, false);
    expect(closed.code).toBe(CLOSE_CODES.HELLO_TIMEOUT);
    expect(hub.gateway.stats()).toMatchObject({ drops: { HELLO_TIMEOUT: 1 } });
  });

  it('one bad subscriber does not affect another', async () => {
    hub = await startTestHub();
    const good = await TestSubscriber.ready(hub.url, 'all-viewer');
    await closeAfter((s) => s.ws.send(Buffer.from('nonsense')));
    await hub.serverClosed(1);
    good.subscribe(['agents']);
    await good.waitFor((m) => m.t === 'snapshot');
    expect(hub.gateway.stats()).toMatchObject({ subscribers: 1 });
  });
});
