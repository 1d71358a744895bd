import { describe, expect, it } from 'vitest';
import { InfraError } from '@infrastructor/shared';
import { classifySshError, mapSshError } from '../../src/collect/ssh-errors.js';

const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

describe('ssh error mapping', () => {
  it.each([
    [err('connect ECONNREFUSED', { code: 'ECONNREFUSED', level: 'client-socket' }), 'connect', 'SSH_CONNECTION_REFUSED'],
    [err('connect ETIMEDOUT', { code: 'ETIMEDOUT', level: 'client-socket' }), 'connect', 'SSH_CONNECT_TIMEOUT'],
    [err('Timed out while waiting for handshake', { level: 'client-timeout' }), 'connect', 'SSH_CONNECT_TIMEOUT'],
    [err('Keepalive timeout', { level: 'client-timeout' }), 'session', 'SSH_CONNECTION_LOST'],
    [err('getaddrinfo ENOTFOUND x', { code: 'ENOTFOUND' }), 'connect', 'SSH_HOST_UNREACHABLE'],
    [err('connect EHOSTUNREACH', { code: 'EHOSTUNREACH' }), 'connect', 'SSH_HOST_UNREACHABLE'],
    [err('connect ENETUNREACH', { code: 'ENETUNREACH' }), 'connect', 'SSH_HOST_UNREACHABLE'],
    [err('lookup failed', { level: 'client-dns' }), 'connect', 'SSH_HOST_UNREACHABLE'],
    [err('All configured authentication methods failed', { level: 'client-authentication' }), 'connect', 'SSH_AUTH_FAILED'],
    [err('Host denied (verification failed)', { level: 'handshake' }), 'connect', 'SSH_HOST_KEY_MISMATCH'],
    [err('read ECONNRESET', { code: 'ECONNRESET' }), 'session', 'SSH_CONNECTION_LOST'],
    [err('No response from server'), 'session', 'SSH_CONNECTION_LOST'],
    [err('(SSH) Channel open failure: open failed'), 'session', 'SSH_CHANNEL_FAILED'],
    [err('something else'), 'connect', 'SSH_CONNECTION_LOST'],
  ] as const)('%s (%s) → %s', (e, phase, code) => {
    expect(classifySshError(e, phase)).toBe(code);
  });

  it('keeps InfraErrors and adds host details without key material', () => {
    const infra = new InfraError('SSH_HOST_KEY_UNKNOWN', 'x');
    const ctx = { host: 'web1', address: '10.0.0.5', port: 22, user: 'infra', commandName: 'uptime', phase: 'connect' } as const;
    expect(mapSshError(infra, ctx)).toBe(infra);
    const mapped = mapSshError(err('connect ECONNREFUSED 10.0.0.5:22', { code: 'ECONNREFUSED', level: 'client-socket' }), ctx);
    expect(mapped.code).toBe('SSH_CONNECTION_REFUSED');
    expect(mapped.retryable).toBe(true);
    expect(mapped.details).toEqual({ host: 'web1', address: '10.0.0.5', port: 22, user: 'infra', command: 'uptime', errno: 'ECONNREFUSED', level: 'client-socket' });
    expect(mapped.message).toContain('web1');
    expect(mapped.message).toContain('infra@10.0.0.5:22');
  });
});
