import type { CommandSpec } from '../registry/command-spec.js';
import type { ParserDef } from '../parse/parser-def.js';
import { formatDurationMs, formatTable } from './format-table.js';

/** `infra-agent commands`: the registry with schedules, TTLs, timeouts. */
export function formatCommandList(commands: readonly CommandSpec[]): string {
  const rows = commands.map((c) => [
    c.name,
    c.defaults.enabled ? c.defaults.schedule : `${c.defaults.schedule} (disabled)`,
    c.defaults.ttlMs === 0 ? '0 (never cached)' : formatDurationMs(c.defaults.ttlMs),
    formatDurationMs(c.defaults.timeoutMs),
    String(c.defaults.retries),
    Object.keys(c.params).join(',') || '-',
    c.description,
  ]);
  return formatTable(['COMMAND', 'SCHEDULE', 'TTL', 'TIMEOUT', 'RETRIES', 'PARAMS', 'DESCRIPTION'], rows);
}

/** `infra-agent parsers`: single-source parsers, then command parsers. */
export function formatParserList(parsers: readonly ParserDef[], commands: readonly CommandSpec[]): string {
  const rows = [
    ...parsers.map((p) => [p.name, p.input]),
    ...commands.map((c) => [c.name, `the whole output of the ${c.name} command as the agent runs it`]),
  ];
  return formatTable(['PARSER', 'INPUT'], rows);
}
