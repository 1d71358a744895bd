import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/collect/semaphore.js';

describe('Semaphore', () => {
  it('grants up to the limit, then FIFO; aborted waiters leave the queue', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const order: string[] = [];
    const ac = new AbortController();
    const a = s.acquire().then((r) => (order.push('a'), r));
    const b = s.acquire(ac.signal).then((r) => (order.push('b'), r), (e: unknown) => (order.push('b-aborted'), e));
    const c = s.acquire().then((r) => (order.push('c'), r));
    expect(s.waiting).toBe(3);
    ac.abort(new Error('stop'));
    await b;
    expect(s.waiting).toBe(2);
    r1();
    r1(); // idempotent
    const ra = await a;
    r2();
    const rc = await c;
    expect(order).toEqual(['b-aborted', 'a', 'c']);
    expect(s.active).toBe(2);
    ra();
    rc();
    expect(s.active).toBe(0);
  });
});
