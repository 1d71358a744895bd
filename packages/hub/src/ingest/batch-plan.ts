/**
 * What to do with a `records` batch, given the committed high water (hwm).
 *
 * - afterSeq ≤ hwm: apply. Records with seq ≤ hwm are duplicates (dropped
 *   and counted); the rest are new.
 * - afterSeq > hwm: the hub is missing hwm+1..afterSeq. The first such
 *   batch is not applied; the hub sends `resend {fromSeq: hwm+1}` once and
 *   remembers the batch's afterSeq (the trigger).
 *   - Later batches with afterSeq > trigger were already on the wire before
 *     the agent saw the resend: skipped (the agent rewinds and sends them again).
 *   - A batch with afterSeq ≤ trigger is the agent's answer. Still > hwm:
 *     the agent no longer has those records (e.g. the hub's database was
 *     restored from an older backup). It is applied and hwm+1..afterSeq is
 *     recorded as a hub-side gap, so the stream moves on and the loss is reported.
 * - An empty batch applies nothing and is acked with the current hwm.
 */
import { InfraError, type WireRecord } from '@infrastructor/shared';

export interface ResendState {
  /** afterSeq of the batch that made the hub ask for a resend. */
  triggerAfterSeq: number;
  fromSeq: number;
}

export type BatchPlan =
  | { action: 'apply'; hubGap: { fromSeq: number; toSeq: number } | null }
  | { action: 'resend'; fromSeq: number; state: ResendState }
  | { action: 'skip'; waitingFor: ResendState };

/** Seqs strictly increase and start after afterSeq; else the frame is invalid. */
export function checkBatchOrder(afterSeq: number, records: readonly WireRecord[]): void {
  let previous = afterSeq;
  records.forEach((r, i) => {
    if (r.seq <= previous) {
      throw new InfraError('FRAME_INVALID', `records[${i}].seq ${r.seq} must be greater than ${i === 0 ? `afterSeq ${afterSeq}` : `the previous seq ${previous}`}`, {
        details: { index: i, seq: r.seq, previous },
      });
    }
    previous = r.seq;
  });
}

export function planBatch(hwm: number, afterSeq: number, recordCount: number, waiting: ResendState | null): BatchPlan {
  if (afterSeq <= hwm || recordCount === 0) return { action: 'apply', hubGap: null };
  if (waiting === null) {
    const state = { triggerAfterSeq: afterSeq, fromSeq: hwm + 1 };
    return { action: 'resend', fromSeq: hwm + 1, state };
  }
  if (afterSeq > waiting.triggerAfterSeq) return { action: 'skip', waitingFor: waiting };
  return { action: 'apply', hubGap: { fromSeq: hwm + 1, toSeq: afterSeq } };
}
