/**
 * proxy_configs: the nginx / SWAG reverse-proxy configs on a host, each file
 * parsed on its own (a file that does not parse is reported in its entry
 * and does not fail the command), with a content hash for change detection.
 * Never cached (ttl 0): a read must show the files as they are now.
 */
import type { CommandSpec, ParamValues } from '../command-spec.js';
import { parseNginxConf, type NginxConf, type NginxLocation } from '../../parse/nginx-conf.js';
import { SECOND_MS, dirsParam } from './services-support.js';
import { filesOfResult, type FileEntry } from './services-file-collect.js';
import { dirScanScript, fileLimitParams, readDirScan, type DirScan, type DirScanResult } from './services-dir-scan.js';

export const DEFAULT_PROXY_DIRS: readonly string[] = [
  '/config/nginx/proxy-confs', // inside the SWAG container
  '/config/nginx/site-confs',
  '/opt/appdata/swag/nginx/proxy-confs', // SWAG appdata on the host
  '/opt/appdata/swag/nginx/site-confs',
  '/mnt/user/appdata/swag/nginx/proxy-confs', // Unraid
  '/mnt/user/appdata/swag/nginx/site-confs',
  '/etc/nginx/conf.d',
  '/etc/nginx/sites-enabled',
];

export interface ProxyRoute {
  path: string;
  serverNames: string[];
  /** Location path with its modifier, e.g. "^~ /grafana/". */
  location: string;
  /** The concrete upstream URL, when it could be resolved. */
  upstream: string | null;
}

const PROXY_SCAN: DirScan = {
  group: 'nginx',
  // The *.conf glob never matches *.conf.sample.
  fileNames: ['*.conf'],
  dirs: DEFAULT_PROXY_DIRS,
  maxDepth: 1,
  maxFiles: 300,
  maxFileBytes: 256 * 1024,
};

export interface ProxyConfigsResult extends DirScanResult<NginxConf> {
  /** Every location with a proxy_pass, over all files that parsed. */
  routes: ProxyRoute[];
}

function routes(entry: FileEntry<NginxConf>): ProxyRoute[] {
  const conf = entry.parsed;
  if (!conf) return [];
  const out: ProxyRoute[] = [];
  const visit = (locations: readonly NginxLocation[], serverNames: string[]): void => {
    for (const l of locations) {
      if (l.proxyPass !== null) {
        out.push({ path: entry.path, serverNames, location: l.modifier ? `${l.modifier} ${l.path}` : l.path, upstream: l.upstream });
      }
      visit(l.locations, serverNames);
    }
  };
  visit(conf.locations, []);
  for (const s of conf.servers) visit(s.locations, s.serverNames);
  return out;
}

export const proxyConfigsCommand: CommandSpec = {
  name: 'proxy_configs',
  description: 'nginx / SWAG reverse-proxy configs (*.conf, not *.sample): server names, listens, TLS, locations and their resolved upstreams, with a hash per file.',
  params: {
    dirs: dirsParam('Directories to read *.conf files from (missing ones are skipped).', DEFAULT_PROXY_DIRS),
    maxDepth: { type: 'integer', min: 1, max: 3, default: PROXY_SCAN.maxDepth, description: 'How many directory levels below each dir to look.' },
    ...fileLimitParams(PROXY_SCAN, { maxFiles: 2000, maxFileBytes: 4 * 1024 * 1024 }),
  },
  defaults: {
    // Every 15 minutes: proxy confs change by hand, and files() hashes catch the change.
    schedule: '*/15 * * * *',
    ttlMs: 0,
    timeoutMs: 20 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(params: ParamValues, ctx) {
    return dirScanScript(PROXY_SCAN, params, ctx.nonce);
  },
  parse({ stdout }): ProxyConfigsResult {
    const scan = readDirScan('proxy_configs', stdout, parseNginxConf);
    return { ...scan, routes: scan.files.flatMap(routes) };
  },
  files(parsed) {
    return filesOfResult(parsed);
  },
};
