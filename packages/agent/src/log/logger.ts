import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths pino redacts wherever they appear in a log object. */
export const REDACT_PATHS = [
  'password',
  'passphrase',
  'privateKey',
  'token',
  'authorization',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  '*.token',
  '*.authorization',
  'err.details.privateKey',
];

export interface LoggerOptions {
  level: string;
  /** Pretty, human output (when stdout is a TTY) instead of JSON lines. */
  pretty: boolean;
  name?: string;
  destination?: DestinationStream;
}

/** One JSON line per event; pretty on a TTY; secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    name: options.name ?? 'infra-agent',
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
