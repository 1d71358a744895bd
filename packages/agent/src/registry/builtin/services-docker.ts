/**
 * list_containers and container_stats: the docker CLI's JSON-lines output.
 * A host without the docker CLI gives `available: false` (not an error); a
 * docker that is installed but fails (daemon down, no permission on the
 * socket) is EXEC_NONZERO_EXIT.
 */
import type { CommandSpec } from '../command-spec.js';
import { sectionScript, splitSections } from '../../parse/sections.js';
import { parseDockerPs, type DockerContainer } from '../../parse/docker-ps.js';
import { parseDockerStats, type DockerStats } from '../../parse/docker-stats.js';
import { SECOND_MS, ifToolInstalledScript, toolInstalled, toolOutput, type Availability } from './services-support.js';

const NOT_INSTALLED = 'the docker CLI is not installed (not on PATH)';

export interface ListContainersResult extends Availability {
  containers: DockerContainer[];
  /** Number of containers per state (running, exited, restarting, ...). */
  countsByState: Record<string, number>;
}

export interface ContainerStatsResult extends Availability {
  containers: DockerStats[];
}

function dockerScript(nonce: string, sectionName: string, dockerArgs: string): string {
  return ifToolInstalledScript(nonce, 'docker', [sectionScript(nonce, sectionName, `docker ${dockerArgs}`)]);
}

export const listContainersCommand: CommandSpec = {
  name: 'list_containers',
  description: 'All docker containers (running and stopped): state, image, published ports, labels, networks, mounts.',
  params: {},
  defaults: {
    // Every minute: container up/down is what a homelab dashboard watches most.
    schedule: '* * * * *',
    ttlMs: 30 * SECOND_MS,
    timeoutMs: 20 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(_params, ctx) {
    return dockerScript(ctx.nonce, 'ps', "ps -a --no-trunc --format '{{json .}}'");
  },
  parse({ stdout, stderr }): ListContainersResult {
    const sections = splitSections('list_containers', stdout);
    if (!toolInstalled('list_containers', sections, 'docker')) {
      return { available: false, reason: NOT_INSTALLED, containers: [], countsByState: {} };
    }
    const containers = parseDockerPs(toolOutput('list_containers', sections, 'ps', stderr));
    const counts = new Map<string, number>();
    for (const c of containers) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
    return { available: true, reason: null, containers, countsByState: Object.fromEntries(counts) };
  },
};

export const containerStatsCommand: CommandSpec = {
  name: 'container_stats',
  description: 'CPU, memory, network and block I/O of every running container, from one `docker stats --no-stream` call.',
  params: {},
  defaults: {
    // Every minute, like list_containers; one call covers all containers.
    schedule: '* * * * *',
    ttlMs: 30 * SECOND_MS,
    // docker stats waits for two samples per container; allow for a busy daemon.
    timeoutMs: 30 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(_params, ctx) {
    return dockerScript(ctx.nonce, 'stats', "stats --no-stream --no-trunc --format '{{json .}}'");
  },
  parse({ stdout, stderr }): ContainerStatsResult {
    const sections = splitSections('container_stats', stdout);
    if (!toolInstalled('container_stats', sections, 'docker')) {
      return { available: false, reason: NOT_INSTALLED, containers: [] };
    }
    return { available: true, reason: null, containers: parseDockerStats(toolOutput('container_stats', sections, 'stats', stderr)) };
  },
};
