/**
 * docker_compose: compose files under the usual stack folders, each parsed
 * on its own (environment keys only, never values), with a hash per file.
 * Never cached (ttl 0).
 */
import type { CommandSpec, ParamValues } from '../command-spec.js';
import { parseComposeFile, type ComposeFile } from '../../parse/compose-file.js';
import { SECOND_MS, dirsParam } from './services-support.js';
import { filesOfResult } from './services-file-collect.js';
import { dirScanScript, fileLimitParams, readDirScan, type DirScan, type DirScanResult } from './services-dir-scan.js';

/**
 * Where homelab stacks live: /opt/stacks (Dockge) and /opt/<app> are under
 * /opt; /srv, /docker and /home/<user>/<stack> are common too. Unraid and
 * TrueNAS keep appdata elsewhere; add dirs per host.
 */
export const DEFAULT_COMPOSE_DIRS: readonly string[] = ['/opt', '/srv', '/docker', '/home'];

export const COMPOSE_FILE_NAMES: readonly string[] = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const COMPOSE_SCAN: DirScan = {
  group: 'compose',
  fileNames: COMPOSE_FILE_NAMES,
  dirs: DEFAULT_COMPOSE_DIRS,
  maxDepth: 3,
  maxFiles: 200,
  maxFileBytes: 512 * 1024,
};

export type DockerComposeResult = DirScanResult<ComposeFile>;

export const dockerComposeCommand: CommandSpec = {
  name: 'docker_compose',
  description: 'docker compose files (compose.yaml, docker-compose.yml, ...): services, images, ports, volumes, env keys, with a hash per file.',
  params: {
    dirs: dirsParam('Directories to look for compose files in (missing ones are skipped).', DEFAULT_COMPOSE_DIRS),
    maxDepth: {
      type: 'integer',
      min: 1,
      max: 4,
      default: COMPOSE_SCAN.maxDepth,
      description: 'Directory levels below each dir to look: 1 = dir/compose.yaml, 3 = dir/a/b/compose.yaml.',
    },
    ...fileLimitParams(COMPOSE_SCAN, { maxFiles: 1000, maxFileBytes: 4 * 1024 * 1024 }),
  },
  defaults: {
    // Every 15 minutes at :07, :22, ... (off proxy_configs' slot); stacks change by hand.
    schedule: '7-59/15 * * * *',
    ttlMs: 0,
    timeoutMs: 30 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(params: ParamValues, ctx) {
    return dirScanScript(COMPOSE_SCAN, params, ctx.nonce);
  },
  parse({ stdout }): DockerComposeResult {
    return readDirScan('docker_compose', stdout, parseComposeFile);
  },
  files(parsed) {
    return filesOfResult(parsed);
  },
};
