import { describe, expect, it } from 'vitest';
import { compileTopicPattern, decode } from '@infrastructor/shared';
import { HubState } from '../../src/state/hub-state.js';
import { encodeHubEvent, type EncodedEvent } from '../../src/fanout/encoded-event.js';
import { agent, captureLogger, result } from './subscriber-test-hub.js';

function stateWith(options: Partial<ConstructorParameters<typeof HubState>[0]> = {}) {
  const delivered: EncodedEvent[][] = [];
  const { logger, lines } = captureLogger();
  const state = new HubState({ logger, sink: { deliver: (evs) => delivered.push([...evs]) }, hubEpoch: '00000000000000aa', ...options });
  return { state, delivered, lines };
}

describe('HubState', () => {
  it('numbers events with a hub-wide seq and a per-topic topicSeq and hands them to the sink in order', () => {
    const { state, delivered } = stateWith();
    state.publish([result('a', 'h', 'df', 1), result('a', 'h', 'uptime', 2)]);
    state.publish([result('a', 'h', 'df', 3)]);
    expect(delivered.map((batch) => batch.map((e) => [e.seq, e.topic, e.topicSeq]))).toEqual([
      [
        [1, 'site/a/host/h/df', 1],
        [2, 'site/a/host/h/uptime', 1],
      ],
      [[3, 'site/a/host/h/df', 2]],
    ]);
    expect(decode(delivered[1]?.[0]?.bytes ?? new Uint8Array())).toEqual({ seq: 3, topic: 'site/a/host/h/df', topicSeq: 2, kind: 'result', timeMs: 1_700_000_000_000, data: 3 });
    expect(state.seq).toBe(3);
  });

  it('numbers loaded retained events too, without delivering them, and snapshots them by pattern and scope', () => {
    const { state, delivered } = stateWith();
    state.loadRetained({ loadRetained: () => [result('a', 'h', 'df', 1), result('b', 'h', 'df', 2), agent('a', 'x', {})] });
    expect(delivered).toEqual([]);
    const snap = state.snapshot([compileTopicPattern('site/*/host/*/df')], ['a']);
    expect(snap).toMatchObject({ hubEpoch: '00000000000000aa', seq: 3 });
    expect(snap.entries.map((e) => e.topic)).toEqual(['site/a/host/h/df']);
    expect(state.snapshot([compileTopicPattern('site/#')], ['*']).entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(state.snapshot([], ['*']).entries).toEqual([]);
  });

  it('keeps only non-retained events out of the snapshot', () => {
    const { state } = stateWith();
    state.publish([{ kind: 'change', topic: 'changes/a/h/fw', site: 'a', timeMs: 1, data: {}, retain: false }]);
    expect(state.snapshot([compileTopicPattern('changes')], ['*']).entries).toEqual([]);
  });

  it('replays from the ring only while every missed event is still in it (event and byte bounds)', () => {
    const { state } = stateWith({ resumeBufferEvents: 4 });
    for (let i = 1; i <= 6; i++) state.publish([result('a', 'h', 'df', i)]);
    const all = [compileTopicPattern('site/#')];
    expect(state.replayAfter('00000000000000aa', 2, all, ['*'])?.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(state.replayAfter('00000000000000aa', 1, all, ['*'])).toBeUndefined();
    expect(state.replayAfter('00000000000000aa', 6, all, ['*'])).toEqual([]);
    expect(state.replayAfter('00000000000000bb', 5, all, ['*'])).toBeUndefined();

    const small = stateWith({ resumeBufferEvents: 100, resumeBufferBytes: 200 }).state;
    for (let i = 1; i <= 20; i++) small.publish([result('a', 'h', 'df', 'x'.repeat(50))]);
    const kept = small.stats();
    expect(kept['resumeBufferBytes']).toBeLessThanOrEqual(200);
    expect(small.replayAfter('00000000000000aa', 10, all, ['*'])).toBeUndefined();
    expect(small.replayAfter('00000000000000aa', 19, all, ['*'])?.map((e) => e.seq)).toEqual([20]);
  });

  it('skips (logs and counts) an event that cannot be encoded without consuming a seq', () => {
    const { state, delivered, lines } = stateWith({
      encodeEvent: (e) => {
        if (e.data === 'poison') throw new Error('cannot encode');
        return encodeHubEvent(e);
      },
    });
    state.publish([result('a', 'h', 'df', 1), result('a', 'h', 'df', 'poison'), result('a', 'h', 'df', 2)]);
    expect(delivered[0]?.map((e) => e.seq)).toEqual([1, 2]);
    expect(state.stats()).toMatchObject({ encodeFailed: 1, published: 2 });
    expect(lines().some((l) => l['event'] === 'hub_event_encode_failed')).toBe(true);
  });

  it('a sink that throws does not reach the publisher', () => {
    const { logger, lines } = captureLogger();
    const state = new HubState({
      logger,
      sink: {
        deliver: () => {
          throw new Error('fan-out bug');
        },
      },
    });
    expect(() => state.publish([result('a', 'h', 'df', 1)])).not.toThrow();
    expect(state.hubEpoch).toMatch(/^[0-9a-f]{16}$/);
    expect(lines().some((l) => l['event'] === 'fanout_deliver_failed')).toBe(true);
  });
});
