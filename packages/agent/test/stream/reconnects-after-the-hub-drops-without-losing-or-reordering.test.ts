import { afterEach, describe, expect, it } from 'vitest';
import type { AgentMessage } from '@infrastructor/shared';
import { FakeHub, type HubConnection } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, outboxSeqs, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

/**
 * The hub's side of the contract, kept across hub restarts: apply records
 * in seq order, skip what is already committed, ask for a resend when a
 * batch does not follow on, ack what is committed.
 */
class HubLedger {
  committed = 0;
  readonly applied: number[] = [];
  readonly violations: string[] = [];
  #waiters: Array<{ seq: number; resolve: () => void }> = [];

  handle(conn: HubConnection, m: AgentMessage): void {
    if (m.t !== 'records') return;
    if (m.afterSeq > this.committed) {
      conn.send({ t: 'resend', epoch: m.epoch, fromSeq: this.committed + 1 });
      return;
    }
    let previous = m.afterSeq;
    for (const r of m.records) {
      if (r.seq <= previous) this.violations.push(`seq ${r.seq} after ${previous} in one batch`);
      previous = r.seq;
      if (r.seq <= this.committed) continue;
      this.applied.push(r.seq);
      this.committed = r.seq;
    }
    conn.send({ t: 'ack', epoch: m.epoch, seq: this.committed });
    for (const w of [...this.#waiters]) {
      if (this.committed >= w.seq) {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }

  committedUpTo(seq: number): Promise<void> {
    if (this.committed >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }
}

async function startHub(ledger: HubLedger, port?: number): Promise<FakeHub> {
  const hub = await FakeHub.start({ ...(port === undefined ? {} : { port }), onHello: (c) => c.welcome(ledger.committed, ledger.committed > 0 ? 'known' : 'new') });
  hub.onMessage((c, m) => ledger.handle(c, m));
  return hub;
}

describe('reconnecting', () => {
  it('after the hub closes the socket and after a hub restart on the same port: every record applied once, in order', async () => {
    const ledger = new HubLedger();
    let hub = await startHub(ledger);
    const port = hub.port;
    const store = openStore(dirs.make());
    const h = createLink(store, hubConfig(hub.url, { batchMaxRecords: 4, windowMaxRecords: 10 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const written: number[] = [];
    const write = (n: number) => {
      written.push(...appendResults(store, n));
      h.link.notify();
    };

    write(25);
    await ledger.committedUpTo(12);
    // 1. The hub drops the connection mid-stream; the agent keeps writing.
    (await hub.connection(1)).ws.close(1001, 'going away');
    write(10);
    await (await hub.connection(2)).hello();
    await ledger.committedUpTo(30);

    // 2. The hub goes away entirely and comes back on the same port.
    await hub.stop();
    write(15);
    hub = await startHub(ledger, port);
    await (await hub.connection(1)).hello();
    write(5);
    await ledger.committedUpTo(written.at(-1)!);

    expect(ledger.violations).toEqual([]);
    expect(ledger.applied).toEqual(written);
    expect(written).toEqual(Array.from({ length: 55 }, (_, i) => i + 1));
    await (await hub.connection(1)).roundTrip();
    expect(outboxSeqs(store)).toEqual([]);
    const state = await h.waitForState((s) => s.connected && s.lastAckSeq === 55);
    expect(state.lastError).toMatchObject({ code: 'HUB_UNREACHABLE' });
    // A hub that stays down is logged once per change, not once per retry.
    const warnings = h.lines.filter((l) => l.level === 40 && String(l.event).startsWith('hub_'));
    expect(warnings.length).toBeLessThanOrEqual(4);
  });
});
