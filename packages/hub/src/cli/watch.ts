/**
 * `infra-hub watch --url URL --token T [--ca FILE] [--json] [TOPIC...]`
 *
 * Follows topics live: the snapshot first, then every update. On a
 * terminal one readable line per update; otherwise (or with --json) one
 * JSON line per event. Reconnects with backoff and resumes after the last
 * seq it printed; Ctrl-C exits 0.
 */
import { parseArgs } from 'node:util';
import { toInfraError, type HubEvent, type SubscribeMessage } from '@infrastructor/shared';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './client-exit-codes.js';
import { CONNECTION_FLAGS, readConnectionFlags, TOKEN_ENV, type ConnectionFlags } from './hub-client-flags.js';
import { HubConnection } from './subscriber-connection.js';
import { eventJsonLine, eventTtyLine } from './watch-format.js';
import { DEFAULT_WATCH_BACKOFF, reconnectDelayMs, sleepUnlessAborted, type BackoffPolicy } from './watch-backoff.js';

export const DEFAULT_WATCH_TOPICS = ['site/*/host/*/*', 'agents'];

export const WATCH_USAGE = `usage: infra-hub watch --url URL --token TOKEN [--ca FILE] [--json] [TOPIC...]

  Follows hub topics live (default: ${DEFAULT_WATCH_TOPICS.join(' ')}).
  Topics: site/<site>/host/<host>/<command>, audit/<site>/<host>/<command>,
  changes/<site>/<host>/<command>, agents/<site>/<agentId>; '*' is one
  segment, a final '#' any number; bare agents, changes, audit and '#' work.
  --token may come from ${TOKEN_ENV}. --ca FILE trusts a private CA for wss://.
  --json prints JSON lines even on a terminal. Ctrl-C stops.`;

/** Hooks for running watch in-process (tests, embedding). */
export interface WatchRuntime {
  /** Stop watching; the command then returns 0. Default: SIGINT/SIGTERM. */
  signal?: AbortSignal;
  reconnect?: BackoffPolicy;
  random?: () => number;
  env?: NodeJS.ProcessEnv;
}

interface Position {
  hubEpoch?: string;
  lastSeq?: number;
}

export async function watchCommand(argv: string[], io: CliIo, runtime: WatchRuntime = {}): Promise<number> {
  let flags: ConnectionFlags;
  let topics: string[];
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...CONNECTION_FLAGS, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.out(WATCH_USAGE);
      return EXIT_OK;
    }
    flags = readConnectionFlags(values, runtime.env ?? process.env);
    topics = positionals.length > 0 ? positionals : DEFAULT_WATCH_TOPICS;
    json = values.json || !io.isTty;
  } catch (err) {
    io.err(`infra-hub watch: ${err instanceof Error ? err.message : String(err)}`);
    io.err(WATCH_USAGE);
    return EXIT_USAGE;
  }

  const stop = runtime.signal ? { signal: runtime.signal, dispose: () => {} } : stopOnSignals();
  try {
    return await watchLoop(flags, topics, json, io, stop.signal, runtime);
  } finally {
    stop.dispose();
  }
}

async function watchLoop(flags: ConnectionFlags, topics: string[], json: boolean, io: CliIo, signal: AbortSignal, runtime: WatchRuntime): Promise<number> {
  const policy = runtime.reconnect ?? DEFAULT_WATCH_BACKOFF;
  const random = runtime.random ?? Math.random;
  const print = (e: HubEvent): void => io.out(json ? eventJsonLine(e) : eventTtyLine(e, true, Date.now()));
  const position: Position = {};
  let attempt = 0;

  while (!signal.aborted) {
    let conn: HubConnection;
    try {
      conn = await HubConnection.open({ url: flags.url, token: flags.token, ca: flags.ca, client: 'infra-hub watch', signal });
    } catch (err) {
      const e = toInfraError(err);
      if (e.code === 'ABORTED') break;
      if (e.code === 'AUTH_FAILED' || e.code === 'FORBIDDEN') {
        io.err(`infra-hub watch: error ${e.code}: ${e.message}`);
        return EXIT_USAGE;
      }
      if (e.code === 'PROTOCOL_VERSION_MISMATCH') {
        io.err(`infra-hub watch: error ${e.code}: ${e.message}`);
        return EXIT_FAILED;
      }
      const delay = reconnectDelayMs(attempt++, policy, random);
      io.err(`infra-hub watch: ${e.message}; retrying in ${delay} ms`);
      await sleepUnlessAborted(delay, signal);
      continue;
    }
    attempt = 0;
    const { welcome } = conn;
    io.err(`infra-hub watch: connected as ${welcome.role} (sites ${welcome.sites.join(',')}), hub epoch ${welcome.hubEpoch}`);
    const subscribe: SubscribeMessage = { t: 'subscribe', topics, replace: true };
    if (position.hubEpoch !== undefined && position.lastSeq !== undefined) subscribe.resume = { hubEpoch: position.hubEpoch, afterSeq: position.lastSeq };
    conn.send(subscribe);

    const closed = await follow(conn, position, print, io);
    if (signal.aborted) break;
    if (closed.code === 4001) {
      io.err(`infra-hub watch: error PROTOCOL_VERSION_MISMATCH: ${closed.reason}`);
      return EXIT_FAILED;
    }
    const delay = reconnectDelayMs(attempt++, policy, random);
    io.err(`infra-hub watch: connection closed (code ${closed.code}${closed.reason ? `: ${closed.reason}` : ''}); reconnecting in ${delay} ms`);
    await sleepUnlessAborted(delay, signal);
  }
  return EXIT_OK;
}

/** Print what arrives until the connection closes; keeps `position` at the last seq printed. */
async function follow(conn: HubConnection, position: Position, print: (e: HubEvent) => void, io: CliIo): Promise<{ code: number; reason: string }> {
  const epoch = conn.welcome.hubEpoch;
  for (;;) {
    const item = await conn.next();
    if (item.kind === 'closed') return item;
    const msg = item.msg;
    switch (msg.t) {
      case 'snapshot':
        position.hubEpoch = msg.hubEpoch;
        position.lastSeq = msg.seq;
        for (const e of msg.entries) print(e);
        break;
      case 'events':
        for (const e of msg.events) {
          // Never print an event twice (a replay overlapping what was seen).
          if (position.hubEpoch === epoch && position.lastSeq !== undefined && e.seq <= position.lastSeq) continue;
          print(e);
          position.hubEpoch = epoch;
          position.lastSeq = e.seq;
        }
        break;
      case 'error':
        io.err(`infra-hub watch: hub error ${msg.code}: ${msg.message}`);
        break;
      default:
        break;
    }
  }
}

function stopOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
