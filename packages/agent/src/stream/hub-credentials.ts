/**
 * The token and CA the link connects with, read when the link starts (a
 * token file is read then, not at config load, so `infra-agent status` or
 * `collect` run by another user do not need to read it). Messages name the
 * file, never the token.
 */
import { readFileSync } from 'node:fs';
import { InfraError } from '@infrastructor/shared';
import type { HubConfig } from '../config/agent-config.js';
import { Secret } from '../config/secret.js';

export interface HubCredentials {
  token: Secret;
  /** PEM text of hub.caFile. */
  ca?: string;
}

export type ReadTextFile = (path: string) => string;

const TOKEN_RE = /^[\x21-\x7e]{1,4096}$/;

export function readHubCredentials(hub: HubConfig, readFile: ReadTextFile = (p) => readFileSync(p, 'utf8')): HubCredentials {
  let token = hub.token;
  if (token === undefined) {
    if (hub.tokenFile === undefined) throw new InfraError('CONFIG_INVALID', 'hub: set hub.token or hub.tokenFile');
    const text = read(readFile, hub.tokenFile, 'hub.tokenFile').trim();
    if (text === '') throw new InfraError('CONFIG_INVALID', `hub.tokenFile: ${hub.tokenFile} is empty`, { details: { path: hub.tokenFile } });
    if (!TOKEN_RE.test(text)) {
      throw new InfraError('CONFIG_INVALID', `hub.tokenFile: ${hub.tokenFile} must hold one token: 1–4096 visible ASCII characters without spaces (the content is not shown)`, {
        details: { path: hub.tokenFile },
      });
    }
    token = new Secret(text);
  }
  if (hub.caFile === undefined) return { token };
  const ca = read(readFile, hub.caFile, 'hub.caFile');
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InfraError('CONFIG_INVALID', `hub.caFile: ${hub.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, { details: { path: hub.caFile } });
  }
  return { token, ca };
}

function read(readFile: ReadTextFile, path: string, key: string): string {
  try {
    return readFile(path);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new InfraError('CONFIG_READ_FAILED', `${key}: cannot read ${path} (${errno ?? (err instanceof Error ? err.message : String(err))})`, {
      cause: err,
      details: { path, errno },
    });
  }
}
