/**
 * A real OpenSSH server for tests: temp host key, temp client key, its own
 * sshd_config, one instance per call on its own 127.0.0.x address and port.
 *
 *   const sshd = await startSshd({ stubs: { docker: 'echo fixture' } });
 *   const host = sshd.hostConfig();            // a HostConfig for the pool
 *   ...
 *   await sshd.stop();
 *
 * - Runs `/usr/sbin/sshd -D -f <cfg> -E <log>` (LogLevel VERBOSE).
 * - As root, sessions log in as a dedicated user (default `infra-test`,
 *   shell /bin/sh, created if missing) — root's .bashrc costs ~120 ms/exec.
 *   Not root: the current user.
 * - PATH and HOME for sessions come from `SetEnv` in sshd_config (verified to
 *   apply to exec sessions on OpenSSH 9.2; a ForceCommand wrapper would make
 *   sshd refuse "signal" channel requests). PATH = stubDir first, then the
 *   system dirs. HOME = a per-instance dir (the login cwd is still the user's
 *   passwd home, shared between instances).
 * - kill() SIGKILLs the listener and every session process (a crash/reboot);
 *   restart() brings it back on the same address/port, optionally with a new
 *   host key; stop() kills and removes the temp files.
 * - Missing sshd: sshdSkipReason() returns why (tests skip visibly), or
 *   throws when CI=true so CI fails instead of skipping.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { HostConfig } from '../../packages/agent/src/config/agent-config.js';

export const SSHD_PATH = process.env.INFRA_TEST_SSHD ?? '/usr/sbin/sshd';
export const TEST_USER = 'infra-test';
const TEST_USER_HOME = '/var/tmp/infra-test-home';

export interface StartSshdOptions {
  /** Default: a random 127.0.0.N. */
  address?: string;
  /** 0 or omitted: pick a free port. */
  port?: number;
  /** Login user. Default infra-test as root, else the current user. */
  user?: string;
  /** Tool name → script content; written executable into a dir first on PATH. */
  stubs?: Record<string, string>;
  /** Path (relative to homeDir, or absolute) → content. */
  files?: Record<string, string>;
  /** Host key type. Default ed25519. */
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** Extra sshd_config lines. */
  extraConfig?: string[];
}

export interface SshdHandle {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Client private key (authorized for `user`). */
  readonly privateKeyPath: string;
  /** "SHA256:..." of the current host key, as ssh-keygen -lf prints it. */
  readonly hostKeyFingerprint: string;
  /** e.g. "ssh-ed25519". */
  readonly hostKeyType: string;
  /** "[127.0.0.N]:port ssh-ed25519 AAAA..." for a known_hosts file. */
  readonly knownHostsLine: string;
  readonly stubDir: string;
  readonly homeDir: string;
  /** The instance's temp dir (config, keys, log). */
  readonly dir: string;
  readonly logPath: string;
  /** sshd listener pid, undefined while stopped. */
  readonly pid: number | undefined;
  /** The sshd log so far. */
  log(): string;
  /** A HostConfig pointing at this server (pinned to the current host key unless overridden). */
  hostConfig(overrides?: Partial<HostConfig>): HostConfig;
  /** The same host as an entry of an agent config's `hosts:` list (YAML, two-space indent, pinned key). */
  hostYaml(name: string): string;
  /** PIDs of every process under the listener (connection handlers, sessions). */
  descendantPids(): number[];
  /** SIGKILL the listener and all sessions; restart() brings it back. */
  kill(): Promise<void>;
  /** kill() (if running) and start again on the same address/port. */
  restart(options?: { newHostKey?: boolean }): Promise<void>;
  /** kill() and remove the temp files. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Why real-sshd tests cannot run here, or undefined when they can.
 * With CI=true a missing prerequisite throws: CI must fail, not skip.
 */
export function sshdSkipReason(): string | undefined {
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = `the sshd harness needs Linux (have ${process.platform})`;
  else if (!existsSync(SSHD_PATH)) reason = `${SSHD_PATH} not found (apt-get install openssh-server)`;
  else if (!hasCommand('ssh-keygen')) reason = 'ssh-keygen not found (apt-get install openssh-client)';
  if (reason && process.env.CI === 'true') {
    throw new Error(`real-sshd tests cannot run: ${reason}. CI=true, so this is a failure, not a skip.`);
  }
  return reason;
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Generate an ed25519 key pair without passphrase. */
export function generateKeyPair(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): { privateKeyPath: string; publicKeyLine: string } {
  const privateKeyPath = join(dir, name);
  rmSync(privateKeyPath, { force: true });
  rmSync(`${privateKeyPath}.pub`, { force: true });
  const args = ['-q', '-t', type, '-N', '', '-C', `infra-test-${name}`, '-f', privateKeyPath];
  if (type === 'rsa') args.splice(2, 0, '-b', '2048');
  execFileSync('ssh-keygen', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return { privateKeyPath, publicKeyLine: readFileSync(`${privateKeyPath}.pub`, 'utf8').trim() };
}

/** "SHA256:..." of a public key file, from ssh-keygen itself. */
export function fingerprintOfPublicKeyFile(path: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path], { encoding: 'utf8' });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${out}`);
  return fp;
}

/** Hash every host name of a known_hosts file in place with OpenSSH itself (ssh-keygen -H). */
export function hashKnownHostsFile(path: string): void {
  execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
  rmSync(`${path}.old`, { force: true });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function userIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Create the login user if missing (parallel workers may race: re-check and retry). */
async function ensureUser(user: string): Promise<{ uid: number; gid: number }> {
  for (let i = 0; i < 20; i++) {
    const ids = userIds(user);
    if (ids) {
      if (user === TEST_USER) {
        mkdirSync(TEST_USER_HOME, { recursive: true, mode: 0o755 });
        chownSync(TEST_USER_HOME, ids.uid, ids.gid);
      }
      return ids;
    }
    try {
      // '*' (not '!'): with UsePAM no, sshd refuses accounts whose password is locked with '!'.
      execFileSync('useradd', ['--system', '-M', '-d', TEST_USER_HOME, '-s', '/bin/sh', '-p', '*', user], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      await sleepMs(100 + Math.random() * 200); // another worker holds the passwd lock
    }
  }
  throw new Error(`could not create the test user ${user}`);
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    // Wait for the SSH banner so we know it is sshd and not a stale listener.
    s.once('data', (d: Buffer) => done(d.toString('latin1').startsWith('SSH-')));
    s.once('error', () => done(false));
  });
}

/** Every descendant of pid, from /proc. */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ...; comm may contain spaces/parens.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(after[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

export async function startSshd(options: StartSshdOptions = {}): Promise<SshdHandle> {
  const skip = sshdSkipReason();
  if (skip) throw new Error(`cannot start sshd: ${skip}`);
  const root = isRoot();
  if (root) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  const user = options.user ?? (root ? TEST_USER : userInfo().username);
  const ids = root ? await ensureUser(user) : undefined;

  const dir = mkdtempSync(join(tmpdir(), 'infra-sshd-'));
  chmodSync(dir, 0o755); // the login user must reach stubDir
  const stubDir = join(dir, 'stubs');
  const homeDir = join(dir, 'home');
  mkdirSync(stubDir, { mode: 0o755 });
  mkdirSync(homeDir, { mode: 0o755 });
  if (ids) chownSync(homeDir, ids.uid, ids.gid);
  for (const [name, content] of Object.entries(options.stubs ?? {})) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bad stub name ${name}`);
    const body = content.startsWith('#!') ? content : `#!/bin/sh\n${content}`;
    writeFileSync(join(stubDir, name), body.endsWith('\n') ? body : `${body}\n`, { mode: 0o755 });
    chmodSync(join(stubDir, name), 0o755);
  }
  for (const [rel, content] of Object.entries(options.files ?? {})) {
    const path = isAbsolute(rel) ? rel : join(homeDir, rel);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(path, content, { mode: 0o644 });
    if (ids) chownSync(path, ids.uid, ids.gid);
  }

  const hostKeyType = options.hostKeyType ?? 'ed25519';
  const client = generateKeyPair(dir, 'client_key');
  writeFileSync(join(dir, 'authorized_keys'), `${client.publicKeyLine}\n`, { mode: 0o644 });
  chmodSync(join(dir, 'authorized_keys'), 0o644);

  const hostKeyPath = join(dir, 'host_key');
  let hostKeyFingerprint = '';
  let hostKeyLine = '';
  const makeHostKey = (): void => {
    const k = generateKeyPair(dir, 'host_key', hostKeyType);
    hostKeyLine = k.publicKeyLine.split(/\s+/).slice(0, 2).join(' ');
    hostKeyFingerprint = fingerprintOfPublicKeyFile(`${hostKeyPath}.pub`);
  };
  makeHostKey();

  const address = options.address ?? `127.0.0.${2 + Math.floor(Math.random() * 250)}`;
  let port = options.port ?? 0;
  const logPath = join(dir, 'sshd.log');
  const configPath = join(dir, 'sshd_config');

  const writeConfig = (): void => {
    const lines = [
      `ListenAddress ${address}`,
      `Port ${port}`,
      `HostKey ${hostKeyPath}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'MaxStartups 100',
      'MaxSessions 32',
      'LogLevel VERBOSE',
      `AllowUsers ${user}`,
      `SetEnv PATH=${stubDir}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin HOME=${homeDir}`,
      ...(options.extraConfig ?? []),
    ];
    writeFileSync(configPath, `${lines.join('\n')}\n`, { mode: 0o644 });
  };

  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;
  const exitHook = (): void => {
    if (proc?.pid !== undefined) {
      for (const p of descendantsOf(proc.pid)) signal(p, 'SIGKILL');
      signal(proc.pid, 'SIGKILL');
    }
  };
  process.on('exit', exitHook);

  const readLog = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };

  /** `mayMovePort`: only the first start may pick another free port after a bind race. */
  const launch = async (mayMovePort: boolean): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (port === 0 || (attempt > 1 && mayMovePort)) port = await freePort(address);
      writeConfig();
      const child = spawn(SSHD_PATH, ['-D', '-f', configPath, '-E', logPath], { stdio: 'ignore' });
      let gone = false;
      exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          gone = true;
          resolve();
        });
        child.once('error', () => {
          gone = true;
          resolve();
        });
      });
      proc = child;
      const deadline = Date.now() + 10_000;
      while (!gone && Date.now() < deadline) {
        if (await canConnect(address, port)) return;
        await sleepMs(20);
      }
      const log = readLog();
      exitHook();
      await exited;
      proc = undefined;
      if (attempt < 3 && mayMovePort && /Address already in use|Bind to port/i.test(log)) continue;
      throw new Error(`sshd did not start on ${address}:${port}:\n${log.split('\n').slice(-20).join('\n')}`);
    }
  };

  const kill = async (): Promise<void> => {
    const p = proc;
    if (!p || p.pid === undefined) return;
    const pid = p.pid;
    // Freeze the tree first so nothing forks while we collect it, then SIGKILL all.
    signal(pid, 'SIGSTOP');
    let all = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const now = descendantsOf(pid);
      for (const d of now) signal(d, 'SIGSTOP');
      const before = all.size;
      for (const d of now) all.add(d);
      if (all.size === before && i > 0) break;
    }
    for (const d of all) signal(d, 'SIGKILL');
    signal(pid, 'SIGKILL');
    await exited;
    proc = undefined;
    // Wait (bounded) until the killed session processes are really gone.
    for (let i = 0; i < 100 && [...all].some((d) => existsSync(`/proc/${d}`) && !isZombie(d)); i++) await sleepMs(10);
  };

  await launch(options.port === undefined || options.port === 0);

  const handle: SshdHandle = {
    address,
    get port() {
      return port;
    },
    user,
    privateKeyPath: client.privateKeyPath,
    get hostKeyFingerprint() {
      return hostKeyFingerprint;
    },
    get hostKeyType() {
      return hostKeyLine.split(' ')[0] ?? '';
    },
    get knownHostsLine() {
      return `${port === 22 ? address : `[${address}]:${port}`} ${hostKeyLine}`;
    },
    stubDir,
    homeDir,
    dir,
    logPath,
    get pid() {
      return proc?.pid;
    },
    log: readLog,
    hostConfig(overrides: Partial<HostConfig> = {}): HostConfig {
      return {
        name: `sshd-${address}-${port}`,
        transport: 'ssh',
        address,
        port,
        user,
        privateKeyPath: client.privateKeyPath,
        hostKey: hostKeyFingerprint,
        hostKeyPolicy: 'strict',
        tags: [],
        commands: {},
        ...overrides,
      };
    },
    hostYaml(name: string): string {
      return [
        `  - name: ${name}`,
        `    address: ${address}`,
        `    port: ${port}`,
        `    user: ${user}`,
        `    privateKeyPath: ${client.privateKeyPath}`,
        `    hostKey: "${hostKeyFingerprint}"`,
      ].join('\n');
    },
    descendantPids(): number[] {
      return proc?.pid !== undefined ? descendantsOf(proc.pid) : [];
    },
    kill,
    async restart(opts: { newHostKey?: boolean } = {}): Promise<void> {
      if (stopped) throw new Error('sshd harness was stopped');
      await kill();
      if (opts.newHostKey) makeHostKey();
      await launch(false);
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await kill();
      process.removeListener('exit', exitHook);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
