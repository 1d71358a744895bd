/**
 * `ip -j addr` (iproute2 4.13+; `ip -d -j addr` too). Empty objects, which
 * some iproute2 versions print for links a filter left out, are skipped.
 * `mac` is the link-layer address only when it looks like one: tunnels
 * (sit, ipip) carry an IPv4 address there and WireGuard none.
 */
import { parseError } from './parse-error.js';
import { arrayField, booleanField, isRecord, numberField, parseJsonText, stringField } from './json-fields.js';

const PARSER = 'ip-addr';

export interface IpAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number;
  /** "global", "link", "host", ... */
  scope: string | null;
  /** Point-to-point peer, when there is one. */
  peer: string | null;
  /** Learnt from DHCP/SLAAC rather than configured. */
  dynamic: boolean;
}

export interface IpInterface {
  name: string;
  index: number | null;
  /** operstate: "UP", "DOWN", "UNKNOWN" (loopback, tunnels), "LOWERLAYERDOWN", ... */
  state: string | null;
  flags: string[];
  mtu: number | null;
  linkType: string | null;
  mac: string | null;
  addresses: IpAddress[];
}

export interface IpAddrResult {
  interfaces: IpInterface[];
}

const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5,19}$/i;

function readAddress(value: unknown, ifname: string, text: string): IpAddress | null {
  if (!isRecord(value)) throw parseError(PARSER, `an address of ${ifname} is not an object`, text);
  const family = stringField(value, 'family');
  if (family !== 'inet' && family !== 'inet6') return null; // e.g. "mpls", or {} placeholders
  const address = stringField(value, 'local');
  const prefixLength = numberField(value, 'prefixlen');
  if (address === null || prefixLength === null || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 128) {
    throw parseError(PARSER, `an ${family} address of ${ifname} has no local address or prefix length`, text);
  }
  return {
    family,
    address,
    prefixLength,
    scope: stringField(value, 'scope'),
    peer: stringField(value, 'address'),
    dynamic: booleanField(value, 'dynamic') === true,
  };
}

function readInterface(value: unknown, text: string): IpInterface | null {
  if (!isRecord(value)) throw parseError(PARSER, 'an interface is not an object', text);
  if (Object.keys(value).length === 0) return null;
  const name = stringField(value, 'ifname');
  if (name === null) throw parseError(PARSER, 'an interface has no ifname', text);
  const flags = (arrayField(value, 'flags') ?? []).filter((f): f is string => typeof f === 'string');
  const link = stringField(value, 'address');
  const addresses = (arrayField(value, 'addr_info') ?? [])
    .map((a) => readAddress(a, name, text))
    .filter((a): a is IpAddress => a !== null);
  return {
    name,
    index: numberField(value, 'ifindex'),
    state: stringField(value, 'operstate'),
    flags,
    mtu: numberField(value, 'mtu'),
    linkType: stringField(value, 'link_type'),
    mac: link !== null && MAC_RE.test(link) ? link.toLowerCase() : null,
    addresses,
  };
}

export function parseIpAddr(text: string): IpAddrResult {
  const doc = parseJsonText(PARSER, text);
  if (!Array.isArray(doc)) throw parseError(PARSER, 'expected a JSON array of interfaces', text);
  const interfaces = doc.map((i) => readInterface(i, text)).filter((i): i is IpInterface => i !== null);
  return { interfaces };
}
