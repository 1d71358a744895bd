import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { HUB_DEFAULTS } from '../../src/config/validate-hub.js';
import { load, MINIMAL, problemsOf, rejection } from './config-fixtures.js';

/** MINIMAL is 5 lines; the hub section starts at line 6, its first key at line 7. */
const withHub = (body: string): string => `${MINIMAL}hub:\n${body}`;

describe('config: hub', () => {
  it('is optional: without it the agent is stand-alone', () => {
    expect(load(MINIMAL).hub).toBeUndefined();
  });

  it('fills the documented defaults, agentId from site and /agent as the path', () => {
    const hub = load(withHub('  url: wss://hub.lan:7443\n  tokenFile: hub-token\n')).hub;
    expect(hub).toEqual({
      url: 'wss://hub.lan:7443/agent',
      agentId: 'lab',
      tokenFile: '/etc/infra/hub-token',
      ...HUB_DEFAULTS,
    });
    expect(Object.isFrozen(hub)).toBe(true);
  });

  it('refuses ws:// unless insecure: true, naming the key and line', () => {
    const err = rejection(withHub('  url: ws://hub.lan:7080/agent\n  token: abc\n'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(problemsOf(err)).toEqual([expect.objectContaining({ path: 'hub.url', line: 7, col: 8 })]);
    expect(err.message).toContain('hub.url (line 7, col 8): ws:// sends the token and every record unencrypted');
    expect(load(withHub('  url: ws://hub.lan:7080/agent\n  token: abc\n  insecure: true\n')).hub?.url).toBe('ws://hub.lan:7080/agent');
  });

  it('refuses other schemes, credentials in the URL, and caFile with ws://', () => {
    expect(problemsOf(rejection(withHub('  url: https://hub.lan\n  token: abc\n')))[0]).toMatchObject({ path: 'hub.url', line: 7 });
    expect(rejection(withHub('  url: wss://me:pw@hub.lan\n  token: abc\n')).message).toContain('must not contain credentials');
    const err = rejection(withHub('  url: ws://hub.lan\n  insecure: true\n  token: abc\n  caFile: ca.pem\n'));
    expect(problemsOf(err)).toEqual([expect.objectContaining({ path: 'hub.caFile', line: 10, message: 'caFile only applies to wss:// URLs' })]);
  });

  it('needs exactly one of token and tokenFile', () => {
    expect(rejection(withHub('  url: wss://hub.lan\n')).message).toContain('hub (line 7, col 3): required key is missing: hub.token or hub.tokenFile');
    expect(problemsOf(rejection(withHub('  url: wss://hub.lan\n  token: abc\n  tokenFile: t\n')))).toEqual([
      expect.objectContaining({ path: 'hub.tokenFile', line: 9, message: 'set either hub.token or hub.tokenFile, not both' }),
    ]);
  });

  it('keeps windows at least as large as batches and the max delay at least the base', () => {
    const err = rejection(withHub('  url: wss://hub.lan\n  token: abc\n  batchMaxRecords: 1000\n  windowMaxRecords: 10\n  reconnectBaseDelayMs: 5000\n  reconnectMaxDelayMs: 1000\n'));
    expect(problemsOf(err).map((p) => [p.path, p.line])).toEqual([
      ['hub.windowMaxRecords', 10],
      ['hub.reconnectMaxDelayMs', 12],
    ]);
  });

  it('reports unknown keys inside hub with a suggestion', () => {
    const err = rejection(withHub('  url: wss://hub.lan\n  token: abc\n  tokenfile: x\n'));
    expect(err.message).toContain('hub.tokenfile (line 9, col 3): unknown key "tokenfile" (did you mean "tokenFile"?)');
  });

  it('is documented with the defaults the code applies', () => {
    const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    const section = docs.slice(docs.indexOf('\n## hub\n'), docs.indexOf('\n## Complete example'));
    for (const [key, value] of Object.entries(HUB_DEFAULTS)) {
      expect(section.split('\n').find((l) => l.startsWith(`| \`${key}\` |`))).toContain(`\`${String(value)}\``);
    }
    for (const key of ['url', 'agentId', 'token', 'tokenFile', 'caFile']) expect(section).toContain(`| \`${key}\` |`);
  });
});
