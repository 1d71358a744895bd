/**
 * /proc/uptime: "23535.50 188023.20". The second number is idle time summed
 * over all CPUs, so it may exceed the first on multi-CPU hosts.
 */
import { parseError } from './parse-error.js';
import { readDecimal, singleLineWords } from './text-lines.js';

const PARSER = 'proc-uptime';

export interface Uptime {
  uptimeSeconds: number;
  /** Summed over CPUs. */
  idleSeconds: number;
}

export function parseProcUptime(text: string): Uptime {
  const tokens = singleLineWords(PARSER, text);
  if (tokens.length !== 2) throw parseError(PARSER, `expected 2 fields, got ${tokens.length}`, text);
  const uptimeSeconds = readDecimal(tokens[0]);
  const idleSeconds = readDecimal(tokens[1]);
  if (uptimeSeconds === undefined || idleSeconds === undefined) throw parseError(PARSER, 'fields are not decimals', text);
  return { uptimeSeconds, idleSeconds };
}
