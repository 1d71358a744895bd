/**
 * Several real OpenSSH hosts for end-to-end tests, each a `startSshd`
 * instance on its own loopback address (127.0.0.2, 127.0.0.3, … by default)
 * with its own host key, logging in as the dedicated test user, and a PATH
 * whose stub tools replay real-format outputs that differ per profile:
 *
 * - "nas": `zpool`/`zfs` (4 pools, one DEGRADED and resilvering; datasets),
 *   `smartctl` answering per device (the first real whole disk of this
 *   machine is a SATA disk with reallocated sectors → warning, the others
 *   healthy; extra names sda/sdb/nvme0n1 for on-demand runs; unknown devices
 *   fail to open like the real tool), `systemctl` (list-units JSON or plain)
 *   and a unit file under ~/systemd.
 * - "docker-host": `docker ps`/`docker stats` with ~45 containers (the
 *   homelab fixture plus a generated fleet of compose projects), compose
 *   files under ~/stacks and SWAG/nginx confs under ~/swag.
 * - "plain-vm": no stubs at all: whatever this machine has on PATH
 *   (typically no zpool/smartctl; docker may or may not be there).
 *
 * /proc, df, ip, lsblk, uname and /sys/block are this machine's, for every
 * profile. `expected` says what each host's collections must show, derived
 * from the same fixtures and from this machine.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSshd, type SshdHandle } from './sshd.js';
import { stubTools } from '../integration/stub-tools.js';

export type HostProfile = 'nas' | 'docker-host' | 'plain-vm';

const AGENT_FIXTURES = resolve(import.meta.dirname, '../../packages/agent/test/fixtures');
const E2E_FIXTURES = resolve(import.meta.dirname, '../e2e/fixtures');

/** The system part of PATH the sshd harness gives sessions (after the stub dir). */
export const SESSION_SYSTEM_PATH: readonly string[] = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

export function agentFixture(rel: string): string {
  return readFileSync(join(AGENT_FIXTURES, rel), 'utf8');
}

export function e2eFixture(rel: string): string {
  return readFileSync(join(E2E_FIXTURES, rel), 'utf8');
}

const MARKER = 'INFRA_FIXTURE_EOF';

/** `cat` of a here-document holding `text` exactly (with a final newline). */
function heredoc(text: string): string {
  if (text.includes(MARKER)) throw new Error('fixture text contains the here-doc marker');
  return `cat <<'${MARKER}'\n${text}${text.endsWith('\n') ? '' : '\n'}${MARKER}\n`;
}

/** Whether this machine has `tool` as an executable file in the session's system PATH. */
export function toolOnSessionPath(tool: string): boolean {
  return SESSION_SYSTEM_PATH.some((dir) => {
    try {
      const st = statSync(join(dir, tool));
      return st.isFile() && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

/** The whole disks of /sys/block, by the same rule as the drive_health script, sorted. */
export function realWholeDisks(sysBlockDir = '/sys/block'): string[] {
  let names: string[];
  try {
    names = readdirSync(sysBlockDir);
  } catch {
    return [];
  }
  return names
    .filter((d) => /^[A-Za-z0-9]+$/.test(d))
    .filter((d) => !/^mmcblk.*boot/.test(d) && !/^mmcblk.*rpmb$/.test(d) && !/^nvme.*c/.test(d))
    .filter((d) => /^(sd|hd|vd|xvd)/.test(d) || /^nvme.*n/.test(d) || /^mmcblk/.test(d))
    .sort();
}

// ---- docker-host: a larger container fleet, in `docker ps`/`docker stats` JSON lines ----

export interface GeneratedContainer {
  name: string;
  state: 'running' | 'exited' | 'created' | 'paused' | 'restarting';
}

interface DockerFleet {
  psJsonLines: string;
  statsJsonLines: string;
  containers: GeneratedContainer[];
  /** Names docker stats lists (running containers). */
  statsNames: string[];
}

const FLEET: ReadonlyArray<{ project: string; services: ReadonlyArray<[service: string, image: string, port: number | null]> }> = [
  {
    project: 'media',
    services: [
      ['jellyfin', 'jellyfin/jellyfin:10.9.11', 8096],
      ['sonarr', 'lscr.io/linuxserver/sonarr:4.0.10', 8989],
      ['radarr', 'lscr.io/linuxserver/radarr:5.14.0', 7878],
      ['prowlarr', 'lscr.io/linuxserver/prowlarr:1.25.4', 9696],
      ['bazarr', 'lscr.io/linuxserver/bazarr:1.4.5', 6767],
      ['qbittorrent', 'lscr.io/linuxserver/qbittorrent:4.6.7', 8080],
      ['jellyseerr', 'fallenbagel/jellyseerr:2.0.1', 5055],
      ['tdarr', 'ghcr.io/haveagitgat/tdarr:2.26.01', 8265],
    ],
  },
  {
    project: 'monitoring',
    services: [
      ['prometheus', 'prom/prometheus:v2.55.1', 9090],
      ['grafana', 'grafana/grafana:11.3.0', 3000],
      ['node-exporter', 'quay.io/prometheus/node-exporter:v1.8.2', null],
      ['cadvisor', 'gcr.io/cadvisor/cadvisor:v0.49.1', 8081],
      ['alertmanager', 'prom/alertmanager:v0.27.0', 9093],
      ['loki', 'grafana/loki:3.2.1', 3100],
      ['promtail', 'grafana/promtail:3.2.1', null],
      ['uptime-kuma', 'louislam/uptime-kuma:1.23.15', 3001],
    ],
  },
  {
    project: 'cloud',
    services: [
      ['nextcloud', 'nextcloud:29-apache', 8443],
      ['mariadb', 'mariadb:10.11', null],
      ['redis', 'redis:7.4-alpine', null],
      ['collabora', 'collabora/code:24.04.9.2.1', 9980],
      ['imaginary', 'nextcloud/aio-imaginary:latest', null],
    ],
  },
  {
    project: 'tools',
    services: [
      ['vaultwarden', 'vaultwarden/server:1.32.5', 8222],
      ['paperless', 'ghcr.io/paperless-ngx/paperless-ngx:2.13.5', 8000],
      ['gotenberg', 'gotenberg/gotenberg:8.12', null],
      ['tika', 'apache/tika:2.9.2.1', null],
      ['gitea', 'gitea/gitea:1.22.3', 3002],
      ['gitea-runner', 'gitea/act_runner:0.2.11', null],
      ['syncthing', 'lscr.io/linuxserver/syncthing:1.28.0', 8384],
      ['freshrss', 'freshrss/freshrss:1.24.3', 8088],
      ['mealie', 'ghcr.io/mealie-recipes/mealie:v2.1.0', 9925],
      ['stirling-pdf', 'frooodle/s-pdf:0.30.2', 8089],
      ['it-tools', 'corentinth/it-tools:2024.10.22-7ca5933', 8090],
      ['dozzle', 'amir20/dozzle:v8.7.5', 8091],
    ],
  },
  {
    project: 'backup',
    services: [
      ['restic-rest', 'restic/rest-server:0.13.0', 8000],
      ['duplicati', 'lscr.io/linuxserver/duplicati:2.0.8', 8200],
      ['kopia', 'kopia/kopia:0.18.1', 51515],
    ],
  },
];

function hex64(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A deterministic fleet of compose containers in docker's own JSON-lines formats. */
export function generateDockerFleet(): DockerFleet {
  const ps: string[] = [];
  const stats: string[] = [];
  const containers: GeneratedContainer[] = [];
  const statsNames: string[] = [];
  let i = 0;
  for (const { project, services } of FLEET) {
    for (const [service, image, port] of services) {
      i += 1;
      const name = `${project}-${service}-1`;
      const id = hex64(name);
      // Mostly running; a few stopped, one created, one paused.
      const state: GeneratedContainer['state'] = i % 9 === 0 ? 'exited' : i === 13 ? 'created' : i === 22 ? 'paused' : 'running';
      const status =
        state === 'running'
          ? i % 4 === 0
            ? `Up ${(i % 6) + 1} days (healthy)`
            : `Up ${(i % 20) + 1} hours`
          : state === 'exited'
            ? `Exited (${i % 2 === 0 ? 0 : 137}) ${(i % 5) + 2} days ago`
            : state === 'paused'
              ? 'Up 3 days (Paused)'
              : 'Created';
      const ports = port === null ? '' : i % 3 === 0 ? `${port}/tcp` : `0.0.0.0:${port}->${port}/tcp, [::]:${port}->${port}/tcp`;
      const createdDay = (i % 27) + 1;
      ps.push(
        JSON.stringify({
          Command: `"/init"`,
          CreatedAt: `2024-10-${pad(createdDay)} ${pad(i % 24)}:${pad((i * 7) % 60)}:${pad((i * 13) % 60)} +0000 UTC`,
          ID: id,
          Image: image,
          Labels: `com.docker.compose.config-hash=${hex64(`cfg-${name}`)},com.docker.compose.container-number=1,com.docker.compose.project=${project},com.docker.compose.project.working_dir=/opt/stacks/${project},com.docker.compose.service=${service},com.docker.compose.version=2.29.7`,
          LocalVolumes: String(i % 3),
          Mounts: `/srv/appdata/${service}`,
          Names: name,
          Networks: `${project}_default`,
          Ports: ports,
          RunningFor: `${(i % 27) + 3} days ago`,
          Size: '0B',
          State: state,
          Status: status,
        }),
      );
      containers.push({ name, state });
      if (state === 'running') {
        statsNames.push(name);
        stats.push(
          JSON.stringify({
            BlockIO: `${(i * 1.7).toFixed(1)}MB / ${(i * 0.3).toFixed(1)}MB`,
            CPUPerc: `${((i * 0.37) % 12).toFixed(2)}%`,
            Container: id.slice(0, 12),
            ID: id,
            MemPerc: `${((i * 0.61) % 20).toFixed(2)}%`,
            MemUsage: `${(i * 23.4).toFixed(1)}MiB / 31.27GiB`,
            Name: name,
            NetIO: `${(i * 2.1).toFixed(1)}MB / ${(i * 0.9).toFixed(1)}MB`,
            PIDs: String((i % 40) + 3),
          }),
        );
      }
    }
  }
  return { psJsonLines: `${ps.join('\n')}\n`, statsJsonLines: `${stats.join('\n')}\n`, containers, statsNames };
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

// ---- what each profile's collections must show ----

export type SmartKind = 'healthy' | 'warning';

export interface HostExpectations {
  /** ZFS pools (name → health) from the stub, or null when zpool is not stubbed. */
  pools: Record<string, string> | null;
  datasets: string[] | null;
  /** Device → the verdict the smartctl stub gives it (nas only). */
  smartDevices: Record<string, SmartKind> | null;
  /** This machine's whole disks (what drive_health lists on every host). */
  wholeDisks: string[];
  /** docker ps containers (name, state), or null when docker is not stubbed. */
  containers: GeneratedContainer[] | null;
  /** Names docker stats lists. */
  statsNames: string[] | null;
  /** systemctl list-units units of the stub, or null when not stubbed. */
  systemdUnits: string[] | null;
  /** Absolute paths of the files the file-based commands read at start. */
  composeFiles: string[];
  proxyFiles: string[];
  unitFiles: string[];
}

export interface SiteHost {
  readonly name: string;
  readonly profile: HostProfile;
  readonly sshd: SshdHandle;
  /** Where docker_compose looks (`params.dirs`). */
  readonly composeDirs: string[];
  /** Where proxy_configs looks (`params.dirs`). */
  readonly proxyDirs: string[];
  /** Where systemd_services looks for unit files (`params.unitDirs`), with `units`. */
  readonly unitDirs: string[];
  readonly units: string[];
  readonly expected: HostExpectations;
  /**
   * The host's entry of an agent config (plain data; JSON is valid YAML):
   * address, port, user, key, pinned host key, and the profile's command
   * overrides (dirs in its home; no docker commands on the nas), merged
   * with `commands`.
   */
  agentHostEntry(commands?: Record<string, Record<string, unknown>>): Record<string, unknown>;
}

export interface SiteHostSpec {
  name: string;
  profile: HostProfile;
  /** Default: 127.0.0.(2 + index). */
  address?: string;
}

function smartctlStub(devices: Record<string, SmartKind>): string {
  const fixtureFor = (dev: string, kind: SmartKind): string =>
    kind === 'warning' ? 'smartctl/sata-hdd-reallocated.json' : dev.startsWith('nvme') ? 'smartctl/nvme-healthy.json' : 'smartctl/sata-hdd-healthy.json';
  const arms = Object.entries(devices).map(([dev, kind]) => {
    const file = fixtureFor(dev, kind);
    const text = agentFixture(file);
    const exit = (JSON.parse(text) as { smartctl: { exit_status: number } }).smartctl.exit_status;
    return `  ${dev}) ${heredoc(text)}  exit ${exit} ;;`;
  });
  const missing = e2eFixture('smartctl/no-such-device.json');
  return `dev=
for a in "$@"; do case $a in /dev/*) dev=\${a#/dev/} ;; esac; done
case $dev in
${arms.join('\n')}
  *) ${heredoc(missing)}  exit 2 ;;
esac`;
}

function dockerStub(fleet: DockerFleet): string {
  const ps = agentFixture('docker/ps-homelab.jsonl').replace(/\n*$/, '\n') + fleet.psJsonLines;
  const stats = agentFixture('docker/stats-homelab.jsonl').replace(/\n*$/, '\n') + fleet.statsJsonLines;
  return `case "$1" in
  ps) ${heredoc(ps)}  ;;
  stats) ${heredoc(stats)}  ;;
  *) echo "stub docker: unexpected $*" >&2; exit 2 ;;
esac`;
}

/** The smartctl stub's device table: real disks (first → warning) plus sda/sdb/nvme0n1 for on-demand runs. */
function smartDeviceTable(wholeDisks: readonly string[]): Record<string, SmartKind> {
  const table: Record<string, SmartKind> = {};
  wholeDisks.forEach((d, i) => (table[d] = i === 0 ? 'warning' : 'healthy'));
  for (const [d, kind] of [['sda', 'healthy'], ['sdb', 'warning'], ['nvme0n1', 'healthy']] as const) table[d] ??= kind;
  return table;
}

async function startHost(spec: SiteHostSpec, address: string): Promise<SiteHost> {
  const wholeDisks = realWholeDisks();
  const expected: HostExpectations = {
    pools: null,
    datasets: null,
    smartDevices: null,
    wholeDisks,
    containers: null,
    statsNames: null,
    systemdUnits: null,
    composeFiles: [],
    proxyFiles: [],
    unitFiles: [],
  };
  let stubs: Record<string, string> = {};
  const files: Record<string, string> = {};
  // Relative to the host's home; made absolute once the home is known.
  const composeRel = ['stacks'];
  const proxyRel = ['swag/proxy-confs', 'swag/site-confs'];
  const unitRel = ['systemd'];
  let units: string[] = [];
  const composeFilesRel: string[] = [];
  const proxyFilesRel: string[] = [];
  const unitFilesRel: string[] = [];

  if (spec.profile === 'nas') {
    const tools = stubTools();
    const smartDevices = smartDeviceTable(wholeDisks);
    stubs = { zpool: tools['zpool']!, zfs: tools['zfs']!, systemctl: tools['systemctl']!, smartctl: smartctlStub(smartDevices) };
    expected.smartDevices = smartDevices;
    expected.pools = Object.fromEntries(
      agentFixture('zfs/list-Hp-4pools.txt')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const cols = l.split('\t');
          return [cols[0]!, cols[9]!];
        }),
    );
    expected.datasets = agentFixture('zfs/zfs-list-Hp.txt')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('\t')[0]!);
    expected.systemdUnits = (JSON.parse(agentFixture('systemd/list-units.json')) as Array<{ unit: string }>).map((u) => u.unit);
    units = ['backup-agent.service'];
    files['systemd/backup-agent.service'] = agentFixture('systemd/backup-agent.service');
    unitFilesRel.push('systemd/backup-agent.service');
  } else if (spec.profile === 'docker-host') {
    const fleet = generateDockerFleet();
    stubs = { docker: dockerStub(fleet) };
    const homelab = jsonLines(agentFixture('docker/ps-homelab.jsonl')).map((c) => ({ name: String(c['Names']), state: String(c['State']) as GeneratedContainer['state'] }));
    expected.containers = [...homelab, ...fleet.containers];
    expected.statsNames = [...jsonLines(agentFixture('docker/stats-homelab.jsonl')).map((c) => String(c['Name'])), ...fleet.statsNames];
    const add = (rel: string, text: string, list: string[]): void => {
      files[rel] = text;
      list.push(rel);
    };
    add('stacks/media/compose.yaml', agentFixture('compose/media-stack.compose.yaml'), composeFilesRel);
    add('stacks/monitoring/compose.yaml', e2eFixture('compose/monitoring.compose.yaml'), composeFilesRel);
    add('stacks/nextcloud/docker-compose.yml', agentFixture('compose/legacy-v2.docker-compose.yml'), composeFilesRel);
    add('swag/proxy-confs/jellyfin.subdomain.conf', agentFixture('nginx/swag-jellyfin.subdomain.conf'), proxyFilesRel);
    add('swag/proxy-confs/grafana.subfolder.conf', agentFixture('nginx/swag-grafana.subfolder.conf'), proxyFilesRel);
    add('swag/site-confs/default.conf', agentFixture('nginx/plain-multi-server.conf'), proxyFilesRel);
    // A sample is never read (*.conf only).
    files['swag/proxy-confs/uptime-kuma.subdomain.conf.sample'] = e2eFixture('nginx/uptime-kuma.subdomain.conf');
  }
  // plain-vm: no stubs and no files: the machine's own tools, and the dirs do not exist.

  const sshd = await startSshd({ address, stubs, files });
  const abs = (rel: string): string => join(sshd.homeDir, rel);
  expected.composeFiles = composeFilesRel.map(abs).sort();
  expected.proxyFiles = proxyFilesRel.map(abs).sort();
  expected.unitFiles = unitFilesRel.map(abs).sort();
  const composeDirs = composeRel.map(abs);
  const proxyDirs = proxyRel.map(abs);
  const unitDirs = unitRel.map(abs);

  const profileCommands: Record<string, Record<string, unknown>> = {
    docker_compose: { params: { dirs: composeDirs } },
    proxy_configs: { params: { dirs: proxyDirs } },
    systemd_services: { params: units.length > 0 ? { units, unitDirs } : { unitDirs } },
  };
  if (spec.profile === 'nas') {
    // The NAS runs no docker.
    profileCommands['list_containers'] = { enabled: false };
    profileCommands['container_stats'] = { enabled: false };
  }

  return {
    name: spec.name,
    profile: spec.profile,
    sshd,
    composeDirs,
    proxyDirs,
    unitDirs,
    units,
    expected,
    agentHostEntry(commands = {}) {
      const merged: Record<string, Record<string, unknown>> = { ...profileCommands };
      for (const [k, v] of Object.entries(commands)) merged[k] = { ...(merged[k] ?? {}), ...v };
      return {
        name: spec.name,
        address: sshd.address,
        port: sshd.port,
        user: sshd.user,
        privateKeyPath: sshd.privateKeyPath,
        hostKey: sshd.hostKeyFingerprint,
        tags: [spec.profile],
        commands: merged,
      };
    },
  };
}

export interface SiteHosts {
  readonly hosts: readonly SiteHost[];
  get(name: string): SiteHost;
  /** Stop every sshd and remove its files. Safe twice. */
  stopAll(): Promise<void>;
}

/** Start one sshd per spec, on 127.0.0.2, 127.0.0.3, … unless addresses are given. */
export async function startSiteHosts(specs: readonly SiteHostSpec[]): Promise<SiteHosts> {
  const started: SiteHost[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(started.map((h) => h.sshd.stop()));
  };
  try {
    for (const [i, spec] of specs.entries()) {
      started.push(await startHost(spec, spec.address ?? `127.0.0.${2 + i}`));
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    hosts: started,
    get(name: string): SiteHost {
      const h = started.find((x) => x.name === name);
      if (!h) throw new Error(`no site host named ${name}`);
      return h;
    },
    stopAll,
  };
}
