import { expect } from 'vitest';
import { isInfraError, type ConfigProblem, type InfraError } from '@infrastructor/shared';
import { parseConfig, type LoadConfigOptions } from '../../src/config/load-config.js';
import type { AgentConfig } from '../../src/config/agent-config.js';
import type { CommandSpec } from '../../src/registry/command-spec.js';

export const CONFIG_PATH = '/etc/infra/agent.yaml';

/** Stand-ins for built-in commands, so these tests do not depend on the real ones' params. */
export const fakeBuiltins: readonly CommandSpec[] = [
  {
    name: 'system_metrics',
    description: 'fake',
    params: { sampleMs: { type: 'integer', min: 50, max: 5000, default: 250, description: '' } },
    defaults: { schedule: '* * * * *', ttlMs: 60_000, timeoutMs: 10_000, retries: 2, enabled: true },
    script: () => 'true',
    parse: ({ stdout }) => stdout,
  },
  {
    name: 'disk_usage',
    description: 'fake',
    params: {
      paths: { type: 'list', pattern: '/[A-Za-z0-9._/-]*', maxItems: 4, default: ['/'], description: '' },
      unit: { type: 'enum', values: ['bytes', 'human'], default: 'bytes', description: '' },
    },
    defaults: { schedule: '*/5 * * * *', ttlMs: 300_000, timeoutMs: 20_000, retries: 0, enabled: false },
    script: () => 'true',
    parse: ({ stdout }) => stdout,
  },
];

export const options: LoadConfigOptions = { builtins: fakeBuiltins, findParser: () => undefined };

export function load(text: string, opts: LoadConfigOptions = options): AgentConfig {
  return parseConfig(text, CONFIG_PATH, opts);
}

/** The InfraError a config text is rejected with. */
export function rejection(text: string, opts: LoadConfigOptions = options): InfraError {
  try {
    load(text, opts);
  } catch (err) {
    if (isInfraError(err)) return err;
    throw err;
  }
  expect.fail('the config was accepted');
}

export function problemsOf(err: InfraError): ConfigProblem[] {
  return err.details.problems as ConfigProblem[];
}

/** Strip the common leading indentation so YAML in tests can be indented with the code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** A minimal valid config; line 1 is `site`, line 2 `hosts:`, line 3 the host's name. */
export const MINIMAL = yaml`
  site: lab
  hosts:
    - name: nas
      address: 10.0.0.2
      privateKeyPath: /keys/nas
`;
