/**
 * Checks for rows read back from SQLite or payloads decoded from it: one
 * implementation, in packages/shared (stored-row.ts); plus the agent's
 * rounding of measured durations before they are stored.
 */
import { InfraError, storedRow } from '@infrastructor/shared';

export type Row = storedRow.Row;
export const { asRow, int, num, str, strOrNull, bool, bool01, blob, oneOf, errorCodeOrNull } = storedRow;

/** Durations may come from performance.now() arithmetic: round, then check. */
export function roundNonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InfraError('INTERNAL', `${name} must be a finite number ≥ 0, got ${String(value)}`, { details: { name } });
  }
  return Math.round(value);
}
