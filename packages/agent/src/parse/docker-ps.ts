import { parseError } from './parse-error.js';
import { readJsonLines, requiredString, optionalString, type JsonLine } from './docker-json-lines.js';
import { parsePorts, type PortMapping } from './docker-ports.js';
import { parseDockerLabels } from './docker-labels.js';

export const DOCKER_PS_PARSER = 'docker-ps';

export interface DockerContainer {
  id: string;
  names: string[];
  image: string;
  /** created, running, restarting, paused, exited, removing, dead (from Status when the CLI is too old to print State). */
  state: string;
  /** Human status, e.g. "Up 3 hours", "Exited (1) 2 days ago", "Restarting (1) 14 seconds ago". */
  status: string;
  ports: { raw: string; mappings: PortMapping[] };
  labels: Record<string, string>;
  /** As docker prints it, e.g. "2025-01-16 22:41:45 +0100 CET". */
  createdAt: string | null;
  createdAtMs: number | null;
  command: string | null;
  networks: string[];
  mounts: string[];
  runningFor: string | null;
}

function splitList(raw: string | null): string[] {
  if (raw === null) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** "2025-01-16 22:41:45 +0100 CET" → epoch ms; null if it is not in that form. */
export function dockerTimeMs(text: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-])(\d{2})(\d{2})\b/.exec(text.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${m[4]}${m[5]}:${m[6]}`);
  return Number.isFinite(ms) ? ms : null;
}

function stateFromStatus(status: string): string | undefined {
  if (/^Up\b.*\(Paused\)/i.test(status)) return 'paused';
  if (/^Up\b/i.test(status)) return 'running';
  if (/^Exited\b/i.test(status)) return 'exited';
  if (/^Restarting\b/i.test(status)) return 'restarting';
  if (/^Created\b/i.test(status)) return 'created';
  if (/^Removal In Progress/i.test(status)) return 'removing';
  if (/^Dead\b/i.test(status)) return 'dead';
  return undefined;
}

function container(line: JsonLine): DockerContainer {
  const p = DOCKER_PS_PARSER;
  const id = requiredString(p, line, 'ID');
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw parseError(p, `line ${line.lineNumber}: ID is not a container id`, id);
  const status = requiredString(p, line, 'Status');
  const state = optionalString(p, line, 'State') ?? stateFromStatus(status);
  if (state === undefined) {
    throw parseError(p, `line ${line.lineNumber}: no State and the Status is not recognised`, status);
  }
  const portsRaw = optionalString(p, line, 'Ports') ?? '';
  const ports = parsePorts(portsRaw);
  if (ports.bad !== null) {
    throw parseError(p, `line ${line.lineNumber}: cannot read port mapping ${JSON.stringify(ports.bad)}`, portsRaw);
  }
  const createdAt = optionalString(p, line, 'CreatedAt');
  return {
    id,
    names: splitList(requiredString(p, line, 'Names')),
    image: requiredString(p, line, 'Image'),
    state,
    status,
    ports: { raw: portsRaw, mappings: ports.mappings },
    labels: parseDockerLabels(optionalString(p, line, 'Labels') ?? ''),
    createdAt,
    createdAtMs: createdAt === null ? null : dockerTimeMs(createdAt),
    command: optionalString(p, line, 'Command'),
    networks: splitList(optionalString(p, line, 'Networks')),
    mounts: splitList(optionalString(p, line, 'Mounts')),
    runningFor: optionalString(p, line, 'RunningFor'),
  };
}

/** `docker ps -a --no-trunc --format '{{json .}}'`: one JSON object per line. Empty input = no containers. */
export function parseDockerPs(text: string): DockerContainer[] {
  return readJsonLines(DOCKER_PS_PARSER, text).map(container);
}
