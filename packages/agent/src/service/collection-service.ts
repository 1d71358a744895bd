import { randomUUID } from 'node:crypto';
import { InfraError, toInfraError } from '@infrastructor/shared';
import type { Logger } from 'pino';
import type { AgentConfig, HostConfig } from '../config/agent-config.js';
import type { Transport } from '../collect/transport.js';
import { withRetry } from '../collect/retry.js';
import type { CommandSpec, ParamValues } from '../registry/command-spec.js';
import { newNonce } from '../parse/sections.js';
import { snippet } from '../parse/parse-error.js';
import type { ResultCache } from '../cache/result-cache.js';
import { Semaphore } from '../collect/semaphore.js';
import { detectChanges } from './change-detector.js';
import type { EventCounters } from './event-counters.js';
import type {
  AuditEntry,
  AuditStatus,
  ChangeEntry,
  CollectionSink,
  CollectOptions,
  CollectResult,
} from './collection-types.js';

/** The registry as the service uses it (registry/registry.ts). */
export interface CommandRegistry {
  get(name: string): CommandSpec;
  settingsFor(host: HostConfig, command: string): {
    enabled: boolean;
    ttlMs: number;
    timeoutMs: number;
    retries: number;
  };
  resolveParams(host: HostConfig, command: string, requestParams: Readonly<Record<string, unknown>>): ParamValues;
  paramsHash(values: ParamValues): string;
}

export interface CollectionServiceOptions {
  config: AgentConfig;
  registry: CommandRegistry;
  transportFor: (host: HostConfig) => Transport;
  sink: CollectionSink;
  cache: ResultCache;
  counters: EventCounters;
  logger: Logger;
  /** Wall-clock milliseconds. */
  now: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Called after every collection that produced a fresh result (for the stream). */
  onResult?: (result: CollectResult) => void;
}

const ERROR_MESSAGE_MAX_CHARS = 1000;

/**
 * The one entry point for a collection: schedules, on-demand requests and
 * the CLI all call `collect()`. Per call: validate → cache → single-flight →
 * limits → execute with retries → parse → cache → store + audit + outbox.
 * Every call writes exactly one audit row, whatever happens.
 */
export class CollectionService {
  readonly #o: CollectionServiceOptions;
  readonly #hosts: ReadonlyMap<string, HostConfig>;
  readonly #inflight = new Map<string, Promise<CollectResult>>();
  readonly #global: Semaphore;
  readonly #perHost = new Map<string, Semaphore>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #closing = false;

  constructor(options: CollectionServiceOptions) {
    this.#o = options;
    this.#hosts = new Map(options.config.hosts.map((h) => [h.name, h]));
    this.#global = new Semaphore(options.config.limits.globalConcurrency);
  }

  /** Collections running or waiting for a slot right now. */
  get inflightCount(): number {
    return this.#inflight.size;
  }

  async collect(hostName: string, commandName: string, options: CollectOptions): Promise<CollectResult> {
    const call = this.#collect(hostName, commandName, options);
    this.#running.add(call);
    try {
      return await call;
    } finally {
      this.#running.delete(call);
    }
  }

  async #collect(hostName: string, commandName: string, options: CollectOptions): Promise<CollectResult> {
    const startedAtMs = this.#o.now();
    const correlationId = options.correlationId ?? randomUUID();
    const forceRefresh = options.forceRefresh === true;
    const audit = this.#auditFor({ startedAtMs, host: hostName, command: commandName, source: options.source, forceRefresh, correlationId });

    let paramsHash = '';
    // The call that runs an execution audits it itself (#execute); every
    // other path (validation errors, cache hits, single-flight riders) here.
    let ledExecution = false;
    try {
      if (this.#closing) throw new InfraError('SHUTTING_DOWN', 'the agent is shutting down; no new collections');
      const host = this.#hosts.get(hostName);
      if (!host) throw new InfraError('HOST_UNKNOWN', `no host named ${JSON.stringify(hostName)} in the configuration`);
      const spec = this.#o.registry.get(commandName);
      const settings = this.#o.registry.settingsFor(host, commandName);
      if (!settings.enabled) {
        throw new InfraError('COMMAND_DISABLED', `${commandName} is disabled for host ${hostName}`);
      }
      const params = this.#o.registry.resolveParams(host, commandName, options.params ?? {});
      paramsHash = this.#o.registry.paramsHash(params);
      const key = `${hostName}\u0000${commandName}\u0000${paramsHash}`;

      // Scheduled runs always execute (the schedule is the operator's chosen
      // frequency) and refresh the cache; requests and the CLI are served
      // from it while the result is fresh.
      if (!forceRefresh && options.source !== 'schedule' && settings.ttlMs > 0) {
        const hit = this.#o.cache.get(key);
        if (hit) {
          this.#o.counters.inc('cache_hit');
          this.#write({ audit: audit({ status: 'cached', cacheHit: true, paramsHash, bytes: hit.bytes }) });
          return {
            host: hostName,
            command: commandName,
            params,
            paramsHash,
            status: 'cached',
            cacheHit: true,
            data: hit.data,
            collectedAtMs: hit.collectedAtMs,
            durationMs: Math.max(0, this.#o.now() - startedAtMs),
            bytes: hit.bytes,
            correlationId,
            source: options.source,
            changes: [],
          };
        }
        this.#o.counters.inc('cache_miss');
      }

      const shared = this.#inflight.get(key);
      if (shared) {
        // Single-flight: ride along with the execution already running.
        this.#o.counters.inc('collection_shared');
        const first = await shared;
        this.#write({ audit: audit({ status: 'cached', cacheHit: true, paramsHash, bytes: first.bytes }) });
        return { ...first, status: 'cached', cacheHit: true, correlationId, source: options.source, changes: [] };
      }

      const run = this.#execute(host, spec, settings, params, paramsHash, key, {
        correlationId,
        startedAtMs,
        forceRefresh,
        source: options.source,
        signal: options.signal,
      });
      this.#inflight.set(key, run);
      ledExecution = true;
      try {
        return await run;
      } finally {
        this.#inflight.delete(key);
      }
    } catch (err) {
      const e = toInfraError(err);
      if (!ledExecution) this.#recordFailure(e, audit({ status: statusFor(e), paramsHash }));
      throw e;
    }
  }

  async #execute(
    host: HostConfig,
    spec: CommandSpec,
    settings: { ttlMs: number; timeoutMs: number; retries: number },
    params: ParamValues,
    paramsHash: string,
    key: string,
    ctx: {
      correlationId: string;
      startedAtMs: number;
      forceRefresh: boolean;
      source: CollectOptions['source'];
      signal: AbortSignal | undefined;
    },
  ): Promise<CollectResult> {
    const { logger, counters } = this.#o;
    const log = logger.child({ host: host.name, command: spec.name, correlationId: ctx.correlationId, source: ctx.source });
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, this.#abort.signal]) : this.#abort.signal;
    const transport = this.#o.transportFor(host);
    const maxOutputBytes = this.#o.config.limits.maxOutputBytes;
    let bytes = 0;
    let attempts = 0;

    const base = this.#auditFor({ startedAtMs: ctx.startedAtMs, host: host.name, command: spec.name, source: ctx.source, forceRefresh: ctx.forceRefresh, correlationId: ctx.correlationId });
    const audit = (fields: AuditFields): AuditEntry => base({ paramsHash, bytes, ...fields });

    try {
      const data = await this.#limiterFor(host).run(
        () =>
          this.#global.run(
            () =>
              withRetry(
                async () => {
                  attempts += 1;
                  const script = spec.script(params, { nonce: newNonce() });
                  const out = await transport.exec(script, { timeoutMs: settings.timeoutMs, maxOutputBytes, signal, commandName: spec.name });
                  bytes = out.bytes;
                  const ok = out.exitCode !== null && (spec.okExitCodes ?? [0]).includes(out.exitCode);
                  if (!ok) {
                    throw new InfraError(
                      'EXEC_NONZERO_EXIT',
                      `${spec.name} on ${host.name} exited with ${out.exitCode ?? `signal ${out.exitSignal ?? '?'}`}; stderr: ${snippet(out.stderr.trim())}`,
                      { details: { exitCode: out.exitCode, exitSignal: out.exitSignal, stderr: out.stderr.slice(0, 2000) } },
                    );
                  }
                  return spec.parse({ stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode });
                },
                {
                  retries: settings.retries,
                  baseDelayMs: this.#o.retryBaseDelayMs ?? 500,
                  maxDelayMs: this.#o.retryMaxDelayMs ?? 10_000,
                  random: this.#o.random ?? Math.random,
                  sleep: this.#o.sleep ?? defaultSleep,
                  signal,
                  onRetry: (err: InfraError, attempt: number, delayMs: number) => {
                    counters.inc(`collection_retry.${err.code}`);
                    log.warn({ event: 'collection_retry', code: err.code, attempt, delayMs, err: err.message }, 'retrying collection');
                  },
                },
              ),
            signal,
          ),
        signal,
      );

      const collectedAtMs = this.#o.now();
      const durationMs = Math.max(0, collectedAtMs - ctx.startedAtMs);
      // Change events follow the files the host is configured to watch: a
      // one-off request with other parameters (other dirs) neither reports
      // nor moves the stored hashes.
      const watched = spec.files !== undefined && paramsHash === this.#o.registry.paramsHash(this.#o.registry.resolveParams(host, spec.name, {}));
      const files = watched ? spec.files?.(data) : undefined;
      const changes: ChangeEntry[] = files
        ? detectChanges(this.#o.sink.previousFileHashes(host.name, spec.name), files).map((c) => ({
            ...c,
            host: host.name,
            command: spec.name,
            detectedAtMs: collectedAtMs,
            correlationId: ctx.correlationId,
          }))
        : [];
      this.#o.sink.record({
        audit: audit({ status: 'success', durationMs }),
        result: {
          host: host.name,
          command: spec.name,
          paramsHash,
          params,
          collectedAtMs,
          durationMs,
          bytes,
          data,
          correlationId: ctx.correlationId,
        },
        ...(files ? { changes, files } : {}),
      });
      this.#o.cache.set(key, { data, collectedAtMs, bytes }, settings.ttlMs);
      counters.inc('collection_succeeded');
      for (const c of changes) {
        counters.inc(`file_${c.change}`);
        log.info({ event: 'file_changed', path: c.path, change: c.change, oldHash: c.oldHash, newHash: c.newHash }, 'file changed');
      }
      log.info({ event: 'collection_succeeded', durationMs, bytes, attempts }, `collected ${spec.name} on ${host.name}`);
      const result: CollectResult = {
        host: host.name,
        command: spec.name,
        params,
        paramsHash,
        status: 'success',
        cacheHit: false,
        data,
        collectedAtMs,
        durationMs,
        bytes,
        correlationId: ctx.correlationId,
        source: ctx.source,
        changes,
      };
      this.#o.onResult?.(result);
      return result;
    } catch (err) {
      const e = toInfraError(err);
      this.#recordFailure(e, audit({ status: statusFor(e) }), attempts);
      throw new InfraError(e.code, e.message, { cause: e.cause ?? e, details: { ...e.details, correlationId: ctx.correlationId } });
    }
  }

  /** Audit rows of one call: the call's identity plus what happened. */
  #auditFor(call: {
    startedAtMs: number;
    host: string;
    command: string;
    source: CollectOptions['source'];
    forceRefresh: boolean;
    correlationId: string;
  }): (fields: AuditFields) => AuditEntry {
    return (fields) => ({
      timeMs: call.startedAtMs,
      host: call.host,
      command: call.command,
      paramsHash: '',
      source: call.source,
      cacheHit: false,
      forceRefresh: call.forceRefresh,
      durationMs: Math.max(0, this.#o.now() - call.startedAtMs),
      bytes: 0,
      errorCode: null,
      errorMessage: null,
      correlationId: call.correlationId,
      ...fields,
    });
  }

  #recordFailure(e: InfraError, entry: AuditEntry, attempts = 0): void {
    const message = e.message.length > ERROR_MESSAGE_MAX_CHARS ? `${e.message.slice(0, ERROR_MESSAGE_MAX_CHARS)}…` : e.message;
    this.#o.counters.inc(`collection_failed.${e.code}`);
    this.#o.logger.warn(
      {
        event: 'collection_failed',
        host: entry.host,
        command: entry.command,
        correlationId: entry.correlationId,
        source: entry.source,
        code: e.code,
        attempts,
      },
      message,
    );
    this.#write({ audit: { ...entry, errorCode: e.code, errorMessage: message } });
  }

  /** A failing store must not turn into an unhandled error; it is logged and counted. */
  #write(entry: Parameters<CollectionSink['record']>[0]): void {
    try {
      this.#o.sink.record(entry);
    } catch (err) {
      this.#o.counters.inc('store_write_failed');
      this.#o.logger.error({ event: 'store_write_failed', err }, 'could not write the collection to the database');
      throw toInfraError(err);
    }
  }

  #limiterFor(host: HostConfig): Semaphore {
    let l = this.#perHost.get(host.name);
    if (!l) {
      l = new Semaphore(this.#o.config.limits.perHostConcurrency);
      this.#perHost.set(host.name, l);
    }
    return l;
  }

  /**
   * Refuse new collections and wait for running ones up to `deadlineMs`;
   * then abort what is left. Safe to call twice.
   */
  async close(deadlineMs: number): Promise<{ drained: boolean }> {
    this.#closing = true;
    const pending = [...this.#running];
    if (pending.length === 0) return { drained: true };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deadlineMs);
    });
    const outcome = await Promise.race([Promise.allSettled(pending).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#abort.abort(new InfraError('ABORTED', 'the agent is shutting down; collection aborted at the shutdown deadline'));
      await Promise.allSettled(pending);
      return { drained: false };
    }
    return { drained: true };
  }
}

type AuditFields = Partial<AuditEntry> & Pick<AuditEntry, 'status'>;

function statusFor(e: InfraError): AuditStatus {
  return e.code === 'EXEC_TIMEOUT' || e.code === 'SSH_CONNECT_TIMEOUT' ? 'timeout' : 'error';
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
