/**
 * End to end through main.ts's default wiring (the real subscriber side):
 * agent records → ingest → state → fan-out → a subscriber; a subscriber's
 * collect → relay → agent → back. Served over TLS with a throwaway
 * self-signed certificate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { decode, encode, parseHubToSubscriberMessage, PROTOCOL_VERSION, type HubCollectRequest, type HubToSubscriberMessage } from '@infrastructor/shared';
import { startHub, type Hub } from '../../src/main.js';
import { FakeAgent } from '../support/fake-agent.js';
import { memoryLogger } from '../support/memory-logger.js';
import { EPOCH_A, rec, result } from '../support/records.js';
import { testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  dirs.cleanup();
});

function selfSignedCert(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'hub.crt');
  const keyFile = join(dir, 'hub.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { certFile, keyFile };
}

class Subscriber {
  readonly frames: HubToSubscriberMessage[] = [];
  #waiters: { pred: (m: HubToSubscriberMessage) => boolean; resolve: (m: HubToSubscriberMessage) => void }[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = parseHubToSubscriberMessage(decode(data as Buffer));
      this.frames.push(msg);
      const w = this.#waiters.find((x) => x.pred(msg));
      if (w) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    });
  }
  static open(url: string, token: string, ca: Buffer): Promise<Subscriber> {
    const ws = new WebSocket(`${url}/subscribe`, { headers: { Authorization: `Bearer ${token}` }, ca });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Subscriber(ws)));
      ws.once('error', reject);
    });
  }
  send(msg: object): void {
    this.ws.send(encode(msg));
  }
  waitFor(pred: (m: HubToSubscriberMessage) => boolean): Promise<HubToSubscriberMessage> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }
}

describe('the composed hub', () => {
  it('streams agent results to subscribers and relays their collect requests, over wss', async () => {
    const dir = dirs.make();
    const base = testConfig(dir);
    const tls = selfSignedCert(dir);
    hub = await startHub({ ...base, tls, insecure: false }, memoryLogger('warn').logger);
    expect(hub.url).toBe(`wss://127.0.0.1:${hub.port}`);
    const ca = readFileSync(tls.certFile);

    const agent = await FakeAgent.connect(hub.url, TOKENS.a1, { ca });
    await agent.hello();
    await agent.batch(0, [rec(1, 'result', result({ collectedAtMs: 1_000, data: { load: 1 } }))]);

    const sub = await Subscriber.open(hub.url, TOKENS.operator, ca);
    sub.send({ t: 'hello', protocol: PROTOCOL_VERSION, client: 'test' });
    expect(await sub.waitFor((m) => m.t === 'welcome')).toMatchObject({ role: 'operator', sites: ['*'] });
    sub.send({ t: 'subscribe', topics: ['site/#'] });
    const snapshot = await sub.waitFor((m) => m.t === 'snapshot');
    expect(snapshot.t === 'snapshot' && snapshot.entries.map((e) => [e.topic, (e.data as { data: unknown }).data])).toEqual([['site/alpha/host/nas/system_info', { load: 1 }]]);

    await agent.batch(1, [rec(2, 'result', result({ collectedAtMs: 2_000, data: { load: 2 } }))]);
    const live = await sub.waitFor((m) => m.t === 'events');
    expect(live.t === 'events' && live.events.map((e) => (e.data as { data: unknown }).data)).toEqual([{ load: 2 }]);

    agent.onCollect = (req: HubCollectRequest) => ({
      t: 'collect_result',
      requestId: req.requestId,
      ok: true,
      result: { host: req.host, command: req.command, params: req.params, paramsHash: 'p', status: 'success', cacheHit: false, data: 'now', collectedAtMs: 3_000, durationMs: 1, bytes: 3, correlationId: req.correlationId },
    });
    sub.send({ t: 'collect', requestId: 'sub-req-1', site: 'alpha', host: 'nas', command: 'system_info' });
    const answer = await sub.waitFor((m) => m.t === 'collect_result');
    expect(answer).toMatchObject({ t: 'collect_result', requestId: 'sub-req-1', ok: true, result: { site: 'alpha', data: 'now' } });
    expect(agent.collects).toHaveLength(1);

    const status = hub.status();
    expect(status.subscribers).not.toBeNull();
    expect(status.agents[0]).toMatchObject({ agentId: 'a1', epoch: EPOCH_A, hwm: 2 });
  });
});
