/**
 * proxy_configs: the nginx / SWAG reverse-proxy configs on a host, each file
 * parsed on its own (a file that does not parse is reported in its entry
 * and does not fail the command), with a content hash for change detection.
 * Never cached (ttl 0): a read must show the files as they are now.
 */
import type { CommandSpec, ParamValues } from '../command-spec.js';
import { shellQuote } from '../shell-quote.js';
import { splitSections } from '../../parse/sections.js';
import { parseNginxConf, type NginxConf, type NginxLocation } from '../../parse/nginx-conf.js';
import { SECOND_MS, dirsParam, integerParam, listParam } from './services-support.js';
import {
  collectCall,
  collectFunctionScript,
  fileEntry,
  filesOfResult,
  existingDirsScript,
  readCollectedFiles,
  readExistingDirs,
  type FileEntry,
} from './services-file-collect.js';

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

export interface ProxyConfigsResult {
  /** The requested directories that exist on the host. */
  existingDirs: string[];
  files: Array<FileEntry<NginxConf>>;
  /** More than maxFiles files were found; the rest were not read. */
  truncated: boolean;
  /** Every location with a proxy_pass, over all files that parsed. */
  routes: ProxyRoute[];
}

/** `dir/*.conf` and deeper levels up to maxDepth, dir quoted, glob unquoted. */
export function depthGlobs(dirs: readonly string[], names: readonly string[], maxDepth: number): string[] {
  const out: string[] = [];
  for (const raw of dirs) {
    const dir = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    const prefix = dir === '/' ? '' : shellQuote(dir);
    for (let depth = 1; depth <= maxDepth; depth++) {
      for (const name of names) out.push(`${prefix}/${'*/'.repeat(depth - 1)}${name}`);
    }
  }
  return out;
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
    maxDepth: { type: 'integer', min: 1, max: 3, default: 1, description: 'How many directory levels below each dir to look.' },
    maxFiles: { type: 'integer', min: 1, max: 2000, default: 300, description: 'Read at most this many files.' },
    maxFileBytes: { type: 'integer', min: 1024, max: 4 * 1024 * 1024, default: 256 * 1024, description: 'Skip (report, not read) files larger than this.' },
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
    const dirs = listParam(params, 'dirs', DEFAULT_PROXY_DIRS);
    return [
      existingDirsScript(ctx.nonce, dirs),
      collectFunctionScript({
        nonce: ctx.nonce,
        maxFiles: integerParam(params, 'maxFiles', 300),
        maxFileBytes: integerParam(params, 'maxFileBytes', 256 * 1024),
      }),
      // The *.conf glob never matches *.conf.sample.
      collectCall('nginx', depthGlobs(dirs, ['*.conf'], integerParam(params, 'maxDepth', 1))),
    ].join('\n');
  },
  parse({ stdout }): ProxyConfigsResult {
    const sections = splitSections('proxy_configs', stdout);
    const { files, truncated } = readCollectedFiles('proxy_configs', sections);
    const existingDirs = readExistingDirs('proxy_configs', sections);
    const entries = files.map((f) => fileEntry(f, parseNginxConf));
    return { existingDirs, files: entries, truncated, routes: entries.flatMap(routes) };
  },
  files(parsed) {
    return filesOfResult(parsed);
  },
};
