/**
 * The connection flags `watch` and `request` share: --url, --token (or
 * INFRA_HUB_TOKEN), --ca FILE.
 */
import { readFileSync } from 'node:fs';
import { InfraError } from '@infrastructor/shared';
import { subscriberUrl } from './subscriber-connection.js';

export const TOKEN_ENV = 'INFRA_HUB_TOKEN';

export const CONNECTION_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface ConnectionFlags {
  url: string;
  token: string;
  ca?: Buffer;
}

/** Throws CONFIG_INVALID (missing/bad flag) or CONFIG_READ_FAILED (the CA file). */
export function readConnectionFlags(values: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): ConnectionFlags {
  const url = values['url'];
  if (typeof url !== 'string' || url === '') throw new InfraError('CONFIG_INVALID', '--url is required (e.g. wss://hub.example:8443)');
  subscriberUrl(url);
  const flagToken = values['token'];
  const token = typeof flagToken === 'string' && flagToken !== '' ? flagToken : env[TOKEN_ENV];
  if (!token) throw new InfraError('CONFIG_INVALID', `--token is required (or set ${TOKEN_ENV})`);
  const caPath = values['ca'];
  if (typeof caPath !== 'string') return { url, token };
  try {
    return { url, token, ca: readFileSync(caPath) };
  } catch (err) {
    throw new InfraError('CONFIG_READ_FAILED', `--ca ${caPath}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
