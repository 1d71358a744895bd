/**
 * Map ssh2 / socket errors to stable InfraError codes. Details carry where
 * it happened (host, address, port, user, command) and never key material.
 */
import { InfraError, type ErrorCode } from '@infrastructor/shared';

export interface SshErrorContext {
  host: string;
  address: string;
  port: number;
  user?: string;
  commandName?: string;
  /** 'connect': TCP connect, handshake, auth. 'session': after the connection was ready. */
  phase: 'connect' | 'session';
}

export function sshDetails(ctx: SshErrorContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const details: Record<string, unknown> = { host: ctx.host, address: ctx.address, port: ctx.port };
  if (ctx.user !== undefined) details.user = ctx.user;
  if (ctx.commandName !== undefined) details.command = ctx.commandName;
  return { ...details, ...extra };
}

const UNREACHABLE_CODES = new Set([
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EADDRNOTAVAIL',
  'EHOSTDOWN',
  'ENETDOWN',
]);

const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);

interface Ssh2LikeError {
  message?: unknown;
  code?: unknown;
  level?: unknown;
}

/** The stable code for an ssh2 or socket error (without building the error). */
export function classifySshError(err: unknown, phase: SshErrorContext['phase']): ErrorCode {
  if (err instanceof InfraError) return err.code;
  const e = (typeof err === 'object' && err !== null ? err : {}) as Ssh2LikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const level = typeof e.level === 'string' ? e.level : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);

  if (code === 'ECONNREFUSED') return 'SSH_CONNECTION_REFUSED';
  if (code === 'ETIMEDOUT') return phase === 'connect' ? 'SSH_CONNECT_TIMEOUT' : 'SSH_CONNECTION_LOST';
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return 'SSH_HOST_UNREACHABLE';
  if (code !== undefined && LOST_CODES.has(code)) return 'SSH_CONNECTION_LOST';
  if (level === 'client-dns') return 'SSH_HOST_UNREACHABLE';
  if (level === 'client-authentication') return 'SSH_AUTH_FAILED';
  if (level === 'client-timeout') {
    // "Timed out while waiting for handshake" vs "Keepalive timeout".
    return /handshake/i.test(message) || phase === 'connect' ? 'SSH_CONNECT_TIMEOUT' : 'SSH_CONNECTION_LOST';
  }
  if (/host denied|verification failed/i.test(message) && level === 'handshake') return 'SSH_HOST_KEY_MISMATCH';
  if (/channel open failure|open failed/i.test(message)) return 'SSH_CHANNEL_FAILED';
  if (/no response from server|not connected/i.test(message)) return 'SSH_CONNECTION_LOST';
  return 'SSH_CONNECTION_LOST';
}

const WHAT: Partial<Record<ErrorCode, string>> = {
  SSH_CONNECTION_REFUSED: 'connection refused',
  SSH_CONNECT_TIMEOUT: 'connection timed out',
  SSH_HOST_UNREACHABLE: 'host unreachable',
  SSH_CONNECTION_LOST: 'connection lost',
  SSH_AUTH_FAILED: 'authentication failed',
  SSH_HOST_KEY_MISMATCH: 'host key verification failed',
  SSH_CHANNEL_FAILED: 'could not open a channel',
};

/** Wrap an ssh2/socket error as an InfraError (InfraErrors pass through unchanged). */
export function mapSshError(err: unknown, ctx: SshErrorContext): InfraError {
  if (err instanceof InfraError) return err;
  const code = classifySshError(err, ctx.phase);
  const e = (typeof err === 'object' && err !== null ? err : {}) as Ssh2LikeError;
  const original = typeof e.message === 'string' ? e.message : String(err);
  const extra: Record<string, unknown> = {};
  if (typeof e.code === 'string') extra.errno = e.code;
  if (typeof e.level === 'string') extra.level = e.level;
  const who = ctx.user !== undefined ? `${ctx.user}@${ctx.address}:${ctx.port}` : `${ctx.address}:${ctx.port}`;
  let hint = '';
  if (code === 'SSH_AUTH_FAILED') hint = ' (check the user and that the public key is in authorized_keys)';
  return new InfraError(code, `ssh ${ctx.host} (${who}): ${WHAT[code] ?? code}: ${original}${hint}`, {
    cause: err,
    details: sshDetails(ctx, extra),
  });
}
