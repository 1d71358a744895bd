/**
 * Streams the outbox over one connection, after the hub's welcome: reads
 * records after a cursor in batches and sends them while the window of
 * sent-but-unacknowledged records and bytes has room. The outbox is the
 * truth: nothing is copied out of it, a record leaves it only on the hub's
 * cumulative ack (or the outbox-full policy, reported in a gap record).
 *
 * A batch's `afterSeq` is the cursor it was read after, so when the
 * outbox-full policy dropped results right after the cursor the hub sees
 * the jump (and the gap record that explains it follows).
 */
import type { AgentRecords } from '@infrastructor/shared';
import type { OutboxRecord } from '../store/outbox.js';
import type { LinkOutbox } from './link-ports.js';

export interface StreamLimits {
  batchMaxRecords: number;
  batchMaxBytes: number;
  windowMaxRecords: number;
  windowMaxBytes: number;
}

export interface OutboxStreamerOptions {
  outbox: LinkOutbox;
  epoch: string;
  limits: StreamLimits;
  /** Sends one frame; false when the connection is gone (the batch is not counted as sent). */
  send: (frame: AgentRecords) => boolean;
  /** A single record larger than the hub accepts in a frame is about to go out. */
  onOversized?: (record: OutboxRecord) => void;
  /** Payload bytes above which `onOversized` is called. */
  oversizedBytes?: number;
}

export type SeqOutcome = { ok: true } | { ok: false; reason: string };

interface InFlight {
  seq: number;
  bytes: number;
}

export class OutboxStreamer {
  readonly #o: OutboxStreamerOptions;
  #cursor: number;
  /** Sent, not yet acknowledged, in seq order; `#head` is the first live entry. */
  #window: InFlight[] = [];
  #head = 0;
  #windowBytes = 0;
  #stopped = false;

  /** `afterSeq`: the hub has everything up to here (its welcome ackedSeq). */
  constructor(options: OutboxStreamerOptions, afterSeq: number) {
    this.#o = options;
    this.#cursor = afterSeq;
  }

  /** The last seq sent (or acknowledged). */
  get cursor(): number {
    return this.#cursor;
  }

  get windowRecords(): number {
    return this.#window.length - this.#head;
  }

  get windowBytes(): number {
    return this.#windowBytes;
  }

  /** Send what the window allows. Returns the number of records sent. */
  pump(): number {
    const { outbox, limits } = this.#o;
    let sent = 0;
    while (!this.#stopped) {
      const roomRecords = limits.windowMaxRecords - this.windowRecords;
      const roomBytes = limits.windowMaxBytes - this.#windowBytes;
      if (roomRecords <= 0 || roomBytes <= 0) break;
      const batch = outbox.peek({
        afterSeq: this.#cursor,
        maxRecords: Math.min(limits.batchMaxRecords, roomRecords),
        maxBytes: Math.min(limits.batchMaxBytes, roomBytes),
      });
      const first = batch[0];
      if (first === undefined) break;
      // peek returns one record even when it alone exceeds maxBytes (so it
      // cannot stall the stream): it goes out on its own, once the window is empty.
      if (this.windowRecords > 0 && first.sizeBytes > roomBytes) break;
      if (batch.length === 1 && this.#o.oversizedBytes !== undefined && first.sizeBytes > this.#o.oversizedBytes) this.#o.onOversized?.(first);
      const frame: AgentRecords = {
        t: 'records',
        epoch: this.#o.epoch,
        afterSeq: this.#cursor,
        records: batch.map((r) => ({ seq: r.seq, kind: r.kind, createdAtMs: r.createdAtMs, payload: r.payload })),
      };
      if (!this.#o.send(frame)) break;
      for (const r of batch) {
        this.#window.push({ seq: r.seq, bytes: r.sizeBytes });
        this.#windowBytes += r.sizeBytes;
      }
      this.#cursor = (batch[batch.length - 1] as OutboxRecord).seq;
      sent += batch.length;
    }
    return sent;
  }

  /** Cumulative ack: the hub committed every seq ≤ `seq`. Deletes them from the outbox and slides the window. */
  ack(seq: number): SeqOutcome {
    const lastSeq = this.#o.outbox.lastSeq();
    if (seq > lastSeq) return { ok: false, reason: `ack of seq ${seq} is beyond the last seq ${lastSeq} this outbox assigned` };
    this.#o.outbox.ack(seq);
    while (this.#head < this.#window.length && (this.#window[this.#head] as InFlight).seq <= seq) {
      this.#windowBytes -= (this.#window[this.#head] as InFlight).bytes;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#window.length) {
      this.#window = this.#window.slice(this.#head);
      this.#head = 0;
    }
    // Acknowledged beyond what this connection sent (committed from an earlier one): no need to send those.
    if (seq > this.#cursor) this.#cursor = seq;
    return { ok: true };
  }

  /** The hub expects `fromSeq` next: send from there again, forgetting the window. */
  resend(fromSeq: number): SeqOutcome {
    const lastSeq = this.#o.outbox.lastSeq();
    if (fromSeq - 1 > lastSeq) return { ok: false, reason: `resend from seq ${fromSeq} is beyond the last seq ${lastSeq} this outbox assigned` };
    // Records at or below ackedThrough were deleted after an earlier ack and
    // cannot be sent again; saying so (afterSeq above the hub's high water)
    // lets the hub record the loss instead of silently skipping it.
    this.#cursor = Math.max(fromSeq - 1, this.#o.outbox.ackedThrough());
    this.#window = [];
    this.#head = 0;
    this.#windowBytes = 0;
    return { ok: true };
  }

  /** No more sending (shutdown, or the connection ended). */
  stop(): void {
    this.#stopped = true;
  }
}
