// deploy/: the systemd units pass `systemd-analyze verify` and keep their
// hardening; the install scripts, run against a scratch root (--root), create
// what they should, are idempotent, change nothing under --dry-run, and
// uninstall without (or, with --purge, with) the data.
//
// Tools: systemd-analyze, ssh-keygen, openssl. A missing one fails the test
// under CI=true and skips it (with the reason) otherwise.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LIMITS_DEFAULTS as AGENT_LIMITS } from '../../packages/agent/src/config/validate-sections.js';
import { LIMITS_DEFAULTS as HUB_LIMITS } from '../../packages/hub/src/config/hub-config.js';

const root = resolve(import.meta.dirname, '../..');
const deploy = join(root, 'deploy');
const AGENT_BIN = join(root, 'packages/agent/bin/infra-agent.js');
const HUB_BIN = join(root, 'packages/hub/bin/infra-hub.js');
const CI = process.env['CI'] === 'true';

function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Skip (with the reason) when a tool is missing; under CI=true that is a failure. */
function requireTool(tool: string, skip: (note: string) => never): void {
  if (which(tool) !== undefined) return;
  const reason = `${tool} is not installed on this machine`;
  if (CI) throw new Error(`${reason}; CI=true requires it`);
  console.warn(`skipped: ${reason}`);
  skip(reason);
}

const scratch: string[] = [];
function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, all: `${r.stdout}${r.stderr}` };
}

const installAgent = (args: readonly string[]) => run('sh', [join(deploy, 'install-agent.sh'), ...args]);
const installHub = (args: readonly string[]) => run('sh', [join(deploy, 'install-hub.sh'), ...args]);

/** Every path under dir: type, mode, and a hash of the content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const abs = join(dir, rel);
    const st = lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out[rel || '.'] = `dir ${mode}`;
      for (const name of readdirSync(abs).sort()) walk(rel ? `${rel}/${name}` : name);
    } else {
      out[rel] = `file ${mode} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
    }
  };
  walk('');
  return out;
}

const mode = (path: string): string => (statSync(path).mode & 0o7777).toString(8);

// ---- unit files ----

/** `Key=value` lines of a unit file (comments and sections dropped), in order. */
function directives(text: string): [string, string][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';') && !l.startsWith('['))
    .map((l) => {
      const i = l.indexOf('=');
      return [l.slice(0, i), l.slice(i + 1)] as [string, string];
    });
}

function value(d: [string, string][], key: string): string | undefined {
  return d.filter(([k]) => k === key).at(-1)?.[1];
}

const UNITS = [
  {
    name: 'infra-agent',
    file: 'deploy/infra-agent.service',
    bin: 'packages/agent/bin/infra-agent.js',
    config: '/etc/infra-agent/agent.yaml',
    // link close (requests) + service close (collections), each up to
    // shutdownTimeoutMs, plus 2 s close grace and 5 s + 5 s transport teardown.
    worstStopMs: 2 * AGENT_LIMITS.shutdownTimeoutMs + 12_000,
  },
  {
    name: 'infra-hub',
    file: 'deploy/infra-hub.service',
    bin: 'packages/hub/bin/infra-hub.js',
    config: '/etc/infra-hub/hub.yaml',
    worstStopMs: HUB_LIMITS.shutdownTimeoutMs,
  },
] as const;

describe.each(UNITS)('$file', (unit) => {
  const path = join(root, unit.file);
  const text = readFileSync(path, 'utf8');
  const d = directives(text);

  it('runs node on the installed bin as a dedicated user, with state and config directories', () => {
    expect(value(d, 'User')).toBe(unit.name);
    expect(value(d, 'Group')).toBe(unit.name);
    expect(value(d, 'ExecStart')).toBe(`/usr/bin/node /opt/infrastructor/${unit.bin} run --config ${unit.config}`);
    expect(existsSync(join(root, unit.bin)), 'the bin the unit starts exists in the repository').toBe(true);
    expect(value(d, 'StateDirectory')).toBe(unit.name);
    expect(value(d, 'ConfigurationDirectory')).toBe(unit.name);
    // One assignment per line, quoted when it holds a space (systemd splits unquoted values at spaces).
    const environment = d.filter(([k]) => k === 'Environment').map(([, v]) => (/^".*"$/.test(v) ? v.slice(1, -1) : v));
    expect(environment).toContain('NODE_ENV=production');
    // The agent's young generation is capped (its RSS target); the hub runs with V8's defaults.
    expect(environment.filter((v) => v.startsWith('NODE_OPTIONS='))).toEqual(unit.name === 'infra-agent' ? ['NODE_OPTIONS=--max-semi-space-size=2 --v8-pool-size=1'] : []);
    expect(value(d, 'Restart')).toBe('on-failure');
    expect(value(d, 'RestartSec')).toBe('5');
    // Exit 2 = configuration error (both CLIs): no restart loop.
    expect(value(d, 'RestartPreventExitStatus')).toBe('2');
    expect(value(d, 'KillSignal')).toBe('SIGTERM');
    expect(value(d, 'WantedBy')).toBe('multi-user.target');
    // Both reload their configuration on SIGHUP (systemctl reload).
    expect(value(d, 'ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('gives the daemon longer to stop than its own shutdown deadline', () => {
    const stopSec = Number(value(d, 'TimeoutStopSec'));
    expect(stopSec * 1000).toBeGreaterThan(unit.worstStopMs);
    expect(stopSec).toBeLessThanOrEqual(90);
  });

  it('is sandboxed, leaves W^X memory alone (V8 JIT) and only the state directory writable', () => {
    const want: Record<string, string> = {
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
      RestrictNamespaces: 'yes',
      CapabilityBoundingSet: '',
    };
    for (const [k, v] of Object.entries(want)) expect(value(d, k), k).toBe(v);
    expect(value(d, 'MemoryDenyWriteExecute')).toBeUndefined();
    expect(value(d, 'ReadWritePaths')).toBeUndefined();
    expect(value(d, 'DynamicUser')).toBeUndefined();
    const families = (value(d, 'RestrictAddressFamilies') ?? '').split(/\s+/);
    expect(families).toEqual(expect.arrayContaining(['AF_UNIX', 'AF_INET', 'AF_INET6']));
    // The agent's `ip -j addr` (transport: local) needs netlink; the hub does not.
    if (unit.name === 'infra-agent') expect(families).toContain('AF_NETLINK');
    else expect(families).not.toContain('AF_NETLINK');
    // Every hardening directive has a comment above it (in its group).
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('# ---- Sandboxing'));
    expect(start).toBeGreaterThan(0);
    for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('['); i++) {
      const l = lines[i]!;
      if (l === '' || l.startsWith('#')) continue;
      let j = i - 1;
      while (j > start && lines[j] !== '' && !lines[j]!.startsWith('#')) j--;
      expect(lines[j]!.startsWith('#'), `no comment above ${l}`).toBe(true);
    }
  });

  it('passes systemd-analyze verify (and security, where available)', ({ skip }) => {
    requireTool('systemd-analyze', skip);
    // verify wants the ExecStart binary to exist: run the copy with this
    // node and a script of the same name in a scratch folder. User= need
    // not exist for verify.
    const dir = tmp('infra-unit-');
    const script = join(dir, unit.bin.split('/').at(-1)!);
    writeFileSync(script, '// stand-in for the installed bin\n');
    const copy = join(dir, `${unit.name}.service`);
    writeFileSync(copy, text.replace(/^ExecStart=\S+ \S+/m, `ExecStart=${process.execPath} ${script}`));
    const r = run('systemd-analyze', ['verify', '--man=no', '--generators=no', copy], { SYSTEMD_LOG_COLOR: '0' });
    // Bad keys or values are warnings on stderr with exit 0: look at those
    // lines too (other units on this machine may add their own; ignore them).
    const ours = r.err.split('\n').filter((l) => l.includes(`${unit.name}.service`));
    expect({ code: r.code, ours }, r.all).toEqual({ code: 0, ours: [] });

    // Control: the same check sees a misspelt key.
    const bad = join(dir, 'sub');
    spawnSync('mkdir', [bad]);
    writeFileSync(join(bad, `${unit.name}.service`), readFileSync(copy, 'utf8').replace('PrivateTmp=yes', 'PrivateTemp=yes'));
    const b = run('systemd-analyze', ['verify', '--man=no', '--generators=no', join(bad, `${unit.name}.service`)]);
    expect(b.err).toMatch(/Unknown key 'PrivateTemp'/);

    // Exposure score (0-100 scale for --threshold); `--offline` came with systemd 250.
    const help = run('systemd-analyze', ['security', '--help']);
    if (help.all.includes('--offline')) {
      const s = run('systemd-analyze', ['security', '--offline=true', '--threshold=40', '--no-pager', copy]);
      expect(s.code, s.all).toBe(0);
    } else {
      console.warn('systemd-analyze security --offline is not supported here (systemd < 250): exposure not checked');
    }
  });
});

// ---- install scripts ----

beforeAll(() => {
  // The scripts' configs are validated with the built CLIs (check-config).
  const built = [join(root, 'packages/agent/dist/main.js'), join(root, 'packages/hub/dist/main.js')];
  if (!built.every(existsSync)) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/shared', 'packages/agent', 'packages/hub'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
}, 180_000);

describe('deploy/install-agent.sh', () => {
  it('prints usage with --help and refuses unknown options and a new config without --site', () => {
    const h = installAgent(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--root DIR/);
    expect(h.out).toMatch(/--uninstall/);
    expect(installAgent(['--bogus']).code).toBe(2);
    const dir = tmp('infra-root-');
    const r = installAgent(['--root', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--site NAME is required/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('installs into a scratch root, idempotently; --dry-run changes nothing; uninstall keeps the data unless --purge', ({ skip }) => {
    requireTool('ssh-keygen', skip);
    const dir = tmp('infra-root-');
    const aux = tmp('infra-aux-');
    const tokenFile = join(aux, 'token');
    writeFileSync(tokenFile, `${'a1'.repeat(32)}\n`);
    const caFile = join(aux, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const args = ['--root', dir, '--site', 'lab', '--host-name', 'agent-box', '--hub-url', 'wss://hub.lan:7400/agent', '--hub-token-file', tokenFile, '--hub-ca', caFile];

    // --dry-run on an empty root: prints the plan, creates nothing.
    const dry = installAgent([...args, '--dry-run']);
    expect(dry.code, dry.all).toBe(0);
    expect(dry.out).toMatch(/would generate the SSH key \/etc\/infra-agent\/ssh\/id_ed25519/);
    expect(dry.out).toMatch(/would write \/etc\/systemd\/system\/infra-agent\.service/);
    expect(readdirSync(dir)).toEqual([]);

    // First run.
    const first = installAgent(args);
    expect(first.code, first.all).toBe(0);
    expect(first.out).toMatch(/would run \(not under --root\): useradd --system .*infra-agent/);
    expect(first.out).toMatch(/would run \(not under --root\): systemctl daemon-reload/);
    expect(first.out).toMatch(/would run \(not under --root\): systemctl enable --now infra-agent\.service/);

    const at = (p: string) => join(dir, p);
    // The unit, byte for byte (default prefix and node).
    expect(readFileSync(at('etc/systemd/system/infra-agent.service'), 'utf8')).toBe(readFileSync(join(deploy, 'infra-agent.service'), 'utf8'));
    expect(mode(at('etc/systemd/system/infra-agent.service'))).toBe('644');
    expect(mode(at('etc/infra-agent'))).toBe('750');
    expect(mode(at('etc/infra-agent/ssh'))).toBe('700');
    expect(mode(at('var/lib/infra-agent'))).toBe('750');
    expect(readdirSync(at('var/lib/infra-agent'))).toEqual([]);
    // The key: ed25519, no passphrase, 0600; the public half is printed with
    // the authorized_keys line.
    const key = at('etc/infra-agent/ssh/id_ed25519');
    expect(mode(key)).toBe('600');
    const pub = readFileSync(`${key}.pub`, 'utf8').trim();
    expect(pub).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ infra-agent@lab$/);
    const derived = run('ssh-keygen', ['-y', '-P', '', '-f', key]);
    expect(derived.code, derived.all).toBe(0);
    expect(derived.out.trim().split(' ').slice(0, 2)).toEqual(pub.split(' ').slice(0, 2));
    expect(first.out).toContain(`restrict ${pub}`);
    // Token and CA.
    expect(readFileSync(at('etc/infra-agent/hub-token'), 'utf8')).toBe(`${'a1'.repeat(32)}\n`);
    expect(mode(at('etc/infra-agent/hub-token'))).toBe('640');
    expect(readFileSync(at('etc/infra-agent/hub-ca.pem'), 'utf8')).toBe(readFileSync(caFile, 'utf8'));
    // The config: real (unprefixed) paths, and valid for the agent.
    const config = at('etc/infra-agent/agent.yaml');
    expect(mode(config)).toBe('640');
    const yaml = readFileSync(config, 'utf8');
    expect(yaml).toMatch(/^site: lab$/m);
    expect(yaml).toContain('defaultPrivateKeyPath: /etc/infra-agent/ssh/id_ed25519');
    expect(yaml).toContain('path: /var/lib/infra-agent/infra-agent.db');
    expect(yaml).toContain('url: wss://hub.lan:7400/agent');
    expect(yaml).toContain('tokenFile: /etc/infra-agent/hub-token');
    expect(yaml).toContain('caFile: /etc/infra-agent/hub-ca.pem');
    expect(yaml).not.toContain(dir);
    const check = run(process.execPath, [AGENT_BIN, 'check-config', '--config', config]);
    expect(check.code, check.all).toBe(0);
    expect(check.out).toMatch(/hub: wss:\/\/hub\.lan:7400\/agent as agent lab/);
    expect(check.out).toMatch(/agent-box\s+local\s+-\s+drive_health\s+disabled/);

    // Second run: nothing to do, every byte and mode the same.
    const before = snapshot(dir);
    const second = installAgent(args);
    expect(second.code, second.all).toBe(0);
    expect(second.out).toMatch(/nothing to do: infra-agent is installed and up to date/);
    expect(second.out).not.toMatch(/would run/);
    expect(snapshot(dir)).toEqual(before);

    // --dry-run on the installed root: nothing to do, nothing changed.
    const dry2 = installAgent([...args, '--dry-run']);
    expect(dry2.code, dry2.all).toBe(0);
    expect(dry2.out).toMatch(/nothing to do/);
    expect(snapshot(dir)).toEqual(before);

    // A drifted mode is repaired (and reported); a new token replaces the old,
    // the config stays as it is.
    spawnSync('chmod', ['0644', key]);
    writeFileSync(tokenFile, `${'b2'.repeat(32)}\n`);
    const rotate = installAgent(args);
    expect(rotate.code, rotate.all).toBe(0);
    expect(rotate.out).toMatch(/chmod 0600 \/etc\/infra-agent\/ssh\/id_ed25519 \(was 644\)/);
    expect(rotate.out).toMatch(/update \/etc\/infra-agent\/hub-token/);
    expect(mode(key)).toBe('600');
    expect(readFileSync(at('etc/infra-agent/hub-token'), 'utf8')).toBe(`${'b2'.repeat(32)}\n`);
    expect(readFileSync(config, 'utf8')).toBe(yaml);
    const installed = snapshot(dir);

    // --uninstall --dry-run: plan only.
    const udry = installAgent(['--root', dir, '--uninstall', '--dry-run']);
    expect(udry.code, udry.all).toBe(0);
    expect(udry.out).toMatch(/would remove \/etc\/systemd\/system\/infra-agent\.service/);
    expect(snapshot(dir)).toEqual(installed);

    // --uninstall: the unit goes; database folder, config and key stay.
    const un = installAgent(['--root', dir, '--uninstall']);
    expect(un.code, un.all).toBe(0);
    expect(un.out).toMatch(/would run \(not under --root\): userdel infra-agent/);
    expect(existsSync(at('etc/systemd/system/infra-agent.service'))).toBe(false);
    for (const kept of ['var/lib/infra-agent', 'etc/infra-agent/agent.yaml', 'etc/infra-agent/ssh/id_ed25519', 'etc/infra-agent/hub-token']) {
      expect(existsSync(at(kept)), kept).toBe(true);
    }
    expect(installAgent(['--root', dir, '--uninstall']).out).toMatch(/nothing to do: infra-agent is not installed/);

    // Reinstall reuses the kept key and config.
    const again = installAgent(args);
    expect(again.code, again.all).toBe(0);
    expect(readFileSync(`${key}.pub`, 'utf8').trim()).toBe(pub);
    expect(snapshot(dir)).toEqual(installed);

    // --uninstall --purge: the data goes too.
    const purge = installAgent(['--root', dir, '--uninstall', '--purge']);
    expect(purge.code, purge.all).toBe(0);
    for (const gone of ['etc/systemd/system/infra-agent.service', 'var/lib/infra-agent', 'etc/infra-agent']) {
      expect(existsSync(at(gone)), gone).toBe(false);
    }
    expect(installAgent(['--root', dir, '--uninstall', '--purge']).out).toMatch(/nothing to do/);
  });

  it('writes a stand-alone config without hub flags, and honours --prefix and --node in the unit', ({ skip }) => {
    requireTool('ssh-keygen', skip);
    const dir = tmp('infra-root-');
    const r = installAgent(['--root', dir, '--site', 'solo', '--prefix', '/srv/infra/', '--node', '/usr/local/bin/node']);
    expect(r.code, r.all).toBe(0);
    const unit = readFileSync(join(dir, 'etc/systemd/system/infra-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/node \/srv\/infra\/packages\/agent\/bin\/infra-agent\.js run --config \/etc\/infra-agent\/agent\.yaml$/m);
    const config = join(dir, 'etc/infra-agent/agent.yaml');
    expect(readFileSync(config, 'utf8')).not.toMatch(/^hub:/m);
    expect(existsSync(join(dir, 'etc/infra-agent/hub-token'))).toBe(false);
    const check = run(process.execPath, [AGENT_BIN, 'check-config', '--config', config]);
    expect(check.code, check.all).toBe(0);
  });
});

describe('deploy/install-hub.sh', () => {
  it('installs a hub with a self-signed certificate into a scratch root, idempotently, and uninstalls it', ({ skip }) => {
    requireTool('openssl', skip);
    const dir = tmp('infra-root-');
    const at = (p: string) => join(dir, p);
    const args = ['--root', dir, '--self-signed', 'hub.lan,192.168.1.5'];

    const dry = installHub([...args, '--dry-run']);
    expect(dry.code, dry.all).toBe(0);
    expect(dry.out).toMatch(/would generate a self-signed certificate/);
    expect(readdirSync(dir)).toEqual([]);

    const first = installHub(args);
    expect(first.code, first.all).toBe(0);
    expect(readFileSync(at('etc/systemd/system/infra-hub.service'), 'utf8')).toBe(readFileSync(join(deploy, 'infra-hub.service'), 'utf8'));
    expect(mode(at('etc/infra-hub/tls/hub.key'))).toBe('640');
    expect(mode(at('etc/infra-hub/tls/hub.crt'))).toBe('644');
    expect(mode(at('var/lib/infra-hub'))).toBe('750');
    const san = run('openssl', ['x509', '-in', at('etc/infra-hub/tls/hub.crt'), '-noout', '-text']);
    expect(san.out).toMatch(/DNS:hub\.lan, IP Address:192\.168\.1\.5/);
    const config = at('etc/infra-hub/hub.yaml');
    const check = run(process.execPath, [HUB_BIN, 'check-config', '--config', config]);
    expect(check.code, check.all).toBe(0);
    expect(check.out).toMatch(/listen\s+0\.0\.0\.0:7400 \(TLS, cert \/etc\/infra-hub\/tls\/hub\.crt\)/);
    expect(check.out).toMatch(/storage\s+\/var\/lib\/infra-hub\/infra-hub\.db/);

    const before = snapshot(dir);
    const second = installHub(args);
    expect(second.code, second.all).toBe(0);
    expect(second.out).toMatch(/nothing to do: infra-hub is installed and up to date/);
    expect(snapshot(dir)).toEqual(before);

    // A renewed certificate given with --tls-cert/--tls-key replaces the installed one.
    const aux = tmp('infra-aux-');
    copyFileSync(at('etc/infra-hub/tls/hub.crt'), join(aux, 'c.pem'));
    copyFileSync(at('etc/infra-hub/tls/hub.key'), join(aux, 'k.pem'));
    const renewed = run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=hub.lan', '-keyout', join(aux, 'k2.pem'), '-out', join(aux, 'c2.pem')]);
    expect(renewed.code, renewed.all).toBe(0);
    const swap = installHub(['--root', dir, '--tls-cert', join(aux, 'c2.pem'), '--tls-key', join(aux, 'k2.pem')]);
    expect(swap.code, swap.all).toBe(0);
    expect(swap.out).toMatch(/update \/etc\/infra-hub\/tls\/hub\.crt/);
    expect(readFileSync(at('etc/infra-hub/tls/hub.key'), 'utf8')).toBe(readFileSync(join(aux, 'k2.pem'), 'utf8'));
    expect(mode(at('etc/infra-hub/tls/hub.key'))).toBe('640');

    const un = installHub(['--root', dir, '--uninstall']);
    expect(un.code, un.all).toBe(0);
    expect(existsSync(at('etc/systemd/system/infra-hub.service'))).toBe(false);
    expect(existsSync(config)).toBe(true);
    expect(existsSync(at('var/lib/infra-hub'))).toBe(true);
    const purge = installHub(['--root', dir, '--uninstall', '--purge']);
    expect(purge.code, purge.all).toBe(0);
    expect(existsSync(at('etc/infra-hub'))).toBe(false);
    expect(existsSync(at('var/lib/infra-hub'))).toBe(false);
  });

  it('refuses a new config without TLS unless --insecure', () => {
    const dir = tmp('infra-root-');
    const r = installHub(['--root', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/needs TLS/);
    expect(readdirSync(dir)).toEqual([]);
    const ok = installHub(['--root', dir, '--insecure', '--listen-host', '127.0.0.1']);
    expect(ok.code, ok.all).toBe(0);
    const check = run(process.execPath, [HUB_BIN, 'check-config', '--config', join(dir, 'etc/infra-hub/hub.yaml')]);
    expect(check.code, check.all).toBe(0);
    expect(check.out).toMatch(/plain ws, insecure: true/);
  });
});

// ---- what both scripts share (deploy/install-common.sh) ----

const ROLES = [
  {
    role: 'agent',
    script: 'install-agent.sh',
    name: 'infra-agent',
    // The smallest new install: a stand-alone agent (needs ssh-keygen).
    install: ['--site', 'solo', '--host-name', 'box'],
    tool: 'ssh-keygen',
    etcHolds: 'config, SSH key',
  },
  {
    role: 'hub',
    script: 'install-hub.sh',
    name: 'infra-hub',
    install: ['--insecure', '--listen-host', '127.0.0.1'],
    tool: undefined,
    etcHolds: 'config, TLS',
  },
] as const;

describe.each(ROLES)('deploy/$script and install-common.sh', (r) => {
  const script = (args: readonly string[], dir = deploy) => run('sh', [join(dir, r.script), ...args]);

  it('refuses to run, with a clear error and no changes, when install-common.sh is not beside it', () => {
    // The script alone (with its unit), run from another working directory.
    const lone = tmp('infra-lone-');
    copyFileSync(join(deploy, r.script), join(lone, r.script));
    copyFileSync(join(deploy, `${r.name}.service`), join(lone, `${r.name}.service`));
    const dir = tmp('infra-root-');
    for (const args of [['--help'], ['--root', dir, ...r.install], ['--root', dir, '--uninstall']]) {
      const res = script(args, lone);
      expect(res.code, res.all).toBe(2);
      expect(res.out).toBe('');
      expect(res.err).toBe(`${r.script}: ${join(lone, 'install-common.sh')} is missing: it belongs beside this script (copy all of deploy/)\n`);
    }
    // Not looked for in the working directory either.
    const inDeploy = spawnSync('sh', [join(lone, r.script), '--help'], { cwd: deploy, encoding: 'utf8' });
    expect(inDeploy.status).toBe(2);
    expect(inDeploy.stderr).toContain(`${join(lone, 'install-common.sh')} is missing`);
    expect(readdirSync(dir)).toEqual([]);

    // Control: with install-common.sh copied beside it, the same copy works,
    // whatever the working directory (it is found next to the script, not in cwd).
    copyFileSync(join(deploy, 'install-common.sh'), join(lone, 'install-common.sh'));
    const help = spawnSync('sh', [`./${r.script}`, '--help'], { cwd: lone, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toBe(script(['--help']).out);
    const elsewhere = spawnSync('sh', [join(lone, r.script), '--root', dir, '--uninstall'], { cwd: tmpdir(), encoding: 'utf8' });
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toMatch(new RegExp(`nothing to do: ${r.name} is not installed`));
  });

  it('prints the shared --help sections with its own names', () => {
    const h = script(['-h']);
    expect(h.code, h.all).toBe(0);
    expect(h.err).toBe('');
    expect(h.out.startsWith(`usage: ${r.script} [options]              install or update the ${r.role} service\n       ${r.script} --uninstall [--purge]  remove it\n\nInstall (as root):\n`)).toBe(true);
    expect(h.out).toContain('  --prefix DIR           where the built source lives (default: /opt/infrastructor)\n');
    expect(h.out).toContain('  --node PATH            the node binary (default: /usr/bin/node)\n');
    expect(h.out).toContain(
      `\nRemove:\n  --uninstall            stop, disable and remove the unit and the ${r.name} user;\n` +
        `                         keeps /var/lib/${r.name} (database) and /etc/${r.name} (${r.etcHolds})\n` +
        `  --purge                with --uninstall: also delete /var/lib/${r.name} and /etc/${r.name}\n`,
    );
    expect(h.out).toMatch(/\nBoth:\n {2}--root DIR {13}operate on a scratch root/);
    expect(h.out).toMatch(new RegExp(`\\nFiles: /etc/systemd/system/${r.name}\\.service, /etc/${r.name}/`));
    // The help comes in order with the other options: an unknown one before it wins.
    expect(script(['--bogus', '--help']).code).toBe(2);
  });

  it('rejects bad shared options with exit 2 and its own name in the message', () => {
    const dir = tmp('infra-root-');
    const cases: [string[], string][] = [
      [['--bogus'], 'unknown option --bogus (see --help)'],
      [['--dry-run=1'], 'unknown option --dry-run=1 (see --help)'],
      [['--root'], '--root needs a value (see --help)'],
      [['--purge'], '--purge only goes with --uninstall'],
      [['--root', '/', '--uninstall'], '--root / is the real system: leave --root out'],
      [['--root', dir, ...r.install, '--prefix', 'relative'], '--prefix must be an absolute path'],
      [['--root', dir, ...r.install, '--node=relative'], '--node must be an absolute path'],
    ];
    for (const [args, message] of cases) {
      const res = script(args);
      expect({ args, code: res.code, err: res.err }).toEqual({ args, code: 2, err: `${r.script}: ${message}\n` });
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('installs with --no-start and --opt=value, then uninstalls (keeping the data) and purges', ({ skip }) => {
    if (r.tool !== undefined) requireTool(r.tool, skip);
    const dir = tmp('infra-root-');
    const at = (p: string) => join(dir, p);
    const unit = `etc/systemd/system/${r.name}.service`;

    const none = script([`--root=${dir}`, '--uninstall']);
    expect(none.code, none.all).toBe(0);
    expect(none.out).toMatch(new RegExp(`nothing to do: ${r.name} is not installed`));
    expect(readdirSync(dir)).toEqual([]);

    const inst = script([`--root=${dir}`, ...r.install, '--no-start', '--prefix=/srv/infra']);
    expect(inst.code, inst.all).toBe(0);
    expect(inst.out).toContain(`scratch root ${dir}: users, ownership and systemd are left alone`);
    expect(inst.out).toMatch(new RegExp(`would run \\(not under --root\\): useradd --system --user-group --home-dir /var/lib/${r.name} --no-create-home --shell /usr/sbin/nologin --comment 'Infrastructor ${r.role}' ${r.name}\\n`));
    expect(inst.out).toContain(`create /etc/${r.name}/ (mode 0750, owner root:${r.name})`);
    expect(inst.out).toContain(`create /var/lib/${r.name}/ (mode 0750, owner ${r.name}:${r.name})`);
    expect(inst.out).toContain(`would run (not under --root): systemctl enable ${r.name}.service\n`);
    expect(inst.out).not.toContain('enable --now');
    expect(inst.out).toMatch(/\ndone: \d+ change\(s\)\n/);
    expect(readFileSync(at(unit), 'utf8')).toMatch(new RegExp(`^ExecStart=/usr/bin/node /srv/infra/packages/${r.role}/bin/${r.name}\\.js run`, 'm'));
    expect(mode(at(`etc/${r.name}`))).toBe('750');
    expect(mode(at(`var/lib/${r.name}`))).toBe('750');
    const installed = snapshot(dir);

    const again = script([`--root=${dir}`, ...r.install, '--no-start', '--prefix=/srv/infra']);
    expect(again.out).toMatch(new RegExp(`nothing to do: ${r.name} is installed and up to date`));
    expect(snapshot(dir)).toEqual(installed);

    const udry = script(['--root', dir, '--uninstall', '--dry-run']);
    expect(udry.code, udry.all).toBe(0);
    expect(udry.out).toContain(`would run (not under --root): systemctl disable --now ${r.name}.service\n`);
    expect(udry.out).toContain(`would remove /etc/systemd/system/${r.name}.service\n`);
    expect(udry.out).toMatch(/dry run: \d+ change\(s\) would be made; nothing was changed/);
    expect(snapshot(dir)).toEqual(installed);

    const un = script(['--root', dir, '--uninstall']);
    expect(un.code, un.all).toBe(0);
    expect(un.out).toContain(`would run (not under --root): userdel ${r.name}\n`);
    expect(un.out).toContain(`  kept /var/lib/${r.name}/ (--uninstall --purge deletes it)\n`);
    expect(un.out).toContain(`  kept /etc/${r.name}/ (--uninstall --purge deletes it)\n`);
    expect(un.out).toMatch(new RegExp(`done: ${r.name} removed \\(1 change\\(s\\)\\)`));
    expect(existsSync(at(unit))).toBe(false);
    expect(existsSync(at(`etc/${r.name}`))).toBe(true);
    expect(existsSync(at(`var/lib/${r.name}`))).toBe(true);

    // A drop-in folder goes with --purge, and so does the data.
    spawnSync('mkdir', [at(`${unit}.d`)]);
    const purge = script(['--root', dir, '--uninstall', '--purge']);
    expect(purge.code, purge.all).toBe(0);
    expect(purge.out).toContain(`remove /etc/systemd/system/${r.name}.service.d/ (drop-ins)\n`);
    expect(purge.out).toContain(`delete /var/lib/${r.name}/\n`);
    expect(purge.out).toContain(`delete /etc/${r.name}/\n`);
    for (const gone of [`${unit}.d`, `etc/${r.name}`, `var/lib/${r.name}`]) expect(existsSync(at(gone)), gone).toBe(false);
  });
});
