import { parseError } from './parse-error.js';
import { readJsonLines, requiredString, optionalString, type JsonLine } from './docker-json-lines.js';
import { dockerSizeBytes, isDockerPlaceholder } from './docker-size.js';

export const DOCKER_STATS_PARSER = 'docker-stats';

/** One container's sample. null where docker printed `--` (container not running). */
export interface DockerStats {
  id: string;
  name: string;
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
  /** null when docker prints no limit (Windows containers print only the usage). */
  memoryLimitBytes: number | null;
  memoryPercent: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
  blockReadBytes: number | null;
  blockWriteBytes: number | null;
  pids: number | null;
}

function bad(line: JsonLine, key: string, value: string): never {
  throw parseError(DOCKER_STATS_PARSER, `line ${line.lineNumber}: cannot read ${key} ${JSON.stringify(value)}`, value);
}

function percent(line: JsonLine, key: string): number | null {
  const raw = optionalString(DOCKER_STATS_PARSER, line, key);
  if (raw === null || isDockerPlaceholder(raw)) return null;
  const m = /^(-?[0-9]+(?:\.[0-9]+)?)\s*%$/.exec(raw.trim());
  if (!m) bad(line, key, raw);
  return Number(m[1]);
}

function size(line: JsonLine, key: string, text: string): number | null {
  const v = dockerSizeBytes(text);
  if (v === undefined) bad(line, key, text);
  return v;
}

/** "a / b" → [a, b] in bytes; a single value → [a, null]. */
function pair(line: JsonLine, key: string): [number | null, number | null] {
  const raw = optionalString(DOCKER_STATS_PARSER, line, key);
  if (raw === null || isDockerPlaceholder(raw)) return [null, null];
  const parts = raw.split('/');
  if (parts.length === 1) return [size(line, key, parts[0] ?? ''), null];
  if (parts.length !== 2) bad(line, key, raw);
  return [size(line, key, parts[0] ?? ''), size(line, key, parts[1] ?? '')];
}

function stats(line: JsonLine): DockerStats {
  const p = DOCKER_STATS_PARSER;
  const id = requiredString(p, line, 'ID');
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw parseError(p, `line ${line.lineNumber}: ID is not a container id`, id);
  const name = optionalString(p, line, 'Name') ?? optionalString(p, line, 'Container') ?? id;
  const [memoryUsedBytes, memoryLimitBytes] = pair(line, 'MemUsage');
  const [netRxBytes, netTxBytes] = pair(line, 'NetIO');
  const [blockReadBytes, blockWriteBytes] = pair(line, 'BlockIO');
  const pidsRaw = optionalString(p, line, 'PIDs');
  let pids: number | null = null;
  if (pidsRaw !== null && !isDockerPlaceholder(pidsRaw)) {
    if (!/^[0-9]+$/.test(pidsRaw.trim())) bad(line, 'PIDs', pidsRaw);
    pids = Number(pidsRaw.trim());
  }
  return {
    id,
    name,
    cpuPercent: percent(line, 'CPUPerc'),
    memoryUsedBytes,
    memoryLimitBytes,
    memoryPercent: percent(line, 'MemPerc'),
    netRxBytes,
    netTxBytes,
    blockReadBytes,
    blockWriteBytes,
    pids,
  };
}

/** `docker stats --no-stream --no-trunc --format '{{json .}}'`. Empty input = nothing running. */
export function parseDockerStats(text: string): DockerStats[] {
  return readJsonLines(DOCKER_STATS_PARSER, text).map(stats);
}
