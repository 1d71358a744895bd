/**
 * What a reloaded configuration changes, for the reload log line: hosts
 * added, removed or changed (by name), the hub token when it is written
 * inline, and every other top-level section that differs.
 */
import type { AgentConfig } from './agent-config.js';

export function configChanges(prev: AgentConfig, next: AgentConfig): string[] {
  const out: string[] = [];
  const before = new Map(prev.hosts.map((h) => [h.name, JSON.stringify(h)]));
  const after = new Map(next.hosts.map((h) => [h.name, JSON.stringify(h)]));
  const added = [...after.keys()].filter((n) => !before.has(n));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const changed = [...after.keys()].filter((n) => before.has(n) && before.get(n) !== after.get(n));
  if (added.length > 0) out.push(`hosts added: ${added.join(', ')}`);
  if (removed.length > 0) out.push(`hosts removed: ${removed.join(', ')}`);
  if (changed.length > 0) out.push(`hosts changed: ${changed.join(', ')}`);
  for (const key of Object.keys(next) as (keyof AgentConfig)[]) {
    if (key === 'hosts' || key === 'sourcePath') continue;
    if (JSON.stringify(prev[key]) !== JSON.stringify(next[key])) out.push(key);
  }
  if (prev.hub !== undefined && next.hub === undefined) out.push('hub');
  // The token prints as [redacted] in JSON: compare the values themselves.
  else if (!out.includes('hub') && prev.hub?.token?.reveal() !== next.hub?.token?.reveal()) out.push('hub.token');
  return out;
}
