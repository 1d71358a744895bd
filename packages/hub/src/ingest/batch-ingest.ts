/**
 * Apply one `records` batch of one agent connection, in ONE SQLite
 * transaction: read the committed high water, plan (batch-plan.ts), write
 * the new records, the gaps and the new high water. The caller sends the
 * cumulative ack once the commit is on disk, then publishes the events in
 * order: `ingest()` returns after a durable commit; `ingestThen()` returns
 * after the commit and calls back once it is on disk (durable-commits.ts:
 * the fsync runs off the event loop and is shared by the batches committed
 * meanwhile).
 */
import { storeWriteError, type AgentRecords } from '@infrastructor/shared';
import type { HubEventInput } from '../ports.js';
import type { HubStore } from '../store/hub-store.js';
import type { GapRow } from '../store/record-writes.js';
import { applyRecord } from './apply-record.js';
import { checkBatchOrder, planBatch, type ResendState } from './batch-plan.js';
import { gapEvent } from './record-events.js';
import { DurableCommits } from './durable-commits.js';
import { LatestPerBatch } from './latest-per-batch.js';

export interface IngestContext {
  agentId: string;
  site: string;
  epoch: string;
}

export interface AppliedBatch {
  action: 'applied';
  /** The committed high water after the batch (what to ack). */
  hwm: number;
  events: HubEventInput[];
  applied: number;
  duplicates: number;
  superseded: number;
  invalid: { seq: number; reason: string }[];
  hubGap: { fromSeq: number; toSeq: number } | null;
  /** Result collection times, for staleness. */
  collected: { host: string; command: string; atMs: number }[];
}

export type IngestResult = AppliedBatch | { action: 'resend'; fromSeq: number; hwm: number; state: ResendState } | { action: 'skip'; hwm: number };

export class BatchIngest {
  readonly #store: HubStore;
  readonly #run: (ctx: IngestContext, batch: AgentRecords, waiting: ResendState | null, nowMs: number) => IngestResult;

  readonly #afterCommit: ((result: IngestResult) => void) | undefined;
  readonly #durable: DurableCommits;

  /**
   * `afterCommit` runs after the transaction committed and before the
   * caller acks: the fault-injection point for "the hub dies between apply
   * and ack" (tests).
   */
  constructor(store: HubStore, options: { afterCommit?: (result: IngestResult) => void } = {}) {
    this.#store = store;
    this.#afterCommit = options.afterCommit;
    this.#durable = new DurableCommits(store.db);
    this.#run = store.db.transaction((ctx: IngestContext, batch: AgentRecords, waiting: ResendState | null, nowMs: number) =>
      this.#inTransaction(ctx, batch, waiting, nowMs),
    );
  }

  /** Throws FRAME_INVALID (before writing anything) when the seqs are out of order. */
  ingest(ctx: IngestContext, batch: AgentRecords, waiting: ResendState | null, nowMs: number): IngestResult {
    checkBatchOrder(batch.afterSeq, batch.records);
    const result = this.#apply(ctx, batch, waiting, nowMs);
    this.#afterCommit?.(result);
    return result;
  }

  /**
   * Apply and commit now (the result is returned: plan the next batch with
   * it), and call `onDurable` once the commit is on disk — in call order,
   * also for resend/skip outcomes so replies keep their order. `err` when
   * durability cannot be confirmed (the caller must not ack). Throws like
   * `ingest()`.
   */
  ingestThen(
    ctx: IngestContext,
    batch: AgentRecords,
    waiting: ResendState | null,
    nowMs: number,
    onDurable: (result: IngestResult, err: Error | undefined) => void,
  ): IngestResult {
    checkBatchOrder(batch.afterSeq, batch.records);
    const result = this.#durable.run(() => this.#apply(ctx, batch, waiting, nowMs));
    this.#durable.afterDurable((err) => {
      if (err === undefined) this.#afterCommit?.(result);
      onDurable(result, err);
    });
    return result;
  }

  /** The transaction; SQLite refusing it (disk full, read-only, …) is STORE_WRITE_FAILED naming the file. */
  #apply(ctx: IngestContext, batch: AgentRecords, waiting: ResendState | null, nowMs: number): IngestResult {
    try {
      return this.#run(ctx, batch, waiting, nowMs);
    } catch (err) {
      throw storeWriteError(err, this.#store.db.name);
    }
  }

  #inTransaction(ctx: IngestContext, batch: AgentRecords, waiting: ResendState | null, nowMs: number): IngestResult {
    const { agents, records, retained } = this.#store;
    const hwm = agents.highWater(ctx.agentId, ctx.epoch);
    const plan = planBatch(hwm, batch.afterSeq, batch.records.length, waiting);
    if (plan.action === 'resend') return { action: 'resend', fromSeq: plan.fromSeq, hwm, state: plan.state };
    if (plan.action === 'skip') return { action: 'skip', hwm };

    const latest = new LatestPerBatch(retained);
    const out: AppliedBatch = { action: 'applied', hwm, events: [], applied: 0, duplicates: 0, superseded: 0, invalid: [], hubGap: plan.hubGap, collected: [] };
    if (plan.hubGap !== null) {
      const gap: GapRow = {
        ...ctx,
        source: 'hub',
        reason: 'hub_missing',
        seq: null,
        fromSeq: plan.hubGap.fromSeq,
        toSeq: plan.hubGap.toSeq,
        droppedResults: null,
        droppedBytes: null,
        detail: 'the agent no longer holds these records; the hub never received them',
        detectedAtMs: nowMs,
      };
      records.insertGap(gap);
      out.events.push(gapEvent(gap));
    }
    for (const record of batch.records) {
      if (record.seq <= hwm) {
        out.duplicates += 1;
        continue;
      }
      const outcome = applyRecord({ records, latest }, { ...ctx, seq: record.seq }, record, nowMs);
      if (outcome.status === 'applied') {
        out.applied += 1;
        out.events.push(outcome.event);
        if (outcome.collected) out.collected.push(outcome.collected);
      } else if (outcome.status === 'superseded') out.superseded += 1;
      else {
        out.invalid.push({ seq: record.seq, reason: outcome.reason });
        out.events.push(outcome.event);
      }
      out.hwm = record.seq;
    }
    latest.flush();
    if (out.hwm > hwm) agents.setHighWater(ctx.agentId, ctx.epoch, out.hwm, nowMs);
    return out;
  }
}
