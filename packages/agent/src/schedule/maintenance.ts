import type { Logger } from 'pino';
import type { AgentStore } from '../store/agent-store.js';
import type { EventCounters } from '../service/event-counters.js';

export interface MaintenanceOptions {
  store: Pick<AgentStore, 'pruneRetention' | 'outbox'>;
  intervalMs: number;
  logger: Logger;
  counters: EventCounters;
}

/**
 * Periodic housekeeping: prune result history and audits past retention and
 * apply the outbox age cap (writes apply the byte cap themselves). Runs once
 * at start, then every intervalMs. `stop()` is safe twice.
 */
export class Maintenance {
  readonly #o: MaintenanceOptions;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MaintenanceOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.runOnce();
    this.#timer = setInterval(() => this.runOnce(), this.#o.intervalMs);
    this.#timer.unref();
  }

  runOnce(): void {
    const { logger, counters } = this.#o;
    try {
      const pruned = this.#o.store.pruneRetention();
      const caps = this.#o.store.outbox.enforceCaps();
      counters.inc('maintenance_runs');
      if (pruned.historyRowsDeleted + pruned.auditRowsDeleted > 0) {
        logger.info({ event: 'retention_pruned', ...pruned }, 'pruned rows past retention');
      }
      logger.debug({ event: 'outbox_caps_checked', caps }, 'outbox caps checked');
    } catch (err) {
      counters.inc('maintenance_failed');
      logger.error({ event: 'maintenance_failed', err }, 'housekeeping failed; will retry next interval');
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
