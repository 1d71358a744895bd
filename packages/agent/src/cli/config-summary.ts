import type { AgentConfig } from '../config/agent-config.js';
import type { Registry } from '../registry/registry.js';
import { formatDurationMs, formatTable } from './format-table.js';
import { formatConfigWarnings, type ConfigWarning } from './config-warnings.js';

/** `infra-agent check-config`: what the agent will do with this file, then what will fail at run time. */
export function formatConfigSummary(config: AgentConfig, registry: Registry, warnings: readonly ConfigWarning[] = []): string {
  const lines = [
    `configuration OK: ${config.sourcePath}` + (warnings.length === 0 ? '' : ` — but ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (at the end)`),
    `site ${config.site}; ${config.hosts.length} host(s); database ${config.storage.path} (synchronous ${config.storage.synchronous})`,
    `limits: ${config.limits.globalConcurrency} concurrent collections, ${config.limits.perHostConcurrency} per host; schedules ${config.schedule.enabled ? 'on' : 'OFF'}`,
    config.hub
      ? `hub: ${config.hub.url} as agent ${config.hub.agentId}; token ${config.hub.tokenFile ? `from ${config.hub.tokenFile} (read at start)` : 'inline'}${config.hub.caFile ? `; CA ${config.hub.caFile}` : ''}`
      : 'hub: none (stand-alone; records wait in the outbox)',
    '',
  ];
  const rows: string[][] = [];
  for (const host of config.hosts) {
    const target = host.transport === 'local' ? 'local' : `${host.user}@${host.address}:${host.port}`;
    const key = host.transport === 'local' ? '-' : host.hostKey ? 'pinned' : host.knownHostsPath ? 'known_hosts' : host.hostKeyPolicy === 'strict' ? 'strict, unpinned' : host.hostKeyPolicy;
    for (const command of registry.list()) {
      const s = registry.settingsFor(host, command.name);
      rows.push([
        host.name,
        target,
        key,
        command.name,
        s.enabled ? s.schedule : 'disabled',
        s.ttlMs === 0 ? '0' : formatDurationMs(s.ttlMs),
        formatDurationMs(s.timeoutMs),
      ]);
    }
  }
  lines.push(formatTable(['HOST', 'TARGET', 'HOST KEY', 'COMMAND', 'SCHEDULE', 'TTL', 'TIMEOUT'], rows));
  if (warnings.length > 0) lines.push('', formatConfigWarnings(warnings));
  return lines.join('\n');
}
