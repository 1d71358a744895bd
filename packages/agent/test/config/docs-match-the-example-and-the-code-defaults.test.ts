import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { TOP_LEVEL_KEYS } from '../../src/config/load-config.js';
import { CACHE_DEFAULTS, LIMITS_DEFAULTS, LOG_DEFAULTS, SCHEDULE_DEFAULTS, SSH_DEFAULTS, STORAGE_DEFAULTS } from '../../src/config/validate-sections.js';
import { HOST_DEFAULTS } from '../../src/config/validate-hosts.js';
import { USER_COMMAND_DEFAULTS } from '../../src/config/validate-commands.js';

const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../../../../examples/agent.yaml', import.meta.url), 'utf8');

/** The table row documenting `key` in the section headed `heading`. */
function row(heading: string, key: string): string {
  const start = docs.indexOf(`\n## ${heading}\n`) >= 0 ? docs.indexOf(`\n## ${heading}\n`) : docs.indexOf(`\n### ${heading}\n`);
  expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
  const next = docs.indexOf('\n## ', start + 1);
  const section = docs.slice(start, next < 0 ? undefined : next);
  const line = section.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
  expect(line, `${heading}: ${key}`).toBeDefined();
  return line as string;
}

describe('docs/configuration.md', () => {
  it('embeds examples/agent.yaml verbatim', () => {
    expect(docs).toContain('```yaml\n' + example + '```');
  });

  it('documents every top-level key', () => {
    for (const key of TOP_LEVEL_KEYS) row('Top level', key);
  });

  it('states the defaults the code applies', () => {
    const sections: Array<[string, Record<string, string | number | boolean>]> = [
      ['storage', STORAGE_DEFAULTS],
      ['limits', LIMITS_DEFAULTS],
      ['cache', CACHE_DEFAULTS],
      ['schedule', SCHEDULE_DEFAULTS],
      ['log', LOG_DEFAULTS],
      ['ssh', SSH_DEFAULTS],
      ['hosts', HOST_DEFAULTS],
      ['User commands', { ...USER_COMMAND_DEFAULTS, description: '""' }],
    ];
    for (const [heading, defaults] of sections) {
      for (const [key, value] of Object.entries(defaults)) expect(row(heading, key)).toContain(`\`${String(value)}\``);
    }
  });
});
