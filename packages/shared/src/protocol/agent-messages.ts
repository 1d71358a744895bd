/**
 * Messages between an agent and the hub (endpoint /agent). Every frame is
 * one MessagePack map with a `t` field. Decode with `decode()` into
 * `unknown`, then `parseAgentMessage` / `parseHubToAgentMessage`.
 */
import { InfraError, type ErrorCode } from '../errors.js';
import { Checker } from '../validate.js';
import { RECORD_KINDS, type ParamValues, type RecordKind } from '../records.js';
import { NAME_PATTERN, PROTOCOL_VERSION } from './constants.js';

// ---- agent → hub ----

export interface ScheduledJobInfo {
  host: string;
  command: string;
  schedule: string;
  /** Expected time between runs (from the cron expression). */
  intervalMs: number;
}

export interface AgentHello {
  t: 'hello';
  protocol: number;
  agentId: string;
  site: string;
  /** Random id of the agent's database; a new one means the database was replaced. */
  epoch: string;
  /** Outbox range held right now; 0/0 when empty. */
  firstSeq: number;
  lastSeq: number;
  version: string;
  jobs: ScheduledJobInfo[];
}

export interface WireRecord {
  seq: number;
  kind: RecordKind;
  createdAtMs: number;
  /** Plain MessagePack of the record (records.ts shapes). */
  payload: Uint8Array;
}

export interface AgentRecords {
  t: 'records';
  epoch: string;
  /**
   * The records in this batch follow directly after `afterSeq` in the
   * agent's outbox: seqs between afterSeq and the first record were dropped
   * by the agent's outbox-full policy and are reported in a later gap
   * record. When afterSeq is above the hub's committed high water, the hub
   * is missing records and answers with `resend` (packages/hub/src/ingest/).
   * Every record's seq is > afterSeq, strictly increasing within the batch.
   */
  afterSeq: number;
  records: WireRecord[];
}

export interface AgentStatus {
  t: 'status';
  outboxRecords: number;
  outboxBytes: number;
  oldestAgeMs: number | null;
  lastSeq: number;
}

export interface WireError {
  code: ErrorCode;
  message: string;
}

/** The result of an on-demand collection, as it travels. */
export interface WireCollectResult {
  host: string;
  command: string;
  params: ParamValues;
  paramsHash: string;
  status: 'success' | 'cached';
  cacheHit: boolean;
  data: unknown;
  collectedAtMs: number;
  durationMs: number;
  bytes: number;
  correlationId: string;
}

export type AgentCollectResult =
  | { t: 'collect_result'; requestId: string; ok: true; result: WireCollectResult }
  | { t: 'collect_result'; requestId: string; ok: false; error: WireError };

export type AgentMessage = AgentHello | AgentRecords | AgentStatus | AgentCollectResult;

// ---- hub → agent ----

export interface HubWelcome {
  t: 'welcome';
  protocol: number;
  /** Highest seq the hub has committed for this agent and epoch (0: none). */
  ackedSeq: number;
  /** 'known': same epoch as before; 'new': first time seen; 'replaced': the agent had another epoch before. */
  epochStatus: 'known' | 'new' | 'replaced';
  /**
   * The largest frame the hub accepts on /agent (its limits.agentMaxPayloadBytes).
   * Absent from older hubs: assume DEFAULT_AGENT_MAX_PAYLOAD_BYTES.
   */
  maxFrameBytes?: number;
}

export interface HubAck {
  t: 'ack';
  epoch: string;
  /** Cumulative: every seq ≤ this is committed at the hub. */
  seq: number;
}

export interface HubResend {
  t: 'resend';
  epoch: string;
  /** The next seq the hub expects; send from here again. */
  fromSeq: number;
}

export interface HubCollectRequest {
  t: 'collect';
  requestId: string;
  host: string;
  command: string;
  params: Record<string, string | number | string[]>;
  forceRefresh: boolean;
  timeoutMs: number;
  correlationId: string;
}

export interface ErrorMessage {
  t: 'error';
  code: ErrorCode;
  message: string;
}

export type HubToAgentMessage = HubWelcome | HubAck | HubResend | HubCollectRequest | ErrorMessage;

// ---- validation ----

const EPOCH = /^[0-9a-f]{8,64}$/;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_RECORDS_PER_BATCH = 10_000;
export const MAX_REQUEST_TIMEOUT_MS = 10 * 60_000;

function messageType(c: Checker, value: unknown): { o: Readonly<Record<string, unknown>>; t: string } {
  const o = c.object(value, 'frame');
  const t = o['t'];
  if (typeof t !== 'string') throw c.fail('t', 'a message type string', t);
  return { o, t };
}

function unknownType(t: string, where: string): InfraError {
  return new InfraError('MESSAGE_UNKNOWN', `${where}: unknown message type ${JSON.stringify(t.slice(0, 64))}`, { details: { type: t.slice(0, 64) } });
}

export function checkProtocolVersion(version: number, where: string): void {
  if (version !== PROTOCOL_VERSION) {
    throw new InfraError('PROTOCOL_VERSION_MISMATCH', `${where}: protocol ${version} is not supported (this side speaks ${PROTOCOL_VERSION})`, {
      details: { got: version, want: PROTOCOL_VERSION },
    });
  }
}

function parseWireError(c: Checker, value: unknown): WireError {
  const o = c.object(value, 'error');
  return { code: c.errorCode(o, 'code'), message: c.string(o, 'message', { maxLength: 4096 }) };
}

export function parseCollectResultBody(c: Checker, value: unknown): WireCollectResult {
  const o = c.object(value, 'result');
  return {
    host: c.string(o, 'host', { pattern: NAME_PATTERN }),
    command: c.string(o, 'command', { pattern: NAME_PATTERN }),
    params: c.params(o, 'params'),
    paramsHash: c.string(o, 'paramsHash', { maxLength: 128 }),
    status: c.oneOf(o, 'status', ['success', 'cached'] as const),
    cacheHit: c.boolean(o, 'cacheHit'),
    data: o['data'],
    collectedAtMs: c.number(o, 'collectedAtMs'),
    durationMs: c.number(o, 'durationMs', { min: 0 }),
    bytes: c.number(o, 'bytes', { min: 0 }),
    correlationId: c.string(o, 'correlationId', { maxLength: 256 }),
  };
}

/** Validate a decoded agent → hub frame. Throws FRAME_INVALID, MESSAGE_UNKNOWN or PROTOCOL_VERSION_MISMATCH. */
export function parseAgentMessage(value: unknown): AgentMessage {
  const c = new Checker('agent frame');
  const { o, t } = messageType(c, value);
  switch (t) {
    case 'hello': {
      const protocol = c.int(o, 'protocol');
      checkProtocolVersion(protocol, 'agent hello');
      const jobs = c.array(o, 'jobs', { maxItems: 100_000 }).map((j) => {
        const jo = c.object(j, 'jobs[]');
        return {
          host: c.string(jo, 'host', { pattern: NAME_PATTERN }),
          command: c.string(jo, 'command', { pattern: NAME_PATTERN }),
          schedule: c.string(jo, 'schedule', { maxLength: 128 }),
          intervalMs: c.int(jo, 'intervalMs', { min: 0 }),
        };
      });
      return {
        t,
        protocol,
        agentId: c.string(o, 'agentId', { pattern: NAME_PATTERN }),
        site: c.string(o, 'site', { pattern: NAME_PATTERN }),
        epoch: c.string(o, 'epoch', { pattern: EPOCH }),
        firstSeq: c.int(o, 'firstSeq', { min: 0 }),
        lastSeq: c.int(o, 'lastSeq', { min: 0 }),
        version: c.string(o, 'version', { maxLength: 64 }),
        jobs,
      };
    }
    case 'records': {
      const records = c.array(o, 'records', { maxItems: MAX_RECORDS_PER_BATCH }).map((r) => {
        const ro = c.object(r, 'records[]');
        return {
          seq: c.int(ro, 'seq', { min: 1 }),
          kind: c.oneOf(ro, 'kind', RECORD_KINDS),
          createdAtMs: c.number(ro, 'createdAtMs'),
          payload: c.bytes(ro, 'payload'),
        };
      });
      return { t, epoch: c.string(o, 'epoch', { pattern: EPOCH }), afterSeq: c.int(o, 'afterSeq', { min: 0 }), records };
    }
    case 'status':
      return {
        t,
        outboxRecords: c.int(o, 'outboxRecords', { min: 0 }),
        outboxBytes: c.int(o, 'outboxBytes', { min: 0 }),
        oldestAgeMs: c.intOrNull(o, 'oldestAgeMs', { min: 0 }),
        lastSeq: c.int(o, 'lastSeq', { min: 0 }),
      };
    case 'collect_result': {
      const requestId = c.string(o, 'requestId', { pattern: REQUEST_ID });
      if (c.boolean(o, 'ok')) return { t, requestId, ok: true, result: parseCollectResultBody(c, o['result']) };
      return { t, requestId, ok: false, error: parseWireError(c, o['error']) };
    }
    default:
      throw unknownType(t, 'agent frame');
  }
}

/** Validate a decoded hub → agent frame (the agent checks what the hub sends too). */
export function parseHubToAgentMessage(value: unknown): HubToAgentMessage {
  const c = new Checker('hub frame');
  const { o, t } = messageType(c, value);
  switch (t) {
    case 'welcome': {
      const protocol = c.int(o, 'protocol');
      checkProtocolVersion(protocol, 'hub welcome');
      const welcome: HubWelcome = { t, protocol, ackedSeq: c.int(o, 'ackedSeq', { min: 0 }), epochStatus: c.oneOf(o, 'epochStatus', ['known', 'new', 'replaced'] as const) };
      if (o['maxFrameBytes'] !== undefined) welcome.maxFrameBytes = c.int(o, 'maxFrameBytes', { min: 1024 });
      return welcome;
    }
    case 'ack':
      return { t, epoch: c.string(o, 'epoch', { pattern: EPOCH }), seq: c.int(o, 'seq', { min: 0 }) };
    case 'resend':
      return { t, epoch: c.string(o, 'epoch', { pattern: EPOCH }), fromSeq: c.int(o, 'fromSeq', { min: 1 }) };
    case 'collect':
      return {
        t,
        requestId: c.string(o, 'requestId', { pattern: REQUEST_ID }),
        host: c.string(o, 'host', { pattern: NAME_PATTERN }),
        command: c.string(o, 'command', { pattern: NAME_PATTERN }),
        params: c.params(o, 'params'),
        forceRefresh: c.boolean(o, 'forceRefresh'),
        timeoutMs: c.int(o, 'timeoutMs', { min: 1, max: MAX_REQUEST_TIMEOUT_MS }),
        correlationId: c.string(o, 'correlationId', { maxLength: 256 }),
      };
    case 'error':
      return { t, code: c.errorCode(o, 'code'), message: c.string(o, 'message', { maxLength: 4096 }) };
    default:
      throw unknownType(t, 'hub frame');
  }
}

export { REQUEST_ID as REQUEST_ID_PATTERN, EPOCH as EPOCH_PATTERN };
