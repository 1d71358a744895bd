/** One `listen` directive of a server block. */
export interface NginxListen {
  /** The arguments as written, joined by spaces. */
  raw: string;
  /** null when only a port is given (all addresses); `::` style for IPv6 without brackets. */
  address: string | null;
  /** null for a unix socket; 80 when only an address is given (nginx's default). */
  port: number | null;
  unixSocket: string | null;
  ipv6: boolean;
  ssl: boolean;
  http2: boolean;
  quic: boolean;
  defaultServer: boolean;
  proxyProtocol: boolean;
}

/** `listen 443 ssl;`, `listen [::]:443 ssl http2;`, `listen 127.0.0.1:8080;`, `listen unix:/run/x.sock;`, ... */
export function parseListen(args: readonly string[]): NginxListen {
  const target = args[0] ?? '';
  const flags = new Set(args.slice(1));
  const out: NginxListen = {
    raw: args.join(' '),
    address: null,
    port: null,
    unixSocket: null,
    ipv6: false,
    ssl: flags.has('ssl'),
    http2: flags.has('http2'),
    quic: flags.has('quic') || flags.has('http3'),
    defaultServer: flags.has('default_server') || flags.has('default'),
    proxyProtocol: flags.has('proxy_protocol'),
  };
  let m: RegExpExecArray | null;
  if (target.startsWith('unix:')) {
    out.unixSocket = target.slice('unix:'.length);
  } else if ((m = /^\[([^\]]*)\](?::([0-9]+))?$/.exec(target))) {
    out.address = m[1] ?? '';
    out.ipv6 = true;
    out.port = m[2] === undefined ? 80 : Number(m[2]);
  } else if (/^[0-9]+$/.test(target)) {
    out.port = Number(target);
  } else if ((m = /^(.*):([0-9]+)$/.exec(target))) {
    out.address = m[1] === '*' ? null : m[1] ?? null;
    out.port = Number(m[2]);
  } else if (target !== '') {
    out.address = target === '*' ? null : target;
    out.port = 80;
  }
  return out;
}
