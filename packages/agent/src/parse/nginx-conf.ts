import { parseNginxDirectives, NGINX_CONF_PARSER, type NginxDirective } from './nginx-tokenize.js';
import { parseListen, type NginxListen } from './nginx-listen.js';

export { NGINX_CONF_PARSER };

export interface NginxLocation {
  line: number;
  /** `=`, `~`, `~*`, `^~`, or null for a prefix location; `@` named locations keep the `@` in path. */
  modifier: string | null;
  path: string;
  /** proxy_pass as written, e.g. `$upstream_proto://$upstream_app:$upstream_port`. */
  proxyPass: string | null;
  /**
   * proxy_pass with every variable replaced by its `set` value (server-level
   * sets, overridden by the location's own), e.g. `http://plex:32400`; null
   * when there is no proxy_pass or a variable in it is not set here.
   */
  upstream: string | null;
  /** `set $name value;` in effect here (server level + this location), without the `$`. */
  variables: Record<string, string>;
  includes: string[];
  /** `return` arguments joined, e.g. `301 $scheme://$host/pihole/`. */
  return: string | null;
  locations: NginxLocation[];
}

export interface NginxServer {
  line: number;
  serverNames: string[];
  listen: NginxListen[];
  /** A listen with `ssl`, an `ssl_certificate` or legacy `ssl on;`. */
  ssl: boolean;
  /** A listen with `http2` or the `http2 on;` directive. */
  http2: boolean;
  sslCertificate: string | null;
  includes: string[];
  /** Server-level `set` directives. */
  variables: Record<string, string>;
  /** Server-level proxy_pass (stream servers). */
  proxyPass: string | null;
  return: string | null;
  locations: NginxLocation[];
}

export interface NginxUpstream {
  line: number;
  name: string;
  /** `server` entries as written, e.g. `web1:5000`. */
  servers: string[];
}

export interface NginxConf {
  servers: NginxServer[];
  /** Locations outside any server block (SWAG subfolder confs are included into one). */
  locations: NginxLocation[];
  upstreams: NginxUpstream[];
  /** Every include path, in file order, wherever it appears. */
  includes: string[];
}

const LOCATION_MODIFIERS = new Set(['=', '~', '~*', '^~']);

function directSets(block: readonly NginxDirective[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const d of block) {
    const name = d.args[0];
    if (d.name === 'set' && name !== undefined && name.startsWith('$') && d.args.length >= 2) {
      out.push([name.slice(1), d.args[1] ?? '']);
    }
  }
  return out;
}

function first(block: readonly NginxDirective[], name: string): NginxDirective | undefined {
  return block.find((d) => d.name === name);
}

function includesOf(block: readonly NginxDirective[]): string[] {
  return block.filter((d) => d.name === 'include' && d.args[0] !== undefined).map((d) => d.args[0] ?? '');
}

/** Replace `$name` and `${name}`; null when a variable is left that has no value. */
export function resolveVariables(value: string, vars: ReadonlyMap<string, string>): string | null {
  let unresolved = false;
  const out = value.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const v = vars.get(name);
    if (v === undefined) {
      unresolved = true;
      return whole;
    }
    return v;
  });
  return unresolved ? null : out;
}

function location(d: NginxDirective, inherited: ReadonlyArray<[string, string]>): NginxLocation {
  const block = d.block ?? [];
  const hasModifier = d.args.length >= 2 && LOCATION_MODIFIERS.has(d.args[0] ?? '');
  const vars = new Map<string, string>([...inherited, ...directSets(block)]);
  const proxyPass = first(block, 'proxy_pass')?.args[0] ?? null;
  const ret = first(block, 'return');
  return {
    line: d.line,
    modifier: hasModifier ? d.args[0] ?? null : null,
    path: (hasModifier ? d.args.slice(1) : d.args).join(' '),
    proxyPass,
    upstream: proxyPass === null ? null : resolveVariables(proxyPass, vars),
    variables: Object.fromEntries(vars),
    includes: includesOf(block),
    return: ret ? ret.args.join(' ') : null,
    locations: block.filter((c) => c.name === 'location' && c.block).map((c) => location(c, inherited)),
  };
}

function server(d: NginxDirective): NginxServer {
  const block = d.block ?? [];
  const listen = block.filter((c) => c.name === 'listen').map((c) => parseListen(c.args));
  const serverVars = directSets(block);
  const sslCertificate = first(block, 'ssl_certificate')?.args[0] ?? null;
  const http2Directive = first(block, 'http2')?.args[0] === 'on';
  const ret = first(block, 'return');
  return {
    line: d.line,
    serverNames: block.filter((c) => c.name === 'server_name').flatMap((c) => c.args),
    listen,
    ssl: listen.some((l) => l.ssl) || sslCertificate !== null || first(block, 'ssl')?.args[0] === 'on',
    http2: listen.some((l) => l.http2) || http2Directive,
    sslCertificate,
    includes: includesOf(block),
    variables: Object.fromEntries(serverVars),
    proxyPass: first(block, 'proxy_pass')?.args[0] ?? null,
    return: ret ? ret.args.join(' ') : null,
    locations: block.filter((c) => c.name === 'location' && c.block).map((c) => location(c, serverVars)),
  };
}

function walk(block: readonly NginxDirective[], conf: NginxConf, inServer: boolean): void {
  for (const d of block) {
    if (d.name === 'include' && d.args[0] !== undefined) conf.includes.push(d.args[0]);
    if (!d.block) continue;
    if (d.name === 'server' && !inServer) {
      conf.servers.push(server(d));
      walk(d.block, conf, true);
    } else if (d.name === 'upstream') {
      conf.upstreams.push({
        line: d.line,
        name: d.args[0] ?? '',
        servers: d.block.filter((c) => c.name === 'server').map((c) => c.args[0] ?? ''),
      });
    } else if (d.name === 'location' && !inServer) {
      // Top-level location of an included snippet: record it, do not descend again.
      conf.locations.push(location(d, []));
      walk(d.block, conf, true);
    } else {
      walk(d.block, conf, inServer);
    }
  }
}

/**
 * An nginx config file (a full nginx.conf, a site, or a SWAG proxy-conf)
 * into its server blocks, locations, upstreams and includes. Includes are
 * listed, not followed. Unbalanced braces or a bad token → PARSE_FAILED
 * with the line number. An empty or comment-only file is a valid empty conf.
 */
export function parseNginxConf(text: string): NginxConf {
  const tree = parseNginxDirectives(text);
  const conf: NginxConf = { servers: [], locations: [], upstreams: [], includes: [] };
  walk(tree, conf, false);
  return conf;
}
