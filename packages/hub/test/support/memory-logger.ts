/** A real pino logger writing JSON lines into memory, so tests can assert log events. */
import { pino } from 'pino';
import type { Logger } from '../../src/log/logger.js';

export interface MemoryLogger {
  logger: Logger;
  lines(): Record<string, unknown>[];
  events(): string[];
  text(): string;
}

export function memoryLogger(level = 'debug'): MemoryLogger {
  const chunks: string[] = [];
  const logger = pino({ level, name: 'infra-hub-test' }, { write: (s: string) => void chunks.push(s) });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, events: () => lines().map((l) => String(l['event'])), text: () => chunks.join('') };
}
