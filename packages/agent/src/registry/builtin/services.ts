/**
 * The built-in service-inventory commands. Schedules (node-cron, 5 fields):
 *   list_containers   every minute           ttl 30 s
 *   container_stats   every minute           ttl 30 s  (one docker stats call)
 *   zfs_pools         every 10 min           ttl 10 min
 *   zfs_datasets      every 10 min at :02    ttl 10 min
 *   systemd_services  every 10 min at :04    ttl 10 min
 *   proxy_configs     every 15 min           never cached (ttl 0)
 *   docker_compose    every 15 min at :07    never cached (ttl 0)
 * Offsets keep a host's commands from all starting in the same minute.
 * All retry once; timeouts 20-30 s.
 */
import type { CommandSpec } from '../command-spec.js';
import { listContainersCommand, containerStatsCommand } from './services-docker.js';
import { zfsPoolsCommand, zfsDatasetsCommand } from './services-zfs.js';
import { proxyConfigsCommand } from './services-proxy-configs.js';
import { dockerComposeCommand } from './services-docker-compose.js';
import { systemdServicesCommand } from './services-systemd.js';

export const servicesCommands: readonly CommandSpec[] = [
  listContainersCommand,
  containerStatsCommand,
  zfsPoolsCommand,
  zfsDatasetsCommand,
  proxyConfigsCommand,
  dockerComposeCommand,
  systemdServicesCommand,
];
