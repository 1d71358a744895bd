/**
 * The daemons' signal handling: the first SIGTERM/SIGINT starts a graceful
 * shutdown, any later one forces the exit. Everything comes in as a
 * parameter (a real or a fake process), so there is no module-level state.
 */

/** The part of `process` this needs; an EventEmitter serves in tests. */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The part of a (pino) logger this needs. */
export interface ShutdownLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ShutdownOnSignalsOptions {
  process: SignalSource;
  logger: ShutdownLogger;
  /** The graceful shutdown, started by the first signal. */
  shutdown: () => Promise<void>;
  /** Run on every later signal, while the shutdown is still going: stop now (destroy connections, or exit). */
  force: (signal: NodeJS.Signals) => void;
}

/** How it ended: shut down cleanly, the shutdown failed (logged), or a second signal forced it. */
export type ShutdownOutcome = 'stopped' | 'failed' | 'forced';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Wait for SIGTERM or SIGINT, then shut down. Resolves once the shutdown
 * finished or failed, or as soon as a second signal forced it; the signal
 * listeners are removed then.
 */
export function shutdownOnSignals(options: ShutdownOnSignalsOptions): Promise<ShutdownOutcome> {
  const { process: proc, logger } = options;
  return new Promise<ShutdownOutcome>((resolve) => {
    let signals = 0;
    const settle = (outcome: ShutdownOutcome): void => {
      for (const s of SIGNALS) proc.off(s, onSignal);
      resolve(outcome);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ event: 'shutdown_forced', signal }, 'second signal: exiting now');
        options.force(signal);
        settle('forced');
        return;
      }
      logger.info({ event: 'signal_received', signal }, `received ${signal}`);
      options.shutdown().then(
        () => settle('stopped'),
        (err: unknown) => {
          logger.error({ event: 'shutdown_failed', err }, 'shutdown failed');
          settle('failed');
        },
      );
    };
    for (const s of SIGNALS) proc.on(s, onSignal);
  });
}
