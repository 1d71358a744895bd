/**
 * /proc/net/dev: per-interface counters since the interface appeared.
 * The kernel prints "%6s:" then the counters, so a long name or a big
 * counter leaves no space after the colon ("eth0:68210035552 ..."), and
 * alias names can hold colons themselves ("ibr10:30:"). The counters are
 * plain integers, so the name ends at the last colon of the line.
 */
import { parseError } from './parse-error.js';
import { readUint, textLines } from './text-lines.js';

const PARSER = 'proc-net-dev';

export interface NetDevCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  rxFifo: number;
  rxFrame: number;
  rxCompressed: number;
  rxMulticast: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
  txFifo: number;
  txCollisions: number;
  txCarrier: number;
  txCompressed: number;
}

export interface NetDev {
  interfaces: NetDevCounters[];
}

const RX_COLUMNS = 'bytes packets errs drop fifo frame compressed multicast';
const TX_COLUMNS = 'bytes packets errs drop fifo colls carrier compressed';
const COUNTERS = [
  'rxBytes', 'rxPackets', 'rxErrors', 'rxDrops', 'rxFifo', 'rxFrame', 'rxCompressed', 'rxMulticast',
  'txBytes', 'txPackets', 'txErrors', 'txDrops', 'txFifo', 'txCollisions', 'txCarrier', 'txCompressed',
] as const;

function checkHeader(text: string, first: string | undefined, second: string | undefined): void {
  if (first === undefined || !/^\s*Inter-\|/.test(first)) throw parseError(PARSER, 'missing "Inter-|" header line', text);
  const parts = (second ?? '').split('|').map((p) => p.trim().split(/\s+/).join(' '));
  if (parts.length !== 3 || parts[0] !== 'face' || parts[1] !== RX_COLUMNS || parts[2] !== TX_COLUMNS) {
    throw parseError(PARSER, 'unexpected column header', second ?? text);
  }
}

export function parseProcNetDev(text: string): NetDev {
  const lines = textLines(text);
  checkHeader(text, lines[0], lines[1]);
  const interfaces: NetDevCounters[] = [];
  for (const line of lines.slice(2)) {
    if (line.trim() === '') continue;
    const colon = line.lastIndexOf(':');
    if (colon < 0) throw parseError(PARSER, 'interface line without a colon', line);
    const name = line.slice(0, colon).trim();
    if (name === '' || /\s/.test(name)) throw parseError(PARSER, 'bad interface name', line);
    const tokens = line.slice(colon + 1).trim().split(/\s+/);
    if (tokens.length !== COUNTERS.length) {
      throw parseError(PARSER, `interface ${name} has ${tokens.length} counters, expected ${COUNTERS.length}`, line);
    }
    const row: NetDevCounters = {
      name,
      rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, rxFifo: 0, rxFrame: 0, rxCompressed: 0, rxMulticast: 0,
      txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0, txFifo: 0, txCollisions: 0, txCarrier: 0, txCompressed: 0,
    };
    COUNTERS.forEach((field, i) => {
      const n = readUint(tokens[i]);
      if (n === undefined) throw parseError(PARSER, `interface ${name}: ${field} is not a counter`, line);
      row[field] = n;
    });
    interfaces.push(row);
  }
  return { interfaces };
}
