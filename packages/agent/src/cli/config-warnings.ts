/**
 * `infra-agent check-config`: what a valid file still gets wrong at run
 * time — files it names that cannot be read, ssh hosts whose host key the
 * agent will refuse. Reported as warning lines (the configuration itself is
 * valid; the files may be put in place later), each with the error code the
 * agent would fail with and what to do.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { toInfraError, type ErrorCode } from '@infrastructor/shared';
import type { AgentConfig } from '../config/agent-config.js';
import { readHubCredentials } from '../stream/hub-credentials.js';

export interface ConfigWarning {
  code: ErrorCode;
  message: string;
}

/** Why a file cannot be read by this process (ENOENT, EACCES, EISDIR), or undefined when it can. */
export type FileProblem = (path: string) => string | undefined;

export const fileProblem: FileProblem = (path) => {
  try {
    if (statSync(path).isDirectory()) return 'EISDIR';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unreadable';
  }
};

export function configWarnings(config: AgentConfig, problemOf: FileProblem = fileProblem): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const ssh = config.hosts.filter((h) => h.transport === 'ssh');

  // Key files, once per path (many hosts usually share ssh.defaultPrivateKeyPath).
  const byKey = new Map<string, string[]>();
  for (const h of ssh) {
    if (h.privateKeyPath === undefined) continue;
    byKey.set(h.privateKeyPath, [...(byKey.get(h.privateKeyPath) ?? []), h.name]);
  }
  for (const [path, hosts] of byKey) {
    const problem = problemOf(path);
    if (problem === undefined) continue;
    const who = `host${hosts.length === 1 ? '' : 's'} ${hosts.join(', ')}`;
    const what =
      problem === 'ENOENT'
        ? `does not exist: create it (ssh-keygen -t ed25519 -N '' -f ${path}) and add its .pub to the host's authorized_keys, or fix privateKeyPath`
        : problem === 'EISDIR'
          ? 'is a directory: point privateKeyPath at the key file itself'
          : `cannot be read by this user (${problem}): make it readable by the agent's user (mode 0600), or fix privateKeyPath`;
    warnings.push({ code: 'SSH_KEY_READ_FAILED', message: `private key ${path} (${who}) ${what}` });
  }

  for (const h of ssh) {
    if (h.knownHostsPath !== undefined) {
      const problem = problemOf(h.knownHostsPath);
      if (problem !== undefined) {
        warnings.push({
          code: 'CONFIG_READ_FAILED',
          message: `host ${h.name}: knownHostsPath ${h.knownHostsPath} cannot be read (${problem}): connections will be refused until it can`,
        });
      }
    }
    if (h.hostKeyPolicy === 'strict' && h.hostKey === undefined && h.knownHostsPath === undefined) {
      const port = h.port === 22 ? '' : `-p ${h.port} `;
      warnings.push({
        code: 'SSH_HOST_KEY_UNKNOWN',
        message:
          `host ${h.name}: hostKeyPolicy strict but no hostKey or knownHostsPath: its host key will be refused. ` +
          `Pin it with "hostKey: SHA256:…" (ssh-keyscan ${port}${h.address} | ssh-keygen -lf -, checked against the host's own ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), ` +
          `or set hostKeyPolicy: tofu`,
      });
    }
  }

  if (config.hub) {
    try {
      readHubCredentials(config.hub);
    } catch (err) {
      const e = toInfraError(err);
      warnings.push({ code: e.code, message: `${e.message}: \`infra-agent run\` will refuse to start` });
    }
  }
  return warnings;
}

export function formatConfigWarnings(warnings: readonly ConfigWarning[]): string {
  return warnings.map((w) => `warning ${w.code}: ${w.message}`).join('\n');
}
