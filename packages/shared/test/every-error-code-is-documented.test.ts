import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERROR_CODES, InfraError, toInfraError } from '../src/errors.js';

describe('error codes', () => {
  it('are all listed in docs/errors.md with their retryability', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
    for (const [code, v] of Object.entries(ERROR_CODES)) {
      expect(doc).toContain(`| \`${code}\` | ${v.retryable ? 'yes' : 'no'} |`);
    }
  });

  it('carry code, retryable and details; auth and host-key failures are not retryable', () => {
    const e = new InfraError('SSH_CONNECTION_REFUSED', 'refused', { details: { host: 'nas' } });
    expect(e).toMatchObject({ code: 'SSH_CONNECTION_REFUSED', retryable: true, details: { host: 'nas' } });
    expect(new InfraError('SSH_AUTH_FAILED', 'x').retryable).toBe(false);
    expect(new InfraError('SSH_HOST_KEY_MISMATCH', 'x').retryable).toBe(false);
    expect(toInfraError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    expect(toInfraError(e)).toBe(e);
  });
});
