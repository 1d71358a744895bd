/**
 * Why a connection to the hub ended, as a named event with an error code
 * and a hint for the operator. Built from what `ws` reports: an HTTP status
 * at upgrade, a socket error before open, or a close code and reason.
 */
import { CLOSE_CODES, type ErrorCode } from '@infrastructor/shared';

export interface LinkFailure {
  /** Log event name, e.g. hub_auth_failed. */
  event: string;
  code: ErrorCode;
  message: string;
  closeCode?: number;
  closeReason?: string;
  httpStatus?: number;
  /** Retrying soon will not fix it: wait the max reconnect delay. */
  slowRetry: boolean;
}

/** The hub answered the upgrade request with an HTTP status instead of 101. */
export function failureFromHttpStatus(status: number): LinkFailure {
  if (status === 401) {
    return {
      event: 'hub_auth_failed',
      code: 'AUTH_FAILED',
      message: "refused this agent's token (HTTP 401): check hub.token / hub.tokenFile here and the hub's agents list (token or tokenSha256 for this agent id)",
      httpStatus: status,
      slowRetry: true,
    };
  }
  if (status === 403) {
    return {
      event: 'hub_forbidden',
      code: 'FORBIDDEN',
      message: 'refused this token for an agent (HTTP 403): check that hub.token is an agent token for this site',
      httpStatus: status,
      slowRetry: true,
    };
  }
  return {
    event: 'hub_upgrade_refused',
    code: 'HUB_UNREACHABLE',
    message: `answered HTTP ${status} instead of a WebSocket upgrade: check hub.url (the agent endpoint is /agent)`,
    httpStatus: status,
    slowRetry: status === 404,
  };
}

const TLS_ERRNOS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A socket error before the connection opened (DNS, refused, TLS). */
export function failureFromSocketError(err: Error): LinkFailure {
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno !== undefined && TLS_ERRNOS.has(errno)) {
    return {
      event: 'hub_tls_failed',
      code: 'HUB_UNREACHABLE',
      message: `TLS: its certificate was not accepted (${errno}): check hub.caFile and the host name in hub.url`,
      slowRetry: true,
    };
  }
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const where = e.address === undefined ? '' : e.port === undefined ? e.address : `${e.address}:${e.port}`;
  const hint =
    errno === 'ECONNREFUSED'
      ? `nothing is listening${where === '' ? '' : ` at ${where}`}: is the hub running, and is hub.url right?`
      : errno === 'ENOTFOUND' || errno === 'EAI_AGAIN'
        ? `the host name${e.hostname === undefined ? '' : ` ${e.hostname}`} does not resolve: check hub.url and DNS`
        : errno === 'ETIMEDOUT' || errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH'
          ? 'no route or no answer: check the network, a firewall, and hub.url'
          : err.message;
  return {
    event: 'hub_connect_failed',
    code: 'HUB_UNREACHABLE',
    message: `unreachable (${errno ?? 'error'}): ${hint}`,
    slowRetry: false,
  };
}

const BY_CLOSE_CODE: ReadonlyMap<number, { code: ErrorCode; hint: string; slowRetry: boolean }> = new Map([
  [CLOSE_CODES.AGENT_ID_MISMATCH, { code: 'AGENT_ID_MISMATCH', hint: 'the token is bound to another agent id: check hub.agentId (defaults to site)', slowRetry: true }],
  [CLOSE_CODES.FORBIDDEN, { code: 'FORBIDDEN', hint: 'the token may not connect as this agent or site', slowRetry: true }],
  [CLOSE_CODES.PROTOCOL_VERSION_MISMATCH, { code: 'PROTOCOL_VERSION_MISMATCH', hint: 'the hub speaks another protocol version: upgrade the agent or the hub', slowRetry: true }],
  [CLOSE_CODES.AGENT_REPLACED, { code: 'AGENT_REPLACED', hint: 'another connection with the same agent id took over: is a second agent using this id?', slowRetry: true }],
  [CLOSE_CODES.FRAME_INVALID, { code: 'FRAME_INVALID', hint: 'the hub could not read a frame this agent sent', slowRetry: false }],
  [CLOSE_CODES.MESSAGE_UNKNOWN, { code: 'MESSAGE_UNKNOWN', hint: 'the hub did not know a message this agent sent', slowRetry: false }],
  [CLOSE_CODES.EPOCH_INVALID, { code: 'FRAME_INVALID', hint: 'the hub refused this database epoch', slowRetry: true }],
  [CLOSE_CODES.HELLO_TIMEOUT, { code: 'HUB_UNREACHABLE', hint: 'the hub did not get the hello in time', slowRetry: false }],
  [CLOSE_CODES.HUB_SHUTTING_DOWN, { code: 'HUB_SHUTTING_DOWN', hint: 'the hub is restarting', slowRetry: false }],
  [CLOSE_CODES.SLOW_CONSUMER, { code: 'SLOW_CONSUMER', hint: 'the hub dropped this agent as too slow', slowRetry: false }],
  [CLOSE_CODES.FRAME_TOO_LARGE, { code: 'FRAME_TOO_LARGE', hint: 'a frame was larger than the hub accepts: lower hub.batchMaxBytes', slowRetry: true }],
  [CLOSE_CODES.AUTH_REVOKED, { code: 'AUTH_REVOKED', hint: 'the hub reloaded its configuration without this agent: check its entry in hub.yaml', slowRetry: true }],
]);

/** The hub (or the network) closed an open connection. */
export function failureFromClose(closeCode: number, closeReason: string): LinkFailure {
  const reason = closeReason.slice(0, 200);
  const known = BY_CLOSE_CODE.get(closeCode);
  const why = reason === '' ? '' : `: ${reason}`;
  if (known) {
    return {
      event: 'hub_closed',
      code: known.code,
      message: `closed the connection with ${closeCode} ${known.code}${why} (${known.hint})`,
      closeCode,
      closeReason: reason,
      slowRetry: known.slowRetry,
    };
  }
  return {
    event: 'hub_closed',
    code: 'HUB_UNREACHABLE',
    message: closeCode === 1006 ? 'connection lost (1006, no close frame)' : `closed the connection with ${closeCode}${why}`,
    closeCode,
    closeReason: reason,
    slowRetry: false,
  };
}

/** Failures the link detects itself. */
export function localFailure(event: string, code: ErrorCode, message: string): LinkFailure {
  return { event, code, message, slowRetry: code === 'PROTOCOL_VERSION_MISMATCH' };
}

/** Same failure again? (Logged once per change, not per retry.) */
export function failureKey(f: LinkFailure): string {
  return `${f.event}|${f.code}|${f.closeCode ?? ''}|${f.httpStatus ?? ''}`;
}
