/**
 * What a reloaded configuration (SIGHUP) can change in a running hub: the
 * agents and subscribers with their tokens, and the TLS certificate and key
 * (read again from their files). Everything else — listen, storage, limits,
 * fanout, log, switching TLS on or off — needs a restart; those sections are
 * named so the operator is told, and they keep their running values.
 */
import { deepFreeze } from '@infrastructor/shared';
import type { HubConfig } from './hub-config.js';

const RESTART_SECTIONS = ['listen', 'storage', 'limits', 'fanout', 'log'] as const;

export interface ReloadPlan {
  /** The configuration in effect after the reload: new principals (and TLS files), everything else as running. */
  effective: HubConfig;
  /** Sections that differ but only take effect after a restart. */
  needsRestart: string[];
  /** Whether to load the certificate and key again (TLS stays on). */
  reloadTls: boolean;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function planReload(current: HubConfig, next: HubConfig): ReloadPlan {
  const needsRestart: string[] = RESTART_SECTIONS.filter((k) => !same(current[k], next[k]));
  const tlsOnOff = (current.tls === undefined) !== (next.tls === undefined);
  if (tlsOnOff) needsRestart.push('tls');
  const effective = deepFreeze({
    ...current,
    agents: next.agents,
    subscribers: next.subscribers,
    ...(current.tls !== undefined && next.tls !== undefined ? { tls: next.tls } : {}),
  });
  return { effective, needsRestart, reloadTls: current.tls !== undefined && next.tls !== undefined };
}

/** A key naming one agent identity (id and site). */
export function agentKey(p: { agentId: string; site: string }): string {
  return `${p.agentId}\u0000${p.site}`;
}

/** A key naming one subscriber identity with its rights (name, role, sites). */
export function subscriberKey(p: { name: string; role: string; sites: readonly string[] }): string {
  return `${p.name}\u0000${p.role}\u0000${[...p.sites].sort().join(',')}`;
}
