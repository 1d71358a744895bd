/**
 * The agent's composition root and CLI entry: the only place that builds
 * the object graph (store, registry, SSH pool, local transport, cache,
 * collection service, scheduler) and wires it together.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Logger } from 'pino';
import { InfraError, shutdownOnSignals, toInfraError } from '@infrastructor/shared';
import { loadConfigFile } from './config/load-config.js';
import type { AgentConfig, HostConfig } from './config/agent-config.js';
import { createLogger } from './log/logger.js';
import { openAgentStore, type AgentStore } from './store/agent-store.js';
import { createRegistry, type Registry } from './registry/registry.js';
import { builtinCommands } from './registry/builtin/index.js';
import { parserCatalog } from './parse/catalog.js';
import { SshPool } from './collect/ssh-pool.js';
import { LocalTransport } from './collect/local-transport.js';
import { ResultCache } from './cache/result-cache.js';
import { EventCounters } from './service/event-counters.js';
import { CollectionService } from './service/collection-service.js';
import { Scheduler, type ScheduledJob } from './schedule/scheduler.js';
import { Maintenance } from './schedule/maintenance.js';
import { USAGE } from './cli/usage.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './cli/exit-codes.js';
import { paramsFromArgs } from './cli/param-args.js';
import { formatError, formatErrorJson } from './cli/print-error.js';
import { formatCommandList, formatParserList } from './cli/catalog-listings.js';
import { parseSavedOutput } from './cli/parse-saved-output.js';
import { formatConfigSummary } from './cli/config-summary.js';
import { configWarnings } from './cli/config-warnings.js';
import { formatStatus, statusJson, type StatusJob } from './cli/status-report.js';
import type { CollectionSink } from './service/collection-types.js';
import { LinkStateStore } from './store/link-state-store.js';
import { HubLink } from './stream/hub-link.js';
import { jobInfos } from './stream/job-intervals.js';
import { nodeTimers, type SocketFactory } from './stream/link-ports.js';
import { readHubCredentials } from './stream/hub-credentials.js';
import { configChanges } from './config/config-changes.js';
import { AgentRunner, type RunningAgent } from './lifecycle/agent-runner.js';

const VERSION = '0.1.0';
const MAINTENANCE_INTERVAL_MS = 10 * 60_000;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: () => string;
  isTty: boolean;
}

const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  stdin: () => readFileSync(0, 'utf8'),
  isTty: Boolean(process.stdout.isTTY),
};

/** Everything a running agent is made of, and how to take it down. */
export interface Agent {
  config: AgentConfig;
  store: AgentStore;
  registry: Registry;
  service: CollectionService;
  scheduler: Scheduler;
  counters: EventCounters;
  cache: ResultCache;
  pool: SshPool;
  maintenance: Maintenance;
  /** The link to the hub when `hub` is configured; `runDaemon` starts it. */
  link: HubLink | undefined;
  /** Close the hub link, stop schedules, drain collections up to the deadline, close SSH, close the database. Safe twice. */
  shutdown(): Promise<void>;
}

export interface ComposeOptions {
  /** Opens the hub WebSocket (tests). */
  createSocket?: SocketFactory;
}

export function composeAgent(config: AgentConfig, logger: Logger, options: ComposeOptions = {}): Agent {
  const store = openAgentStore({ storage: config.storage, logger, clock: Date.now });
  try {
    let link: HubLink | undefined;
    // Every collection write adds outbox records (results, audits, changes, gaps): tell the link.
    const sink: CollectionSink = {
      previousFileHashes: (host, command) => store.collections.previousFileHashes(host, command),
      record: (entry) => {
        store.collections.record(entry);
        link?.notify();
      },
      recordMany: (entries) => {
        store.collections.recordMany(entries);
        link?.notify();
      },
    };
    const registry = createRegistry({ builtins: builtinCommands, config });
    const counters = new EventCounters();
    const pool = new SshPool({ limits: config.limits, hostKeyStore: store.hostKeys, logger });
    const local = new LocalTransport({});
    const cache = new ResultCache({ maxEntries: config.cache.maxEntries, now: () => performance.now() });
    const service = new CollectionService({
      config,
      registry,
      transportFor: (host: HostConfig) => (host.transport === 'local' ? local : pool.transportFor(host)),
      sink,
      cache,
      counters,
      logger,
      now: Date.now,
    });
    const jobs: ScheduledJob[] = [];
    for (const host of config.hosts) {
      for (const command of registry.list()) {
        const settings = registry.settingsFor(host, command.name);
        if (settings.enabled) jobs.push({ host, command: command.name, schedule: settings.schedule });
      }
    }
    const scheduler = new Scheduler({
      jobs,
      collect: (h, c, o) => service.collect(h, c, o),
      collectMany: (h, cs, o) => service.collectMany(h, cs, o),
      jitterMs: config.schedule.jitterMs,
      counters,
      logger,
    });
    const maintenance = new Maintenance({ store, intervalMs: MAINTENANCE_INTERVAL_MS, logger, counters });
    if (config.hub) {
      const linkState = new LinkStateStore(store.db);
      link = new HubLink({
        hub: config.hub,
        site: config.site,
        version: VERSION,
        jobs: jobInfos(jobs.map((j) => ({ host: j.host.name, command: j.command, schedule: j.schedule }))),
        epoch: store.epoch,
        outbox: store.outbox,
        collect: (h, c, o) => service.collect(h, c, o),
        state: linkState,
        logger: logger.child({ component: 'hub-link' }),
        counters,
        clock: Date.now,
        timers: nodeTimers(),
        random: Math.random,
        ...(options.createSocket ? { createSocket: options.createSocket } : {}),
      });
    }

    let down: Promise<void> | undefined;
    const shutdown = (): Promise<void> => {
      down ??= (async () => {
        const deadlineMs = config.limits.shutdownTimeoutMs;
        logger.info({ event: 'shutdown_started', deadlineMs }, 'shutting down: stopping schedules, draining collections');
        // The hub link first: stop streaming, answer requests in flight, close the socket.
        await link?.close(deadlineMs);
        maintenance.stop();
        await scheduler.stop();
        const { drained } = await service.close(deadlineMs);
        if (!drained) logger.warn({ event: 'shutdown_aborted_collections' }, 'collections still running at the deadline were aborted');
        await withDeadline(pool.close(), 5_000, () => pool.destroy());
        await withDeadline(local.close(), 5_000, () => local.destroy());
        store.close();
        logger.info({ event: 'shutdown_finished', counters: counters.snapshot() }, 'agent stopped');
      })();
      return down;
    };
    return { config, store, registry, service, scheduler, maintenance, counters, cache, pool, link, shutdown };
  } catch (err) {
    store.close();
    throw err;
  }
}

async function withDeadline(work: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([work.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') onTimeout();
}

/** CLI entry (bin/infra-agent.js). Resolves with the exit status. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      case '--version':
      case 'version':
        io.out(VERSION);
        return EXIT_OK;
      case 'run':
        return await runDaemon(rest, io);
      case 'collect':
        return await collectOnce(rest, io);
      case 'status':
        return statusCommand(rest, io);
      case 'check-config':
        return checkConfig(rest, io);
      case 'commands':
        return listCommands(rest, io);
      case 'parsers':
        io.out(formatParserList(parserCatalog, builtinCommands));
        return EXIT_OK;
      case 'parse':
        return parseCommand(rest, io);
      default:
        io.err(`infra-agent: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return EXIT_USAGE;
    }
  } catch (err) {
    const e = toInfraError(err);
    io.err(formatError(e));
    return isUsageError(e) ? EXIT_USAGE : EXIT_FAILED;
  }
}

function isUsageError(e: InfraError): boolean {
  return e.code.startsWith('CONFIG_') || e.code === 'PARSER_UNKNOWN' || e.message.startsWith('usage:');
}

function args(
  rest: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
  positionals: boolean,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...rest], options, allowPositionals: positionals, strict: true });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (err) {
    throw new InfraError('CONFIG_INVALID', `usage: ${err instanceof Error ? err.message : String(err)} (see infra-agent --help)`);
  }
}

function requireConfigPath(values: Record<string, unknown>): string {
  const path = values['config'];
  if (typeof path !== 'string' || path === '') {
    throw new InfraError('CONFIG_INVALID', 'usage: --config FILE is required (see docs/configuration.md)');
  }
  return path;
}

async function runDaemon(rest: readonly string[], io: Io): Promise<number> {
  const { values } = args(rest, { config: { type: 'string', short: 'c' } }, false);
  const configPath = requireConfigPath(values);
  const config = loadConfigFile(configPath);
  const logger = createLogger({ level: config.log.level, pretty: io.isTty });
  // A SIGHUP while the agent starts (node would exit on it) is kept for after.
  let earlyHangup = false;
  const onEarlyHangup = (): void => {
    earlyHangup = true;
  };
  process.on('SIGHUP', onEarlyHangup);
  const runner = await AgentRunner.start(config, {
    start: (c) => startAgent(c, logger),
    // A reload is refused (the running agent untouched) unless the file and the token/CA files it names can be used.
    load: () => {
      const next = loadConfigFile(configPath);
      if (next.hub) readHubCredentials(next.hub);
      return next;
    },
    changes: configChanges,
    logger,
  }).finally(() => process.off('SIGHUP', onEarlyHangup));
  // A daemon runs until it is told to stop, even with nothing scheduled and
  // no hub (maintenance timers do not hold the event loop open by themselves).
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const onHangup = (): void => {
    logger.info({ event: 'signal_received', signal: 'SIGHUP' }, 'received SIGHUP: reloading the configuration');
    void runner.reload();
  };
  process.on('SIGHUP', onHangup);
  if (earlyHangup) onHangup();
  const outcome = await Promise.race([
    shutdownOnSignals({ process, logger, shutdown: () => runner.shutdown(), force: () => runner.force() }),
    runner.failed.then(() => 'failed' as const),
  ]);
  process.off('SIGHUP', onHangup);
  clearInterval(keepAlive);
  return outcome === 'stopped' ? EXIT_OK : EXIT_FAILED;
}

/** Compose an agent and start what runs on its own: maintenance, the hub link, schedules. */
async function startAgent(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  logger.level = config.log.level;
  const agent = composeAgent(config, logger);
  logger.info(
    { event: 'agent_started', site: config.site, hosts: config.hosts.length, database: config.storage.path, epoch: agent.store.epoch, version: VERSION },
    `agent for site ${config.site} started with ${config.hosts.length} host(s)`,
  );
  agent.maintenance.start();
  if (agent.link) {
    try {
      agent.link.start();
    } catch (err) {
      await agent.shutdown();
      throw err;
    }
  } else {
    logger.info({ event: 'hub_not_configured' }, 'no hub configured: records stay in the outbox');
  }
  if (config.schedule.enabled) {
    agent.scheduler.start();
    if (config.schedule.runOnStart) agent.scheduler.kickoff();
  } else {
    logger.warn({ event: 'schedules_disabled' }, 'schedule.enabled is false: nothing runs on schedule');
  }
  return {
    shutdown: () => agent.shutdown(),
    force: () => {
      agent.link?.destroy();
      agent.pool.destroy();
    },
  };
}

async function collectOnce(rest: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = args(
    rest,
    {
      config: { type: 'string', short: 'c' },
      param: { type: 'string', multiple: true, short: 'p' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const [hostName, commandName, ...extra] = positionals;
  if (!hostName || !commandName || extra.length > 0) {
    throw new InfraError('CONFIG_INVALID', 'usage: infra-agent collect --config FILE HOST COMMAND [--param k=v]... [--force] [--json]');
  }
  const json = values['json'] === true;
  const config = loadConfigFile(requireConfigPath(values));
  const params = paramsFromArgs((values['param'] as string[] | undefined) ?? []);
  // Logs go to stderr so stdout stays the result; the outcome is printed below, so only errors are logged.
  const logger = createLogger({ level: 'error', pretty: false, destination: process.stderr });
  const agent = composeAgent(config, logger);
  try {
    const result = await agent.service.collect(hostName, commandName, { source: 'cli', params, forceRefresh: values['force'] === true });
    if (json) io.out(JSON.stringify({ ok: true, ...result }));
    else {
      io.err(`${result.command} on ${result.host}: ${result.status} in ${result.durationMs} ms, ${result.bytes} bytes (correlation ${result.correlationId})`);
      io.out(JSON.stringify(result.data, null, 2));
    }
    return EXIT_OK;
  } catch (err) {
    if (json) io.out(formatErrorJson(err));
    else io.err(formatError(err));
    return EXIT_FAILED;
  } finally {
    await agent.shutdown();
  }
}

function statusCommand(rest: readonly string[], io: Io): number {
  const { values } = args(rest, { config: { type: 'string', short: 'c' }, json: { type: 'boolean', default: false } }, false);
  const config = loadConfigFile(requireConfigPath(values));
  const logger = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
  const store = openAgentStore({ storage: config.storage, logger, clock: Date.now });
  try {
    const data = {
      site: config.site,
      databasePath: store.path,
      epoch: store.epoch,
      nowMs: Date.now(),
      lastSuccesses: store.audit.lastSuccesses(),
      recentErrors: store.audit.recentErrors({ limit: 500 }),
      outbox: store.outbox.stats(),
      hub: config.hub ? { url: config.hub.url, link: new LinkStateStore(store.db).read() } : null,
      jobs: config.schedule.enabled ? scheduledJobs(config) : [],
    };
    if (values['json'] === true) io.out(JSON.stringify(statusJson(config, data)));
    else io.out(formatStatus(config, data, { color: io.isTty }));
    return EXIT_OK;
  } finally {
    store.close();
  }
}

/** The enabled host/command pairs the scheduler runs, with the longest gap between runs. */
function scheduledJobs(config: AgentConfig): StatusJob[] {
  const registry = createRegistry({ builtins: builtinCommands, config });
  const jobs = [];
  for (const host of config.hosts) {
    for (const command of registry.list()) {
      const settings = registry.settingsFor(host, command.name);
      if (settings.enabled) jobs.push({ host: host.name, command: command.name, schedule: settings.schedule });
    }
  }
  return jobInfos(jobs).map((j) => ({ host: j.host, command: j.command, intervalMs: j.intervalMs }));
}

function checkConfig(rest: readonly string[], io: Io): number {
  const { values } = args(rest, { config: { type: 'string', short: 'c' } }, false);
  const config = loadConfigFile(requireConfigPath(values));
  const registry = createRegistry({ builtins: builtinCommands, config });
  // Files it names and host keys that will fail at run time: warnings, not errors (the file is valid).
  io.out(formatConfigSummary(config, registry, configWarnings(config)));
  return EXIT_OK;
}

function listCommands(rest: readonly string[], io: Io): number {
  const { values } = args(rest, { config: { type: 'string', short: 'c' } }, false);
  const path = values['config'];
  if (typeof path === 'string') {
    const config = loadConfigFile(path);
    io.out(formatCommandList(createRegistry({ builtins: builtinCommands, config }).list()));
  } else io.out(formatCommandList(builtinCommands));
  return EXIT_OK;
}

function parseCommand(rest: readonly string[], io: Io): number {
  const { positionals } = args(rest, {}, true);
  const [name, file, ...extra] = positionals;
  if (!name || extra.length > 0) throw new InfraError('CONFIG_INVALID', 'usage: infra-agent parse PARSER [FILE]');
  let text: string;
  try {
    text = file === undefined || file === '-' ? io.stdin() : readFileSync(file, 'utf8');
  } catch (err) {
    throw new InfraError('CONFIG_READ_FAILED', `cannot read ${file ?? 'stdin'}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    io.out(JSON.stringify(parseSavedOutput(name, text, parserCatalog, builtinCommands), null, 2));
    return EXIT_OK;
  } catch (err) {
    const e = toInfraError(err);
    io.err(formatError(e));
    return e.code === 'PARSER_UNKNOWN' ? EXIT_USAGE : EXIT_FAILED;
  }
}
