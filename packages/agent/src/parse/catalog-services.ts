import type { ParserDef } from './parser-def.js';
import { parseDockerPs } from './docker-ps.js';
import { parseDockerStats } from './docker-stats.js';
import { parseZpoolList } from './zpool-list.js';
import { parseZpoolStatus } from './zpool-status.js';
import { parseZfsList } from './zfs-list.js';
import { parseNginxConf } from './nginx-conf.js';
import { parseComposeFile } from './compose-file.js';
import { parseSystemdUnit } from './systemd-unit.js';
import { parseSystemctlUnits } from './systemctl-units.js';

/** Parsers for containers, ZFS, reverse-proxy, compose and systemd inputs. */
export const servicesParsers: readonly ParserDef[] = [
  {
    name: 'docker-ps',
    input: "JSON lines of `docker ps -a --no-trunc --format '{{json .}}'`",
    parse: parseDockerPs,
  },
  {
    name: 'docker-stats',
    input: "JSON lines of `docker stats --no-stream --no-trunc --format '{{json .}}'`",
    parse: parseDockerStats,
  },
  {
    name: 'zpool-list',
    input: '`zpool list -Hp` (tab-separated; the human table with a NAME header and -v vdev rows are read too)',
    parse: parseZpoolList,
  },
  {
    name: 'zpool-status',
    input: 'the text of `zpool status` (optionally -v), one or more pools',
    parse: parseZpoolStatus,
  },
  {
    name: 'zfs-list',
    input: '`zfs list -Hp -o name,used,avail,refer,mountpoint` (tab-separated)',
    parse: parseZfsList,
  },
  {
    name: 'nginx-conf',
    input: 'one nginx config file: nginx.conf, a site, or a SWAG proxy-conf',
    parse: parseNginxConf,
  },
  {
    name: 'compose-file',
    input: 'a docker compose file (compose.yaml, docker-compose.yml)',
    parse: parseComposeFile,
  },
  {
    name: 'systemd-unit',
    input: 'a systemd unit file or drop-in (.service, .socket, .timer, ... / .conf)',
    parse: parseSystemdUnit,
  },
  {
    name: 'systemctl-units',
    input: '`systemctl list-units --output=json`, or its plain/legacy table (header, ● markers, ANSI colours, legend)',
    parse: parseSystemctlUnits,
  },
];
