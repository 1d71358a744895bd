import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths pino redacts wherever they appear in a log object. */
export const REDACT_PATHS = ['token', 'authorization', '*.token', '*.authorization', 'headers.authorization', '*.headers.authorization'];

export interface LoggerOptions {
  level: string;
  /** Pretty, human output (when stdout is a TTY) instead of JSON lines. */
  pretty: boolean;
  destination?: DestinationStream;
}

/** One JSON line per event (each with an `event` field); pretty on a TTY; secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    name: 'infra-hub',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(base);
}
