/**
 * The running daemon's agent, and reloading it (SIGHUP, `systemctl reload
 * infra-agent`). A reload reads the configuration again first; when it is
 * invalid (or a file it names — token, CA — cannot be used) the error is
 * logged and the running agent goes on untouched. Otherwise the running
 * agent shuts down as on SIGTERM (collections drain, the hub link closes,
 * the outbox stays on disk) and one built from the new configuration
 * starts in the same process. Should that fail, the previous
 * configuration is started again; only when that fails too is the runner
 * left without an agent (`failed` settles: the daemon exits with an error
 * and systemd restarts it).
 *
 * Operations run one at a time: a reload asked for while another runs is
 * done once after it (any number of requests meanwhile make one reload);
 * `shutdown()` waits for a reload in progress, then stops whatever runs.
 * Composing is passed in (`start`): main.ts stays the composition root.
 */
import { InfraError, toInfraError } from '@infrastructor/shared';
import type { Logger } from 'pino';

/** What the runner needs of a started agent. */
export interface RunningAgent {
  /** Graceful: drain and close (as on SIGTERM). */
  shutdown(): Promise<void>;
  /** Now: drop connections (a second signal during shutdown). */
  force(): void;
}

export interface AgentRunnerOptions<C> {
  /** Build and start an agent; rejects (nothing left running) when it cannot. */
  start: (config: C) => Promise<RunningAgent>;
  /** Read and check the configuration again; throws a coded error when it cannot be used. */
  load: () => C;
  /** Human-readable list of what differs, for the log line. */
  changes: (prev: C, next: C) => string[];
  logger: Logger;
}

export type ReloadOutcome =
  /** The new configuration runs. */
  | 'reloaded'
  /** The file could not be used: the running agent was not touched. */
  | 'invalid'
  /** The new configuration did not start; the previous one runs again. */
  | 'restored'
  /** Neither started: no agent runs (see `failed`). */
  | 'failed'
  /** Shutting down: nothing was reloaded. */
  | 'stopping';

export class AgentRunner<C> {
  readonly #o: AgentRunnerOptions<C>;
  #config: C;
  #agent: RunningAgent | undefined;
  /** The agent a reload or shutdown is stopping (what `force()` must reach too). */
  #draining: RunningAgent | undefined;
  /** The last queued operation; each starts when the one before it has settled. */
  #tail: Promise<unknown> = Promise.resolve();
  /** A reload queued and not started yet: later requests join it. */
  #queued: Promise<ReloadOutcome> | undefined;
  #stopping: Promise<void> | undefined;
  #onFailed: (err: InfraError) => void = () => undefined;
  /** Settles when no agent runs any more after a reload (the daemon should exit with an error). */
  readonly failed: Promise<InfraError>;

  /** Start the agent of `config` (rejects like `start`). */
  static async start<C>(config: C, options: AgentRunnerOptions<C>): Promise<AgentRunner<C>> {
    return new AgentRunner(config, options, await options.start(config));
  }

  private constructor(config: C, options: AgentRunnerOptions<C>, agent: RunningAgent) {
    this.#o = options;
    this.#config = config;
    this.#agent = agent;
    this.failed = new Promise((resolve) => (this.#onFailed = resolve));
  }

  /** Whether an agent is running (false after shutdown or a failed reload). */
  get running(): boolean {
    return this.#agent !== undefined;
  }

  reload(): Promise<ReloadOutcome> {
    if (this.#stopping) return Promise.resolve('stopping');
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#reloadNow();
    });
    this.#queued = run;
    // The next operation waits for this one however it ends.
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Stop the running agent (after a reload in progress). Safe twice. */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#tail.then(async () => {
      const agent = this.#agent;
      this.#agent = undefined;
      await this.#drain(agent);
    });
    return this.#stopping;
  }

  /** Drop connections now: of the running agent and of one being stopped. */
  force(): void {
    this.#draining?.force();
    this.#agent?.force();
  }

  async #drain(agent: RunningAgent | undefined): Promise<void> {
    if (agent === undefined) return;
    this.#draining = agent;
    try {
      await agent.shutdown();
    } finally {
      this.#draining = undefined;
    }
  }

  async #reloadNow(): Promise<ReloadOutcome> {
    const { logger } = this.#o;
    if (this.#stopping || this.#agent === undefined) return 'stopping';
    let next: C;
    try {
      next = this.#o.load();
    } catch (err) {
      const e = toInfraError(err, 'CONFIG_INVALID');
      logger.error({ event: 'config_reload_failed', code: e.code, err: e.message }, `configuration not reloaded, the agent keeps running as it was: ${e.message}`);
      return 'invalid';
    }
    const changes = this.#o.changes(this.#config, next);
    logger.info(
      { event: 'config_reload_started', changes },
      `reloading the configuration (${changes.length > 0 ? changes.join('; ') : 'no changes to the file; token, CA and key files are read again'}): restarting the agent`,
    );
    const old = this.#agent;
    this.#agent = undefined;
    try {
      await this.#drain(old);
    } catch (err) {
      // Whatever it left open is closed by now or never will be: go on with the new one.
      logger.error({ event: 'shutdown_failed', err }, 'the running agent did not shut down cleanly for the reload');
    }
    try {
      this.#agent = await this.#o.start(next);
      this.#config = next;
      logger.info({ event: 'config_reloaded', changes }, 'configuration reloaded');
      return 'reloaded';
    } catch (err) {
      const e = toInfraError(err);
      logger.error({ event: 'config_reload_failed', code: e.code, err: e.message }, `the new configuration did not start (${e.message}): starting the previous one again`);
    }
    try {
      this.#agent = await this.#o.start(this.#config);
      logger.warn({ event: 'config_reload_restored' }, 'running the previous configuration again');
      return 'restored';
    } catch (err) {
      const e = toInfraError(err);
      logger.fatal({ event: 'config_reload_no_agent', code: e.code, err: e.message }, `the previous configuration did not start again either (${e.message}): no agent is running`);
      this.#onFailed(e);
      return 'failed';
    }
  }
}
