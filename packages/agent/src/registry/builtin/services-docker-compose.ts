/**
 * docker_compose: compose files under the usual stack folders, each parsed
 * on its own (environment keys only, never values), with a hash per file.
 * Never cached (ttl 0).
 */
import type { CommandSpec, ParamValues } from '../command-spec.js';
import { splitSections } from '../../parse/sections.js';
import { parseComposeFile, type ComposeFile } from '../../parse/compose-file.js';
import { SECOND_MS, dirsParam, integerParam, listParam } from './services-support.js';
import {
  collectCall,
  collectFunctionScript,
  fileEntry,
  filesOfResult,
  existingDirsScript,
  readCollectedFiles,
  readExistingDirs,
  type FileEntry,
} from './services-file-collect.js';
import { depthGlobs } from './services-proxy-configs.js';

/**
 * Where homelab stacks live: /opt/stacks (Dockge) and /opt/<app> are under
 * /opt; /srv, /docker and /home/<user>/<stack> are common too. Unraid and
 * TrueNAS keep appdata elsewhere; add dirs per host.
 */
export const DEFAULT_COMPOSE_DIRS: readonly string[] = ['/opt', '/srv', '/docker', '/home'];

export const COMPOSE_FILE_NAMES: readonly string[] = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface DockerComposeResult {
  /** The requested directories that exist on the host. */
  existingDirs: string[];
  files: Array<FileEntry<ComposeFile>>;
  truncated: boolean;
}

export const dockerComposeCommand: CommandSpec = {
  name: 'docker_compose',
  description: 'docker compose files (compose.yaml, docker-compose.yml, ...): services, images, ports, volumes, env keys, with a hash per file.',
  params: {
    dirs: dirsParam('Directories to look for compose files in (missing ones are skipped).', DEFAULT_COMPOSE_DIRS),
    maxDepth: {
      type: 'integer',
      min: 1,
      max: 4,
      default: 3,
      description: 'Directory levels below each dir to look: 1 = dir/compose.yaml, 3 = dir/a/b/compose.yaml.',
    },
    maxFiles: { type: 'integer', min: 1, max: 1000, default: 200, description: 'Read at most this many files.' },
    maxFileBytes: { type: 'integer', min: 1024, max: 4 * 1024 * 1024, default: 512 * 1024, description: 'Skip (report, not read) files larger than this.' },
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
    const dirs = listParam(params, 'dirs', DEFAULT_COMPOSE_DIRS);
    return [
      existingDirsScript(ctx.nonce, dirs),
      collectFunctionScript({
        nonce: ctx.nonce,
        maxFiles: integerParam(params, 'maxFiles', 200),
        maxFileBytes: integerParam(params, 'maxFileBytes', 512 * 1024),
      }),
      collectCall('compose', depthGlobs(dirs, COMPOSE_FILE_NAMES, integerParam(params, 'maxDepth', 3))),
    ].join('\n');
  },
  parse({ stdout }): DockerComposeResult {
    const sections = splitSections('docker_compose', stdout);
    const { files, truncated } = readCollectedFiles('docker_compose', sections);
    const existingDirs = readExistingDirs('docker_compose', sections);
    return { existingDirs, files: files.map((f) => fileEntry(f, parseComposeFile)), truncated };
  },
  files(parsed) {
    return filesOfResult(parsed);
  },
};
