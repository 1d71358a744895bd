/**
 * Sample records (the wire shapes of src/records.ts) for tests of every
 * package: the agent stores and streams them, the hub ingests them. Test
 * code only; nothing under src/ imports this.
 *
 * `recordBuilders` fixes what differs between test suites (the time every
 * sample is stamped with, its correlation id, what a sample change looks
 * like); each builder then takes per-call overrides.
 */
import type { AuditEntry, ChangeEntry, ResultEntry } from '../../src/index.js';

export interface RecordBuilderDefaults {
  /** timeMs, collectedAtMs and detectedAtMs of every sample. */
  atMs: number;
  correlationId: string;
  /** What a sample change is, over a created /etc/a.conf of system_info. */
  change?: Partial<ChangeEntry>;
}

export interface RecordBuilders {
  audit(over?: Partial<AuditEntry>): AuditEntry;
  result(over?: Partial<ResultEntry>): ResultEntry;
  change(over?: Partial<ChangeEntry>): ChangeEntry;
}

export function recordBuilders(defaults: RecordBuilderDefaults): RecordBuilders {
  const { atMs, correlationId } = defaults;
  return {
    audit: (over = {}) => ({
      timeMs: atMs,
      host: 'nas',
      command: 'system_info',
      paramsHash: 'p0',
      source: 'schedule',
      status: 'success',
      cacheHit: false,
      forceRefresh: false,
      durationMs: 12,
      bytes: 100,
      errorCode: null,
      errorMessage: null,
      correlationId,
      ...over,
    }),
    result: (over = {}) => ({
      host: 'nas',
      command: 'system_info',
      paramsHash: 'p0',
      params: {},
      collectedAtMs: atMs,
      durationMs: 12,
      bytes: 100,
      data: { uptimeSeconds: 42 },
      correlationId,
      ...over,
    }),
    change: (over = {}) => ({
      host: 'nas',
      command: 'system_info',
      path: '/etc/a.conf',
      change: 'created',
      oldHash: null,
      newHash: 'sha256:aa',
      detectedAtMs: atMs,
      correlationId,
      ...defaults.change,
      ...over,
    }),
  };
}
