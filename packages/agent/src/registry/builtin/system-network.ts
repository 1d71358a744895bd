/**
 * network_interfaces: `ip -j addr` (state, MTU, MAC, addresses) joined by
 * name with /proc/net/dev (traffic counters). Where `ip -j` is missing
 * (busybox ip, iproute2 before 4.13) the interfaces still come from
 * /proc/net/dev, without addresses, and `warnings` says why.
 */
import type { CommandSpec } from '../command-spec.js';
import { sectionScript, splitSections } from '../../parse/sections.js';
import { parseIpAddr, type IpInterface } from '../../parse/ip-addr.js';
import { parseProcNetDev, type NetDevCounters } from '../../parse/proc-net-dev.js';
import { isInfraError } from '@infrastructor/shared';
import { MINUTE_MS, okSectionText, SECOND_MS } from './system-sections.js';

const NAME = 'network_interfaces';

export interface NetworkInterface {
  name: string;
  state: string | null;
  mtu: number | null;
  mac: string | null;
  linkType: string | null;
  addresses: Array<{ family: 'inet' | 'inet6'; address: string; prefixLength: number; scope: string | null }>;
  rxBytes: number | null;
  rxPackets: number | null;
  rxErrors: number | null;
  rxDrops: number | null;
  txBytes: number | null;
  txPackets: number | null;
  txErrors: number | null;
  txDrops: number | null;
}

export interface NetworkInterfaces {
  interfaces: NetworkInterface[];
  warnings: string[];
}

function join(name: string, ip: IpInterface | undefined, dev: NetDevCounters | undefined): NetworkInterface {
  return {
    name,
    state: ip?.state ?? null,
    mtu: ip?.mtu ?? null,
    mac: ip?.mac ?? null,
    linkType: ip?.linkType ?? null,
    addresses: (ip?.addresses ?? []).map((a) => ({ family: a.family, address: a.address, prefixLength: a.prefixLength, scope: a.scope })),
    rxBytes: dev?.rxBytes ?? null,
    rxPackets: dev?.rxPackets ?? null,
    rxErrors: dev?.rxErrors ?? null,
    rxDrops: dev?.rxDrops ?? null,
    txBytes: dev?.txBytes ?? null,
    txPackets: dev?.txPackets ?? null,
    txErrors: dev?.txErrors ?? null,
    txDrops: dev?.txDrops ?? null,
  };
}

export const networkInterfacesCommand: CommandSpec = {
  name: NAME,
  description: 'Network interfaces: state, MTU, MAC, addresses and rx/tx counters (ip -j addr + /proc/net/dev)',
  params: {},
  // Every 2 minutes, matching the TTL: enough to draw traffic rates from
  // counter deltas without flooding history.
  defaults: { schedule: '*/2 * * * *', ttlMs: 2 * MINUTE_MS, timeoutMs: 10 * SECOND_MS, retries: 2, enabled: true },
  script(_params, ctx) {
    return [sectionScript(ctx.nonce, 'ip', 'ip -j addr'), sectionScript(ctx.nonce, 'netdev', 'cat /proc/net/dev')].join('\n');
  },
  parse({ stdout }): NetworkInterfaces {
    const sections = splitSections(NAME, stdout);
    const counters = parseProcNetDev(okSectionText(NAME, sections, 'netdev')).interfaces;
    const warnings: string[] = [];
    let links: IpInterface[] = [];
    try {
      links = parseIpAddr(okSectionText(NAME, sections, 'ip')).interfaces;
    } catch (err) {
      if (!isInfraError(err) || err.code !== 'PARSE_FAILED') throw err;
      warnings.push(`ip -j addr unavailable, addresses omitted: ${err.message}`);
    }
    const byName = new Map(counters.map((c) => [c.name, c]));
    const interfaces = links.map((l) => join(l.name, l, byName.get(l.name)));
    const seen = new Set(links.map((l) => l.name));
    for (const c of counters) if (!seen.has(c.name)) interfaces.push(join(c.name, undefined, c));
    return { interfaces, warnings };
  },
};
