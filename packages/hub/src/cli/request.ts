/**
 * `infra-hub request --url URL --token T SITE HOST COMMAND [--param k=v]...
 *   [--force] [--timeout-ms N] [--json]`
 *
 * Asks the hub to run a collection on a site's agent now. Prints the result
 * data as JSON (exit 0) or the coded error (exit 1); a token the hub does
 * not accept exits 2.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  InfraError,
  MAX_REQUEST_TIMEOUT_MS,
  NAME_PATTERN,
  toInfraError,
  type SubscriberCollectResult,
} from '@infrastructor/shared';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './client-exit-codes.js';
import { CONNECTION_FLAGS, readConnectionFlags, TOKEN_ENV } from './hub-client-flags.js';
import { HubConnection } from './subscriber-connection.js';
import { paramsFromArgs } from './request-params.js';
import { toJson } from './watch-format.js';

/** How long past the request's own timeout to wait for the hub's answer. */
const ANSWER_GRACE_MS = 5_000;

export const REQUEST_USAGE = `usage: infra-hub request --url URL --token TOKEN [--ca FILE] SITE HOST COMMAND
         [--param k=v]... [--force] [--timeout-ms N] [--json]

  Runs COMMAND on HOST through SITE's agent now (operator tokens only) and
  prints the result data as JSON. --force skips the agent's cache.
  --token may come from ${TOKEN_ENV}. --json prints {ok, result|error} on one line.
  Exit: 0 ok, 1 coded error, 2 usage or authentication failure.`;

export interface RequestRuntime {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function requestCommand(argv: string[], io: CliIo, runtime: RequestRuntime = {}): Promise<number> {
  let parsed: ReturnType<typeof parseRequestArgs>;
  try {
    parsed = parseRequestArgs(argv, runtime.env ?? process.env);
  } catch (err) {
    io.err(`infra-hub request: ${err instanceof Error ? err.message : String(err)}`);
    io.err(REQUEST_USAGE);
    return EXIT_USAGE;
  }
  if (parsed === 'help') {
    io.out(REQUEST_USAGE);
    return EXIT_OK;
  }
  const { flags, site, host, command, params, force, timeoutMs, json } = parsed;
  const fail = (code: string, message: string, exit: number): number => {
    if (json) io.out(JSON.stringify({ ok: false, error: { code, message } }));
    else io.err(`error ${code}: ${message}`);
    return exit;
  };

  let conn: HubConnection;
  try {
    conn = await HubConnection.open({ url: flags.url, token: flags.token, ca: flags.ca, client: 'infra-hub request', signal: runtime.signal });
  } catch (err) {
    const e = toInfraError(err);
    return fail(e.code, e.message, e.code === 'AUTH_FAILED' || e.code === 'FORBIDDEN' ? EXIT_USAGE : EXIT_FAILED);
  }
  try {
    const requestId = `cli-${randomUUID()}`;
    conn.send({ t: 'collect', requestId, site, host, command, params, forceRefresh: force, timeoutMs });
    const answer = await awaitAnswer(conn, requestId, timeoutMs + ANSWER_GRACE_MS);
    if (!answer.ok) return fail(answer.error.code, answer.error.message, EXIT_FAILED);
    const r = answer.result;
    if (json) io.out(toJson({ ok: true, ...r }));
    else {
      io.err(
        `${r.command} on ${r.site}/${r.host}: ${r.status}${r.cacheHit ? ' (cached)' : ''} in ${r.durationMs} ms, ${r.bytes} bytes (correlation ${r.correlationId})`,
      );
      io.out(toJson(r.data, 2) ?? 'null');
    }
    return EXIT_OK;
  } catch (err) {
    const e = toInfraError(err);
    return fail(e.code, e.message, EXIT_FAILED);
  } finally {
    conn.close();
  }
}

function parseRequestArgs(argv: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_FLAGS,
      param: { type: 'string', multiple: true, short: 'p' },
      force: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help' as const;
  const flags = readConnectionFlags(values, env);
  const [site, host, command, ...extra] = positionals;
  if (!site || !host || !command || extra.length > 0) throw new InfraError('CONFIG_INVALID', 'expected SITE HOST COMMAND');
  for (const [what, v] of [['SITE', site], ['HOST', host], ['COMMAND', command]] as const) {
    if (!NAME_PATTERN.test(v)) throw new InfraError('CONFIG_INVALID', `${what} ${JSON.stringify(v)} is not a valid name`);
  }
  let timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  const rawTimeout = values['timeout-ms'];
  if (rawTimeout !== undefined) {
    timeoutMs = Number(rawTimeout);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_REQUEST_TIMEOUT_MS) {
      throw new InfraError('CONFIG_INVALID', `--timeout-ms must be an integer from 1 to ${MAX_REQUEST_TIMEOUT_MS}`);
    }
  }
  return { flags, site, host, command, params: paramsFromArgs(values.param ?? []), force: values.force, timeoutMs, json: values.json };
}

async function awaitAnswer(conn: HubConnection, requestId: string, deadlineMs: number): Promise<SubscriberCollectResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InfraError('REQUEST_TIMEOUT', `no answer from the hub within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([readAnswer(conn, requestId), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function readAnswer(conn: HubConnection, requestId: string): Promise<SubscriberCollectResult> {
  for (;;) {
    const item = await conn.next();
    if (item.kind === 'closed') {
      throw new InfraError('HUB_UNREACHABLE', `the hub closed the connection before answering (code ${item.code}${item.reason ? `: ${item.reason}` : ''})`);
    }
    const msg = item.msg;
    if (msg.t === 'collect_result' && msg.requestId === requestId) return msg;
    if (msg.t === 'error') throw new InfraError(msg.code, msg.message);
  }
}
