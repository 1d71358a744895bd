/**
 * The last N numbered events (and at most a byte budget of them), oldest
 * first, for subscribers that reconnect and resume after a seq.
 */
import type { EncodedEvent } from '../fanout/encoded-event.js';

export class EventRing {
  private readonly slots: Array<EncodedEvent | undefined>;
  private start = 0;
  private count = 0;
  private totalBytes = 0;
  /** Every seq ≤ this has left the ring (or never entered it). */
  private evictedThroughSeq = 0;

  constructor(
    readonly capacityEvents: number,
    readonly capacityBytes: number,
  ) {
    this.slots = new Array<EncodedEvent | undefined>(Math.max(0, capacityEvents));
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get oldestSeq(): number | undefined {
    return this.at(0)?.seq;
  }

  /** Append an event; seqs must increase. Evicts the oldest beyond either budget. */
  push(event: EncodedEvent): void {
    if (this.slots.length === 0) {
      this.evictedThroughSeq = event.seq;
      return;
    }
    if (this.count === this.slots.length) this.evictOldest();
    this.slots[(this.start + this.count) % this.slots.length] = event;
    this.count++;
    this.totalBytes += event.bytes.byteLength;
    while (this.totalBytes > this.capacityBytes && this.count > 0) this.evictOldest();
  }

  /**
   * Every buffered event with seq > afterSeq, oldest first, or undefined
   * when some of them already left the ring.
   */
  eventsAfter(afterSeq: number): EncodedEvent[] | undefined {
    if (afterSeq < this.evictedThroughSeq) return undefined;
    // Binary search for the first event with seq > afterSeq.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at(mid)?.seq ?? Infinity) <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const out: EncodedEvent[] = [];
    for (let i = lo; i < this.count; i++) {
      const e = this.at(i);
      if (e) out.push(e);
    }
    return out;
  }

  private at(i: number): EncodedEvent | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.slots[(this.start + i) % this.slots.length];
  }

  private evictOldest(): void {
    const oldest = this.slots[this.start];
    if (oldest) {
      this.totalBytes -= oldest.bytes.byteLength;
      this.evictedThroughSeq = oldest.seq;
    }
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.slots.length;
    this.count--;
  }
}
