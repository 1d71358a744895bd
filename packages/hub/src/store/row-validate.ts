/** Checks for rows read back from SQLite: one implementation, in packages/shared (stored-row.ts). */
import { storedRow } from '@infrastructor/shared';

export type Row = storedRow.Row;
export const { asRow, int, intOrNull, str, strOrNull, blob, oneOf, json } = storedRow;
