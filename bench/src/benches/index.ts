import type { Bench } from '../report.js';

/** Every benchmark by name (`pnpm bench NAME`). Filled in by each bench file. */
export const BENCHES: Record<string, Bench> = {};
