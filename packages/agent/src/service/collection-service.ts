import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
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
import { batchSectionName, batchSectionScript, splitBatchOutput } from './batch-script.js';
import type { ExecResult } from '../collect/transport.js';
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
    // Every collection waiting for a slot listens on this signal (one per job at a
    // start with many hosts): not a leak, so no MaxListenersExceededWarning on stderr.
    setMaxListeners(0, this.#abort.signal);
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

      const done = this.#successWrite(host, spec, params, paramsHash, ctx, data, bytes, audit);
      this.#o.sink.record(done.write);
      return this.#afterSuccess(host, spec, params, paramsHash, key, settings, ctx, data, bytes, done, attempts);
    } catch (err) {
      const e = toInfraError(err);
      this.#recordFailure(e, audit({ status: statusFor(e) }), attempts);
      throw new InfraError(e.code, e.message, { cause: e.cause ?? e, details: { ...e.details, correlationId: ctx.correlationId } });
    }
  }

  /** What a successful collection writes (result, changes, files, audit), with its times. */
  #successWrite(
    host: HostConfig,
    spec: CommandSpec,
    params: ParamValues,
    paramsHash: string,
    ctx: ExecContext,
    data: unknown,
    bytes: number,
    audit: (fields: AuditFields) => AuditEntry,
  ): SuccessWrite {
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
    return {
      collectedAtMs,
      durationMs,
      changes,
      write: {
        audit: audit({ status: 'success', durationMs, bytes }),
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
      },
    };
  }

  /** After the write: cache, counters, log lines, the result. */
  #afterSuccess(
    host: HostConfig,
    spec: CommandSpec,
    params: ParamValues,
    paramsHash: string,
    key: string,
    settings: { ttlMs: number },
    ctx: ExecContext,
    data: unknown,
    bytes: number,
    done: SuccessWrite,
    attempts: number,
  ): CollectResult {
    const { logger, counters } = this.#o;
    const { collectedAtMs, durationMs, changes } = done;
    this.#o.cache.set(key, { data, collectedAtMs, bytes }, settings.ttlMs);
    counters.inc('collection_succeeded');
    const who = { host: host.name, command: spec.name, correlationId: ctx.correlationId, source: ctx.source };
    for (const c of changes) {
      counters.inc(`file_${c.change}`);
      logger.info({ ...who, event: 'file_changed', path: c.path, change: c.change, oldHash: c.oldHash, newHash: c.newHash }, 'file changed');
    }
    logger.info({ ...who, event: 'collection_succeeded', durationMs, bytes, attempts }, `collected ${spec.name} on ${host.name}`);
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
  }

  /**
   * Scheduled runs of several commands on ONE host that fell due together:
   * they run in as few exec channels as the host's concurrency allows (at
   * most MAX_BATCH_COMMANDS each), every command in its own subshell with
   * its own section and exit status (service/batch-script.ts), and their
   * writes go to the database in one transaction. Each command still gets
   * its own correlation id, audit row, result, cache entry and log line,
   * exactly as if it had run alone; the returned promises settle per
   * command like `collect()`.
   *
   * A command that cannot join a batch (bad settings, already running
   * under single-flight) goes through `collect()`. When the batch channel
   * itself fails (connection, timeout after the longest timeout of its
   * commands, output cap) or a command's section is missing, those
   * commands run again one by one, with their own timeouts and retries.
   */
  collectMany(hostName: string, commandNames: readonly string[], options: CollectOptions): Promise<CollectResult>[] {
    const calls = this.#collectMany(hostName, commandNames, options);
    for (const call of calls) {
      this.#running.add(call);
      const forget = (): void => void this.#running.delete(call);
      call.then(forget, forget);
    }
    return calls;
  }

  #collectMany(hostName: string, commandNames: readonly string[], options: CollectOptions): Promise<CollectResult>[] {
    const host = this.#hosts.get(hostName);
    const alone = (name: string): Promise<CollectResult> => this.#collect(hostName, name, options);
    // Batches are for scheduled runs: no request parameters, no cache reads, no caller signal.
    if (host === undefined || this.#closing || options.source !== 'schedule' || options.params !== undefined || options.forceRefresh || options.signal || commandNames.length < 2) {
      return commandNames.map(alone);
    }
    const out: Promise<CollectResult>[] = [];
    const members: BatchMember[] = [];
    for (const name of commandNames) {
      let member: BatchMember;
      try {
        const spec = this.#o.registry.get(name);
        const settings = this.#o.registry.settingsFor(host, name);
        if (!settings.enabled) throw new InfraError('COMMAND_DISABLED', `${name} is disabled for host ${hostName}`);
        const params = this.#o.registry.resolveParams(host, name, {});
        const paramsHash = this.#o.registry.paramsHash(params);
        const key = `${hostName}\u0000${name}\u0000${paramsHash}`;
        if (this.#inflight.has(key)) throw new Error('running');
        let settle: { resolve: (r: CollectResult) => void; reject: (e: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
        const promise = new Promise<CollectResult>((resolve, reject) => {
          settle = { resolve, reject };
        });
        member = {
          spec,
          settings,
          params,
          paramsHash,
          key,
          ctx: { correlationId: randomUUID(), startedAtMs: this.#o.now(), forceRefresh: false, source: options.source, signal: undefined },
          promise,
          ...settle,
        };
      } catch {
        // Refused or already running: the single path audits it (or rides along).
        out.push(alone(name));
        continue;
      }
      this.#inflight.set(member.key, member.promise);
      out.push(
        member.promise.finally(() => {
          if (this.#inflight.get(member.key) === member.promise) this.#inflight.delete(member.key);
        }),
      );
      members.push(member);
    }
    const chunks = Math.min(members.length, Math.max(this.#o.config.limits.perHostConcurrency, Math.ceil(members.length / MAX_BATCH_COMMANDS)));
    const size = Math.ceil(members.length / Math.max(1, chunks));
    for (let i = 0; i < members.length; i += size) {
      const chunk = members.slice(i, i + size);
      if (chunk.length === 1) this.#runAlone(host, chunk[0] as BatchMember);
      else {
        // #runBatch settles every member itself; this only guards against a bug escaping it.
        this.#runBatch(host, chunk).catch((err: unknown) => {
          for (const m of chunk) m.reject(toInfraError(err));
        });
      }
    }
    return out;
  }

  /** One member on its own (the single path's execution, with retries). */
  #runAlone(host: HostConfig, m: BatchMember): void {
    this.#execute(host, m.spec, m.settings, m.params, m.paramsHash, m.key, m.ctx).then(m.resolve, m.reject);
  }

  async #runBatch(host: HostConfig, members: readonly BatchMember[]): Promise<void> {
    const { logger, counters } = this.#o;
    const signal = this.#abort.signal;
    const nonce = newNonce();
    let out: ExecResult;
    try {
      const script = members.map((m, i) => batchSectionScript(nonce, batchSectionName(i), m.spec.script(m.params, { nonce: newNonce() }))).join('\n');
      const timeoutMs = Math.max(...members.map((m) => m.settings.timeoutMs));
      const maxOutputBytes = this.#o.config.limits.maxOutputBytes * members.length;
      const transport = this.#o.transportFor(host);
      out = await this.#limiterFor(host).run(
        () => this.#global.run(() => transport.exec(script, { timeoutMs, maxOutputBytes, signal, commandName: `${members.length} commands` }), signal),
        signal,
      );
    } catch (err) {
      const e = toInfraError(err);
      counters.inc(`collection_batch_failed.${e.code}`);
      logger.warn(
        { event: 'collection_batch_failed', host: host.name, commands: members.map((m) => m.spec.name), code: e.code, err: e.message },
        `running ${members.length} commands on ${host.name} in one channel failed (${e.code}); running them one by one`,
      );
      for (const m of members) this.#runAlone(host, m);
      return;
    }
    counters.inc('collection_batches');
    const sections = splitBatchOutput(out.stdout, out.stderr, nonce, members.length);
    const maxOutputBytes = this.#o.config.limits.maxOutputBytes;
    const succeeded: Array<{ m: BatchMember; data: unknown; bytes: number; done: SuccessWrite }> = [];
    members.forEach((m, i) => {
      const section = sections[i];
      if (section === undefined) {
        counters.inc('collection_batch_section_missing');
        this.#runAlone(host, m);
        return;
      }
      const bytes = Buffer.byteLength(section.stdout) + Buffer.byteLength(section.stderr);
      const base = this.#auditFor({ startedAtMs: m.ctx.startedAtMs, host: host.name, command: m.spec.name, source: m.ctx.source, forceRefresh: false, correlationId: m.ctx.correlationId });
      const audit = (fields: AuditFields): AuditEntry => base({ paramsHash: m.paramsHash, bytes, ...fields });
      try {
        if (bytes > maxOutputBytes) {
          throw new InfraError('EXEC_OUTPUT_TOO_LARGE', `${m.spec.name} on ${host.name} printed ${bytes} bytes, more than maxOutputBytes ${maxOutputBytes}`, {
            details: { maxOutputBytes, bytes },
          });
        }
        const ok = (m.spec.okExitCodes ?? [0]).includes(section.exitCode);
        if (!ok) {
          throw new InfraError('EXEC_NONZERO_EXIT', `${m.spec.name} on ${host.name} exited with ${section.exitCode}; stderr: ${snippet(section.stderr.trim())}`, {
            details: { exitCode: section.exitCode, exitSignal: null, stderr: section.stderr.slice(0, 2000) },
          });
        }
        const data = m.spec.parse({ stdout: section.stdout, stderr: section.stderr, exitCode: section.exitCode });
        succeeded.push({ m, data, bytes, done: this.#successWrite(host, m.spec, m.params, m.paramsHash, m.ctx, data, bytes, audit) });
      } catch (err) {
        this.#failMember(m, toInfraError(err), audit);
      }
    });
    if (succeeded.length === 0) return;
    // One transaction for every result of the batch; when it fails, each is written (or fails) alone.
    let written = false;
    if (this.#o.sink.recordMany && succeeded.length > 1) {
      try {
        this.#o.sink.recordMany(succeeded.map((x) => x.done.write));
        written = true;
      } catch (err) {
        logger.warn({ event: 'store_batch_write_failed', host: host.name, err: toInfraError(err).message }, 'could not write a batch of collections at once; writing them one by one');
      }
    }
    for (const { m, data, bytes, done } of succeeded) {
      try {
        if (!written) this.#o.sink.record(done.write);
        m.resolve(this.#afterSuccess(host, m.spec, m.params, m.paramsHash, m.key, m.settings, m.ctx, data, bytes, done, 1));
      } catch (err) {
        const base = this.#auditFor({ startedAtMs: m.ctx.startedAtMs, host: host.name, command: m.spec.name, source: m.ctx.source, forceRefresh: false, correlationId: m.ctx.correlationId });
        this.#failMember(m, toInfraError(err), (fields) => base({ paramsHash: m.paramsHash, bytes, ...fields }));
      }
    }
  }

  /** A batch member failed on its own (exit status, parse, size, store): audit it and reject its call. */
  #failMember(m: BatchMember, e: InfraError, audit: (fields: AuditFields) => AuditEntry): void {
    try {
      this.#recordFailure(e, audit({ status: statusFor(e) }), 1);
      m.reject(new InfraError(e.code, e.message, { cause: e.cause ?? e, details: { ...e.details, correlationId: m.ctx.correlationId } }));
    } catch (storeErr) {
      m.reject(storeErr);
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

/** At most this many commands share one exec channel. */
export const MAX_BATCH_COMMANDS = 64;

interface ExecContext {
  correlationId: string;
  startedAtMs: number;
  forceRefresh: boolean;
  source: CollectOptions['source'];
  signal: AbortSignal | undefined;
}

interface SuccessWrite {
  collectedAtMs: number;
  durationMs: number;
  changes: ChangeEntry[];
  write: Parameters<CollectionSink['record']>[0];
}

interface BatchMember {
  spec: CommandSpec;
  settings: { enabled: boolean; ttlMs: number; timeoutMs: number; retries: number };
  params: ParamValues;
  paramsHash: string;
  key: string;
  ctx: ExecContext;
  promise: Promise<CollectResult>;
  resolve: (r: CollectResult) => void;
  reject: (e: unknown) => void;
}

function statusFor(e: InfraError): AuditStatus {
  return e.code === 'EXEC_TIMEOUT' || e.code === 'SSH_CONNECT_TIMEOUT' ? 'timeout' : 'error';
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
