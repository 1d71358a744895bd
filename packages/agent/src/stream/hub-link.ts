/**
 * The agent's link to the hub: keeps one connection (hub-session.ts) up,
 * reconnecting with full-jitter backoff when it drops, and reports its state
 * (to the meta table, for `infra-agent status`). The outbox is durable, so a
 * dropped connection loses nothing: the next welcome says what the hub has.
 *
 * Failures are named events, counted every time and logged once per change
 * (a hub that stays down does not log a line per retry).
 *
 *   const link = new HubLink({...});
 *   link.start();          // reads the token, connects
 *   link.notify();         // after every outbox write
 *   await link.close(ms);  // stop streaming, answer requests in flight, close
 *   link.destroy();        // abort everything now
 */
import WebSocket from 'ws';
import { CLOSE_CODES, toInfraError, type HubWelcome, type ScheduledJobInfo } from '@infrastructor/shared';
import type { HubConfig } from '../config/agent-config.js';
import type { HubLinkState } from '../store/link-state-store.js';
import { readHubCredentials, type HubCredentials } from './hub-credentials.js';
import { HubRequests } from './hub-requests.js';
import { HubSession } from './hub-session.js';
import { failureKey, localFailure, type LinkFailure } from './link-failures.js';
import type { CollectFn, LinkCounters, LinkLogger, LinkOutbox, LinkStateSink, LinkTimers, SocketFactory, TimerHandle } from './link-ports.js';
import { ReconnectBackoff } from './reconnect-backoff.js';

/** How long `close()` waits for the hub's close frame before cutting the socket. */
const CLOSE_GRACE_MS = 2000;

export interface HubLinkOptions {
  hub: HubConfig;
  site: string;
  /** Agent version, sent in hello. */
  version: string;
  jobs: readonly ScheduledJobInfo[];
  /** The database epoch (store.epoch). */
  epoch: string;
  outbox: LinkOutbox;
  /** Runs on-demand requests (CollectionService.collect). */
  collect: CollectFn;
  /** Receives every state change (the meta table; tests watch it too). */
  state: LinkStateSink;
  logger: LinkLogger;
  counters: LinkCounters;
  /** Wall-clock ms. */
  clock: () => number;
  timers: LinkTimers;
  /** In [0, 1): reconnect jitter. */
  random: () => number;
  createSocket?: SocketFactory;
  /** Reads hub.tokenFile / hub.caFile at start (default: from disk). */
  readCredentials?: (hub: HubConfig) => HubCredentials;
}

type Phase = 'idle' | 'running' | 'closing' | 'closed';

export class HubLink {
  readonly #o: HubLinkOptions;
  readonly #requests: HubRequests;
  readonly #backoff: ReconnectBackoff;
  #phase: Phase = 'idle';
  #credentials: HubCredentials | undefined;
  #session: HubSession | undefined;
  #reconnectTimer: TimerHandle;
  #lastFailureKey: string | undefined;
  #state: HubLinkState;
  #stateWriteFailed = false;
  #closing: Promise<void> | undefined;
  #closedWritten = false;

  constructor(options: HubLinkOptions) {
    this.#o = options;
    this.#requests = new HubRequests({ collect: options.collect, timers: options.timers, logger: options.logger, counters: options.counters });
    this.#backoff = new ReconnectBackoff({ baseDelayMs: options.hub.reconnectBaseDelayMs, maxDelayMs: options.hub.reconnectMaxDelayMs, random: options.random });
    const now = options.clock();
    this.#state = {
      phase: 'connecting',
      connected: false,
      url: options.hub.url,
      agentId: options.hub.agentId,
      lastAckSeq: null,
      lastAckAtMs: null,
      lastError: null,
      sinceMs: now,
      updatedAtMs: now,
    };
  }

  /** The current state (what is written to the meta table). */
  state(): HubLinkState {
    return { ...this.#state, lastError: this.#state.lastError === null ? null : { ...this.#state.lastError } };
  }

  /** Read the credentials (throws CONFIG_READ_FAILED / CONFIG_INVALID) and connect. Once. */
  start(): void {
    if (this.#phase !== 'idle') return;
    this.#credentials = (this.#o.readCredentials ?? readHubCredentials)(this.#o.hub);
    this.#phase = 'running';
    this.#o.logger.info({ event: 'hub_link_started', url: this.#o.hub.url, agentId: this.#o.hub.agentId }, `connecting to the hub at ${this.#o.hub.url}`);
    this.#writeState({ phase: 'connecting', connected: false, sinceMs: this.#o.clock() });
    this.#connect();
  }

  /** Records were added to the outbox. */
  notify(): void {
    this.#session?.notify();
  }

  /**
   * Stop streaming, wait for requests in flight up to `deadlineMs` (their
   * answers still go out), then close the socket. Safe twice.
   */
  close(deadlineMs: number): Promise<void> {
    this.#closing ??= this.#close(deadlineMs);
    return this.#closing;
  }

  /** Abort requests in flight and cut the connection now. Safe twice. */
  destroy(): void {
    const wasActive = this.#phase !== 'idle' && this.#phase !== 'closed';
    this.#phase = 'closed';
    this.#clearReconnect();
    this.#requests.abort();
    this.#session?.terminate();
    this.#session = undefined;
    if (wasActive) this.#writeClosed();
  }

  async #close(deadlineMs: number): Promise<void> {
    if (this.#phase === 'idle' || this.#phase === 'closed') {
      this.#phase = 'closed';
      return;
    }
    this.#phase = 'closing';
    this.#clearReconnect();
    this.#session?.stopStreaming();
    const drained = await this.#requests.drain(deadlineMs);
    if (!drained) {
      this.#o.counters.inc('hub_requests_aborted');
      this.#o.logger.warn({ event: 'hub_requests_aborted', deadlineMs }, 'requests from the hub still running at the shutdown deadline were aborted');
      this.#requests.abort();
    }
    const session = this.#session;
    this.#session = undefined;
    if (session) await session.close(CLOSE_CODES.GOING_AWAY, 'agent shutting down', CLOSE_GRACE_MS);
    this.#phase = 'closed';
    this.#writeClosed();
    this.#o.logger.info({ event: 'hub_link_closed' }, 'hub link closed');
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    if (this.#phase !== 'running' || this.#credentials === undefined) return;
    const { hub } = this.#o;
    let session: HubSession | undefined;
    try {
      session = new HubSession({
        settings: {
          url: hub.url,
          token: this.#credentials.token,
          ...(this.#credentials.ca === undefined ? {} : { ca: this.#credentials.ca }),
          agentId: hub.agentId,
          site: this.#o.site,
          version: this.#o.version,
          jobs: this.#o.jobs,
          limits: hub,
          pingIntervalMs: hub.pingIntervalMs,
          statusIntervalMs: hub.statusIntervalMs,
        },
        epoch: this.#o.epoch,
        outbox: this.#o.outbox,
        requests: this.#requests,
        createSocket: this.#o.createSocket ?? ((url, options) => new WebSocket(url, options)),
        timers: this.#o.timers,
        logger: this.#o.logger,
        counters: this.#o.counters,
        onWelcome: (welcome) => this.#onWelcome(welcome),
        onAcked: (seq) => this.#writeState({ lastAckSeq: seq, lastAckAtMs: this.#o.clock() }),
        onEnd: (failure) => this.#onSessionEnd(session, failure),
      });
      this.#session = session;
    } catch (err) {
      const e = toInfraError(err);
      this.#onSessionEnd(undefined, localFailure('hub_connect_failed', 'HUB_UNREACHABLE', `cannot open a connection to ${hub.url}: ${e.message}`));
    }
  }

  #onWelcome(welcome: HubWelcome): void {
    this.#backoff.reset();
    this.#lastFailureKey = undefined;
    this.#o.counters.inc('hub_connected');
    this.#o.logger.info(
      { event: 'hub_connected', url: this.#o.hub.url, ackedSeq: welcome.ackedSeq, epochStatus: welcome.epochStatus },
      `connected to the hub (it has everything up to seq ${welcome.ackedSeq}; epoch ${welcome.epochStatus})`,
    );
    const now = this.#o.clock();
    this.#writeState({ phase: 'connected', connected: true, sinceMs: now, lastAckSeq: welcome.ackedSeq, lastAckAtMs: now });
  }

  #onSessionEnd(session: HubSession | undefined, failure: LinkFailure): void {
    if (session !== undefined && session !== this.#session) return;
    this.#session = undefined;
    if (this.#phase !== 'running') return;
    const retryInMs = this.#backoff.nextDelayMs(failure.slowRetry);
    this.#report(failure, retryInMs);
    this.#reconnectTimer = this.#o.timers.setTimeout(() => this.#connect(), retryInMs);
  }

  #report(failure: LinkFailure, retryInMs: number): void {
    const { counters, logger, clock } = this.#o;
    counters.inc(failure.event);
    counters.inc(`hub_link_failed.${failure.code}`);
    const key = failureKey(failure);
    const fields = {
      event: failure.event,
      code: failure.code,
      url: this.#o.hub.url,
      retryInMs,
      attempt: this.#backoff.attempt,
      ...(failure.closeCode === undefined ? {} : { closeCode: failure.closeCode, closeReason: failure.closeReason }),
      ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
    };
    const changed = key !== this.#lastFailureKey;
    this.#lastFailureKey = key;
    // One warn line per change (not per retry), saying where, why, what to do and that nothing is lost.
    if (changed) logger.warn(fields, `hub at ${this.#o.hub.url}: ${failure.message}; retrying in ${retryInMs} ms; collections go on and their records are kept in the outbox`);
    else logger.debug(fields, failure.message);
    const now = clock();
    const wasDown = !this.#state.connected && this.#state.phase === 'disconnected';
    if (changed || !wasDown) {
      this.#writeState({
        phase: 'disconnected',
        connected: false,
        ...(wasDown ? {} : { sinceMs: now }),
        lastError: { code: failure.code, message: failure.message, atMs: now },
      });
    }
  }

  #writeClosed(): void {
    if (this.#closedWritten) return;
    this.#closedWritten = true;
    this.#writeState({ phase: 'closed', connected: false, sinceMs: this.#o.clock() });
  }

  #writeState(change: Partial<HubLinkState>): void {
    this.#state = { ...this.#state, ...change, updatedAtMs: this.#o.clock() };
    try {
      this.#o.state.write(this.state());
      this.#stateWriteFailed = false;
    } catch (err) {
      this.#o.counters.inc('hub_link_state_write_failed');
      if (!this.#stateWriteFailed) {
        this.#stateWriteFailed = true;
        this.#o.logger.error({ event: 'hub_link_state_write_failed', err: toInfraError(err).message }, 'could not record the hub link state in the database');
      }
    }
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer !== undefined) this.#o.timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }
}
