import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { InfraError } from '@infrastructor/shared';
import { parseHubConfig } from '../../src/config/load-hub-config.js';

const sha = (t: string): string => createHash('sha256').update(t).digest('hex');

describe('tokens in the hub configuration', () => {
  it('keeps only the sha256 of a plain token, and accepts tokenSha256 as is', () => {
    const config = parseHubConfig(
      [
        'insecure: true',
        'agents:',
        '  - { id: a1, site: alpha, token: secret-agent-token-1 }',
        `  - { id: a2, site: alpha, tokenSha256: ${sha('secret-agent-token-2')} }`,
      ].join('\n'),
      'hub.yaml',
    );
    expect(config.agents).toEqual([
      { id: 'a1', site: 'alpha', tokenSha256: sha('secret-agent-token-1') },
      { id: 'a2', site: 'alpha', tokenSha256: sha('secret-agent-token-2') },
    ]);
    expect(JSON.stringify(config)).not.toContain('secret-agent-token');
  });

  it('refuses the same token for two principals, short tokens and both forms at once, without echoing a token', () => {
    let error: InfraError | undefined;
    try {
      parseHubConfig(
        [
          'insecure: true',
          'agents:',
          '  - { id: a1, site: alpha, token: shared-token-0123456 }',
          `  - { id: a2, site: alpha, token: short1 }`,
          `  - { id: a3, site: alpha, token: other-token-01234567, tokenSha256: ${sha('x')} }`,
          'subscribers:',
          "  - { name: ops, role: operator, sites: ['*'], token: shared-token-0123456 }",
        ].join('\n'),
        'hub.yaml',
      );
    } catch (err) {
      error = err as InfraError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    const paths = (error?.details['problems'] as { path: string }[]).map((p) => p.path);
    expect(paths).toEqual(['agents[1].token', 'agents[2].tokenSha256', 'subscribers[0]']);
    expect(error?.message).not.toContain('shared-token-0123456');
    expect(error?.message).not.toContain('short1');
  });
});
