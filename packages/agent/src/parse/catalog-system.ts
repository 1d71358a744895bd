import type { ParserDef } from './parser-def.js';
import { parseProcStat } from './proc-stat.js';
import { parseProcMeminfo } from './proc-meminfo.js';
import { parseProcLoadavg } from './proc-loadavg.js';
import { parseProcUptime } from './proc-uptime.js';
import { parseProcNetDev } from './proc-net-dev.js';
import { parseDf } from './df.js';
import { parseLsblk } from './lsblk.js';
import { parseIpAddr } from './ip-addr.js';
import { parseSmartctl } from './smartctl.js';
import { smartHealth } from './smart-health.js';
import { parseUname } from './kernel-info.js';
import { parseOsRelease } from './os-release.js';

/** The single-source parsers for host state (the system commands use them too). */
export const systemParsers: readonly ParserDef[] = [
  { name: 'proc-stat', input: 'the text of /proc/stat', parse: parseProcStat },
  { name: 'proc-meminfo', input: 'the text of /proc/meminfo (sizes come out in bytes)', parse: parseProcMeminfo },
  { name: 'proc-loadavg', input: 'the text of /proc/loadavg', parse: parseProcLoadavg },
  { name: 'proc-uptime', input: 'the text of /proc/uptime', parse: parseProcUptime },
  { name: 'proc-net-dev', input: 'the text of /proc/net/dev', parse: parseProcNetDev },
  { name: 'df', input: 'the output of df -P -B1 or df -P (block size read from the header; df -PT too)', parse: parseDf },
  { name: 'lsblk', input: 'the output of lsblk -J -b -d -o NAME,TYPE,SIZE,MODEL,SERIAL,ROTA,TRAN', parse: parseLsblk },
  { name: 'ip-addr', input: 'the output of ip -j addr', parse: parseIpAddr },
  {
    name: 'smartctl',
    input: 'the output of smartctl -j -a /dev/X (JSON, smartmontools 7.0+) or smartctl -a /dev/X (text, older ones); result includes a health verdict',
    parse: (text) => {
      const report = parseSmartctl(text);
      return { ...report, health: smartHealth(report) };
    },
  },
  { name: 'uname', input: 'the output of uname -srvm', parse: parseUname },
  { name: 'os-release', input: 'the text of /etc/os-release', parse: parseOsRelease },
];
