/**
 * The `Ports` column of `docker ps`, e.g.
 * `0.0.0.0:8383->80/tcp, [::]:8383->80/tcp, 6379/tcp, :::53->53/udp,
 * 0.0.0.0:8000-8010->8000-8010/tcp`.
 */
export interface PortMapping {
  /** null for a port that is only exposed, not published. `::` for IPv6 any. */
  hostIp: string | null;
  hostPort: number | null;
  /** Last port of a published range, else null. */
  hostPortEnd: number | null;
  containerPort: number;
  containerPortEnd: number | null;
  protocol: string;
}

const RANGE_RE = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/;

function portRange(text: string): { start: number; end: number | null } | undefined {
  const m = RANGE_RE.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? null : Number(m[2]);
  if (start > 65535 || (end !== null && (end > 65535 || end < start))) return undefined;
  return { start, end };
}

/** One comma-separated entry; undefined when it is not in docker's format. */
export function parsePortEntry(entry: string): PortMapping | undefined {
  const arrow = entry.indexOf('->');
  const containerSide = arrow < 0 ? entry : entry.slice(arrow + 2);
  const slash = containerSide.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const protocol = containerSide.slice(slash + 1);
  if (!/^[a-z]+$/.test(protocol)) return undefined;
  const container = portRange(containerSide.slice(0, slash));
  if (!container) return undefined;
  if (arrow < 0) {
    return {
      hostIp: null,
      hostPort: null,
      hostPortEnd: null,
      containerPort: container.start,
      containerPortEnd: container.end,
      protocol,
    };
  }
  const hostSide = entry.slice(0, arrow);
  const colon = hostSide.lastIndexOf(':');
  if (colon < 0) return undefined;
  let ip = hostSide.slice(0, colon);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  // Older docker printed IPv6 any as `:::80`, which leaves `::` here already.
  if (ip === '' || /\s/.test(ip)) return undefined;
  const host = portRange(hostSide.slice(colon + 1));
  if (!host) return undefined;
  return {
    hostIp: ip,
    hostPort: host.start,
    hostPortEnd: host.end,
    containerPort: container.start,
    containerPortEnd: container.end,
    protocol,
  };
}

/** All entries; returns the first entry it cannot read as `bad`. */
export function parsePorts(raw: string): { mappings: PortMapping[]; bad: string | null } {
  const mappings: PortMapping[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const m = parsePortEntry(entry);
    if (!m) return { mappings, bad: entry };
    mappings.push(m);
  }
  return { mappings, bad: null };
}
