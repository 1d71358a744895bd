/**
 * The hub's composition root and CLI entry: the only place that builds the
 * object graph (store, agent endpoint, ingest, relay, status, subscriber
 * side, HTTP server) and wires it together.
 *
 *   infra-hub run --config FILE            serve agents and subscribers
 *   infra-hub check-config --config FILE   validate and summarise a config
 *   infra-hub watch …  /  infra-hub request …   subscriber clients (cli/)
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Server } from 'node:http';
import { InfraError, shutdownOnSignals, toInfraError } from '@infrastructor/shared';
import { AgentEndpoint } from './agents/agent-endpoint.js';
import { AgentRegistry } from './agents/agent-registry.js';
import type { AgentSession } from './agents/agent-session.js';
import { TokenAuthenticator } from './agents/token-auth.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './cli/client-exit-codes.js';
import { requestCommand } from './cli/request.js';
import { statusCommand } from './cli/status.js';
import { watchCommand } from './cli/watch.js';
import type { HubConfig } from './config/hub-config.js';
import { loadHubConfig } from './config/load-hub-config.js';
import { createHubServer, listen, reloadTls } from './http/http-server.js';
import { agentKey, planReload, subscriberKey } from './config/config-reload.js';
import { UpgradeRouter } from './http/upgrade-router.js';
import { BatchIngest, type IngestResult } from './ingest/batch-ingest.js';
import { createLogger, type Logger } from './log/logger.js';
import type { CollectRelay, EventPublisher, HubEventInput, RetainedEventSource, SubscriberGateway } from './ports.js';
import { AgentCollectRelay } from './relay/collect-relay.js';
import { AgentStatusBoard } from './status/agent-status-board.js';
import { HubCounters, type EventSink } from './status/hub-counters.js';
import { startPeriodic, type PeriodicTask } from './status/periodic-task.js';
import { buildStatusReport, type StatusReport } from './status/status-report.js';
import { openHubStore, type HubStore } from './store/hub-store.js';
import { createSubscriberSide } from './subscribers/create-subscriber-side.js';

const VERSION = '0.1.0';

/** What the subscriber side is built from, once the store and the relay exist. */
export interface SubscriberSideDeps {
  config: HubConfig;
  logger: Logger;
  retained: RetainedEventSource;
  relay: CollectRelay;
}

export type SubscriberSideFactory = (deps: SubscriberSideDeps) => { gateway: SubscriberGateway; publisher: EventPublisher };

export interface StartHubOptions {
  /** Used (with `publisher`) instead of the real subscriber side; tests. */
  subscriberGateway?: SubscriberGateway;
  publisher?: EventPublisher;
  /** Default: the real subscriber side (state, fan-out, gateway) unless gateway/publisher are given. */
  subscriberSide?: SubscriberSideFactory;
  clock?: () => number;
  /** Called after each ingest transaction commits, before the ack is sent (fault injection in tests). */
  afterCommit?: (result: IngestResult) => void;
}

export interface ReloadOutcome {
  agents: number;
  subscribers: number;
  revokedAgents: number;
  revokedSubscribers: number;
  tlsReloaded: boolean;
  needsRestart: string[];
}

export interface Hub {
  /** The configuration in effect (after reloads: their agents, subscribers and TLS files). */
  readonly config: HubConfig;
  readonly port: number;
  /** ws://host:port or wss://host:port (append /agent or /subscribe). */
  readonly url: string;
  readonly store: HubStore;
  readonly db: HubStore['db'];
  readonly counters: HubCounters;
  readonly board: AgentStatusBoard;
  readonly relay: AgentCollectRelay;
  status(): StatusReport;
  /**
   * Apply a reloaded configuration (SIGHUP): new agents, subscribers and
   * tokens for new connections, connections of principals it no longer has
   * closed (AUTH_REVOKED), the TLS certificate and key read again. Other
   * changed sections are reported in `needsRestart` and keep running as they
   * are. Throws (nothing applied) when the new certificate cannot be read.
   */
  reload(next: HubConfig): ReloadOutcome;
  /** Stop accepting, close agent and subscriber sockets (HUB_SHUTTING_DOWN), close the database. Safe twice. */
  close(): Promise<void>;
}

/** The real subscriber side (packages/hub/src/subscribers/). */
export const defaultSubscriberSide: SubscriberSideFactory = ({ config, logger, retained, relay }) => {
  const side = createSubscriberSide({
    logger,
    relay,
    retained,
    fanout: config.fanout,
    gateway: { helloTimeoutMs: config.limits.helloTimeoutMs, pingIntervalMs: config.limits.pingIntervalMs },
  });
  return { gateway: side.gateway, publisher: side.state };
};

export async function startHub(config: HubConfig, logger: Logger, options: StartHubOptions = {}): Promise<Hub> {
  const clock = options.clock ?? Date.now;
  const counters = new HubCounters();
  const sink: EventSink = { logger, counters };
  const startedAtMs = clock();
  const store = openHubStore({ path: config.storage.path, synchronous: config.storage.synchronous, logger, nowMs: startedAtMs });
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    // Events flow to whatever publisher the subscriber side provides; it is
    // built after the retained state is rewritten below.
    let publisher: EventPublisher = { publish: () => undefined };
    const forward: EventPublisher = { publish: (events: readonly HubEventInput[]) => publisher.publish(events) };

    store.agents.markAllDisconnected(startedAtMs);
    const board = new AgentStatusBoard({ store, publisher: forward, clock, staleGraceMs: config.limits.staleGraceMs });
    board.load();
    board.persistAll();

    const registry = new AgentRegistry<AgentSession>();
    const relay = new AgentCollectRelay({
      directory: registry,
      requestDedupeTtlMs: config.limits.requestDedupeTtlMs,
      maxPendingRequestsPerAgent: config.limits.maxPendingRequestsPerAgent,
      sink,
    });
    cleanups.push(() => relay.close());

    let gateway: SubscriberGateway | undefined = options.subscriberGateway;
    if (options.subscriberSide !== undefined || (options.subscriberGateway === undefined && options.publisher === undefined)) {
      const side = (options.subscriberSide ?? defaultSubscriberSide)({ config, logger, retained: store.retained, relay });
      gateway = side.gateway;
      publisher = side.publisher;
    } else if (options.publisher !== undefined) publisher = options.publisher;
    const subscriberGateway = gateway;
    if (subscriberGateway !== undefined) cleanups.push(() => subscriberGateway.close());
    else logger.warn({ event: 'subscriber_endpoint_disabled' }, 'no subscriber gateway: /subscribe answers 404');

    const endpoint = new AgentEndpoint({
      maxPayloadBytes: config.limits.agentMaxPayloadBytes,
      helloTimeoutMs: config.limits.helloTimeoutMs,
      pingIntervalMs: config.limits.pingIntervalMs,
      logger,
      counters,
      clock,
      store,
      ingest: new BatchIngest(store, options.afterCommit ? { afterCommit: options.afterCommit } : {}),
      board,
      publisher: forward,
      registry,
      relay,
    });
    let closing = false;
    const auth = new TokenAuthenticator(config);
    const router = new UpgradeRouter({
      auth,
      agents: endpoint,
      gateway: subscriberGateway,
      subscriberMaxPayloadBytes: config.limits.subscriberMaxPayloadBytes,
      sink,
      isClosing: () => closing,
    });
    const status = (sites: readonly string[] = ['*']): StatusReport =>
      buildStatusReport(
        {
          board,
          counters,
          startedAtMs,
          clock,
          agentConnections: () => endpoint.connectionCount,
          relay: () => relay.stats(),
          subscribers: () => subscriberGateway?.stats() ?? null,
        },
        sites,
      );
    const server = createHubServer(config, { status, subscriber: (token) => auth.subscriber(token) }, router, sink);
    const port = await listen(server, config.listen.host, config.listen.port);
    cleanups.push(() => closeServer(server));

    const tasks: PeriodicTask[] = [
      startPeriodic('stale', config.limits.staleCheckIntervalMs, () => board.reevaluate(), sink),
      startPeriodic(
        'retention',
        config.limits.maintenanceIntervalMs,
        () => {
          const pruned = store.retention.prune(clock(), config.storage.auditRetentionMs, config.storage.changeRetentionMs);
          if (pruned.auditRows + pruned.changeRows > 0) logger.info({ event: 'retention_pruned', ...pruned }, 'pruned old audit rows and change events');
        },
        sink,
      ),
    ];
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
    const url = `${config.tls === undefined ? 'ws' : 'wss'}://${host}:${port}`;

    let down: Promise<void> | undefined;
    const close = (): Promise<void> => {
      down ??= (async () => {
        closing = true;
        logger.info({ event: 'hub_stopping' }, 'hub shutting down: closing agent and subscriber connections');
        for (const t of tasks) t.stop();
        relay.close();
        await endpoint.close(config.limits.shutdownTimeoutMs);
        if (subscriberGateway !== undefined) await subscriberGateway.close();
        router.close();
        await closeServer(server);
        store.agents.markAllDisconnected(clock());
        store.close();
        logger.info({ event: 'hub_stopped', counters: counters.snapshot() }, 'hub stopped');
      })();
      return down;
    };
    let current = config;
    const reload = (next: HubConfig): ReloadOutcome => {
      const plan = planReload(current, next);
      if (plan.reloadTls && plan.effective.tls !== undefined) reloadTls(server, plan.effective.tls);
      auth.update(plan.effective);
      const agents = new Set(plan.effective.agents.map((a) => agentKey({ agentId: a.id, site: a.site })));
      const subscribers = new Set(plan.effective.subscribers.map((s) => subscriberKey(s)));
      const revokedAgents = endpoint.revokeWhere((p) => agents.has(agentKey(p)));
      const revokedSubscribers = subscriberGateway?.revokeWhere((p) => subscribers.has(subscriberKey(p))) ?? 0;
      current = plan.effective;
      counters.count('config_reloads');
      return { agents: agents.size, subscribers: subscribers.size, revokedAgents, revokedSubscribers, tlsReloaded: plan.reloadTls, needsRestart: plan.needsRestart };
    };
    return {
      get config() {
        return current;
      },
      port,
      url,
      store,
      db: store.db,
      counters,
      board,
      relay,
      status,
      reload,
      close,
    };
  } catch (err) {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // already failing; the original error is what matters
      }
    }
    throw err;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// ---- CLI ----

const USAGE = `usage: infra-hub <command> [options]

  run --config FILE            start the hub (agents on /agent, subscribers on /subscribe)
  check-config --config FILE   validate a configuration and print a summary (no tokens)
  watch …                      follow topics live (infra-hub watch --help)
  request …                    run an on-demand collection (infra-hub request --help)
  status …                     a running hub's agents and trouble counters (infra-hub status --help)
  help | version

Configuration: docs/hub-configuration.md`;

const processIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  isTty: Boolean(process.stdout.isTTY),
};

/** CLI entry (bin/infra-hub.js). Resolves with the exit status. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      case 'version':
      case '--version':
        io.out(VERSION);
        return EXIT_OK;
      case 'run':
        return await runCommand(rest, io);
      case 'check-config':
        return checkConfigCommand(rest, io);
      case 'watch':
        return await watchCommand(rest, io);
      case 'request':
        return await requestCommand(rest, io);
      case 'status':
        return await statusCommand(rest, io);
      default:
        io.err(`infra-hub: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return EXIT_USAGE;
    }
  } catch (err) {
    const e = toInfraError(err);
    io.err(`infra-hub: error ${e.code}: ${e.message}`);
    return e.code.startsWith('CONFIG_') ? EXIT_USAGE : EXIT_FAILED;
  }
}

function configPath(rest: readonly string[]): string {
  const options: NonNullable<ParseArgsConfig['options']> = { config: { type: 'string', short: 'c' } };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...rest], options, allowPositionals: false, strict: true }).values as Record<string, unknown>;
  } catch (err) {
    throw new InfraError('CONFIG_INVALID', `usage: ${err instanceof Error ? err.message : String(err)} (see infra-hub help)`);
  }
  const path = values['config'];
  if (typeof path !== 'string' || path === '') throw new InfraError('CONFIG_INVALID', 'usage: --config FILE is required (see docs/hub-configuration.md)');
  return path;
}

async function runCommand(rest: readonly string[], io: CliIo): Promise<number> {
  const config = loadHubConfig(configPath(rest));
  const logger = createLogger({ level: config.log.level, pretty: io.isTty });
  const hub = await startHub(config, logger, crashAfterCommitsFromEnv(logger));
  logger.info(
    { event: 'hub_listening', url: hub.url, agents: new Set(config.agents.map((a) => a.id)).size, subscribers: config.subscribers.length, database: config.storage.path, tls: config.tls !== undefined, version: VERSION },
    `hub listening on ${hub.url} (agents: ${hub.url}/agent, subscribers: ${hub.url}/subscribe)`,
  );
  if (config.tls === undefined) logger.warn({ event: 'hub_insecure' }, 'serving plain ws:// (insecure: true): tokens and data travel unencrypted');
  const onHangup = (): void => reloadFromFile(hub, config.sourcePath, logger);
  process.on('SIGHUP', onHangup);
  const outcome = await shutdownOnSignals({ process, logger, shutdown: () => hub.close(), force: () => process.exit(EXIT_FAILED) });
  process.off('SIGHUP', onHangup);
  return outcome === 'stopped' ? EXIT_OK : EXIT_FAILED;
}

/** SIGHUP: read the configuration file again and apply what can change without a restart (Hub.reload). */
export function reloadFromFile(hub: Hub, path: string, logger: Logger): void {
  try {
    const r = hub.reload(loadHubConfig(path));
    logger.info(
      { event: 'config_reloaded', ...r },
      `configuration reloaded: ${r.agents} agent(s), ${r.subscribers} subscriber(s)${r.revokedAgents + r.revokedSubscribers > 0 ? `; closed ${r.revokedAgents} agent and ${r.revokedSubscribers} subscriber connection(s) no longer configured` : ''}${r.tlsReloaded ? '; TLS certificate reloaded' : ''}`,
    );
    if (r.needsRestart.length > 0) {
      logger.warn({ event: 'config_reload_needs_restart', sections: r.needsRestart }, `changed ${r.needsRestart.join(', ')}: these take effect after a restart (systemctl restart infra-hub)`);
    }
  } catch (err) {
    const e = toInfraError(err);
    hub.counters.count('config_reload_failed');
    logger.error({ event: 'config_reload_failed', code: e.code, err: e.message }, `configuration not reloaded, the hub keeps the previous one: ${e.message}`);
  }
}

/** `id@site` per agent, with the number of tokens when an id has more than one (rotation). */
function agentSummary(agents: HubConfig['agents']): string {
  const tokens = new Map<string, number>();
  for (const a of agents) tokens.set(`${a.id}@${a.site}`, (tokens.get(`${a.id}@${a.site}`) ?? 0) + 1);
  return [...tokens].map(([agent, n]) => (n > 1 ? `${agent} (${n} tokens)` : agent)).join(', ');
}

function checkConfigCommand(rest: readonly string[], io: CliIo): number {
  const config = loadHubConfig(configPath(rest));
  const lines = [
    `${config.sourcePath}: OK`,
    `  listen      ${config.listen.host}:${config.listen.port} (${config.tls === undefined ? 'plain ws, insecure: true' : `TLS, cert ${config.tls.certFile}`})`,
    `  storage     ${config.storage.path} (synchronous ${config.storage.synchronous})`,
    `  agents      ${config.agents.length === 0 ? '(none)' : agentSummary(config.agents)}`,
    `  subscribers ${config.subscribers.length === 0 ? '(none)' : config.subscribers.map((s) => `${s.name} (${s.role}: ${s.sites.join(',')})`).join(', ')}`,
  ];
  io.out(lines.join('\n'));
  return EXIT_OK;
}

/**
 * Fault injection for the delivery tests: INFRA_HUB_TEST_CRASH_AFTER_COMMITS=N
 * makes the hub SIGKILL itself right after its Nth committed ingest batch,
 * before that batch is acknowledged ("the hub dies between apply and ack").
 * Logged loudly; never set it in production.
 */
function crashAfterCommitsFromEnv(logger: Logger): StartHubOptions {
  const raw = process.env['INFRA_HUB_TEST_CRASH_AFTER_COMMITS'];
  if (raw === undefined || raw === '') return {};
  const limit = Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InfraError('CONFIG_INVALID', 'INFRA_HUB_TEST_CRASH_AFTER_COMMITS must be a positive integer');
  logger.warn({ event: 'fault_injection_armed', crashAfterCommits: limit }, `TEST FAULT INJECTION: the hub will kill itself after ${limit} committed batches`);
  let commits = 0;
  return {
    afterCommit: (result) => {
      if (result.action !== 'applied') return;
      commits += 1;
      if (commits >= limit) process.kill(process.pid, 'SIGKILL');
    },
  };
}
