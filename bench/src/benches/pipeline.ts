/**
 * pipeline: collections per second through the whole agent — cron schedule
 * → SSH → parse → cache → SQLite (outbox) → hub (ingest, SQLite) → one
 * subscriber — with the agent as a real child process
 * (`infra-agent run --config …`) on a generated config, a real hub in this
 * process and real OpenSSH servers (4 sshd on 127.0.0.2–.5, hosts spread
 * over them under distinct names). Counted: result events the subscriber
 * receives per second; agent CPU (utime+stime from /proc/PID/stat) per
 * 1,000 collections; agent RSS (/proc/PID/status).
 *
 * Run 1 (throughput): 20 hosts × 75 cheap user commands on a 1-second
 * 6-field cron (1,500 collections/s offered, more than the 1,000/s target,
 * so the figure shows what the pipeline delivers; BENCH_PIPELINE_COMMANDS
 * changes the 75), every built-in disabled, jitterMs 1000 (hosts spread
 * over the second), globalConcurrency = hosts × 2. The command reads
 * /proc/loadavg with shell built-ins (no exec on the "remote" side: here
 * the sshd hosts share the agent's two CPUs, a real site's do not).
 * Run 2 (memory): 50 hosts, every built-in command enabled on its default
 * schedule with runOnStart (so all 700 host/commands run once, spread over
 * a 10 s jitter, then the per-minute ones), stub
 * docker/smartctl/zpool/zfs/systemctl on the sshd PATH; measured from the
 * start. The agent runs as deploy/infra-agent.service runs it (its
 * NODE_OPTIONS, read from the unit), and once more under plain `node` for
 * comparison.
 *
 * No external baseline exists for the whole pipeline: figures are reported
 * against their targets only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import type { Bench, BenchContext, Figure } from '../report.js';
import { startSshd, sshdSkipReason, type SshdHandle } from '../../../test/harness/sshd.js';
import { BENCH_VIEWER_TOKEN, startBenchHub, type BenchHub } from '../hub-instance.js';
import { LatencySamples } from '../latency.js';
import { cpuSeconds, memory, treeCpuSeconds } from '../proc-stats.js';
import { REPO_ROOT, stubTools } from '../../../test/integration/stub-tools.js';

const AGENT_TOKEN = 'pipeline-agent-token-0123456789abcdef';
const AGENT_BIN = join(REPO_ROOT, 'packages/agent/bin/infra-agent.js');

/** NODE_OPTIONS as the systemd unit sets it for the agent ('' when it sets none). */
function unitNodeOptions(): string {
  const unit = readFileSync(join(REPO_ROOT, 'deploy/infra-agent.service'), 'utf8');
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('Environment=')) continue;
    let assignment = line.slice('Environment='.length);
    if (/^".*"$/.test(assignment)) assignment = assignment.slice(1, -1);
    if (assignment.startsWith('NODE_OPTIONS=')) return assignment.slice('NODE_OPTIONS='.length);
  }
  return '';
}
const SSHD_COUNT = 4;
const NO_BASELINE = 'no baseline: target-only';
const BUILTINS = [
  'system_metrics',
  'disk_usage',
  'drive_health',
  'network_interfaces',
  'load_average',
  'uptime',
  'kernel_info',
  'list_containers',
  'container_stats',
  'zfs_pools',
  'zfs_datasets',
  'proxy_configs',
  'docker_compose',
  'systemd_services',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const plainPackr = new Packr({ useRecords: false });
function packPlain(v: unknown): Buffer {
  return plainPackr.pack(v);
}

/** One subscriber on the hub counting result and audit events. */
class CountingSubscriber {
  results = 0;
  audits = 0;
  /** durationMs of each audited collection (schedule → parsed), for the log line. */
  readonly durations = new LatencySamples();
  readonly #ws: WebSocket;
  readonly #unpackr = new Unpackr({ useRecords: false });

  private constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  static async connect(url: string): Promise<CountingSubscriber> {
    const ws = new WebSocket(`${url}/subscribe`, { headers: { authorization: `Bearer ${BENCH_VIEWER_TOKEN}` }, perMessageDeflate: false });
    const sub = new CountingSubscriber(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(packPlain({ t: 'hello', protocol: 1, client: 'bench-pipeline' }));
        ws.send(packPlain({ t: 'subscribe', topics: ['site/#', 'audit/#'] }));
      });
      ws.on('message', (data: Buffer) => {
        const m = sub.#unpackr.unpack(data) as { t: string; events?: Array<{ kind: string; data?: { durationMs?: number } }> };
        if (m.t === 'snapshot') resolve();
        if (m.t === 'events' && m.events) {
          for (const e of m.events) {
            if (e.kind === 'result') sub.results++;
            else if (e.kind === 'audit') {
              sub.audits++;
              if (typeof e.data?.durationMs === 'number') sub.durations.add(e.data.durationMs);
            }
          }
        }
      });
    });
    return sub;
  }

  close(): void {
    this.#ws.terminate();
  }
}

interface RunSpec {
  label: string;
  hosts: number;
  /** Cheap user commands per host on the 1-second cron (0: none). */
  userCommands: number;
  /** Built-in commands: all disabled, or all enabled on their default schedules (collected once at start too). */
  builtins: 'disabled' | 'defaults';
  /** schedule.jitterMs (the start-up round is spread over it). */
  jitterMs: number;
  warmupMs: number;
  windowMs: number;
  /** NODE_OPTIONS for the agent process ('' = none: plain node). Default: inherited. */
  nodeOptions?: string;
}

interface RunResult {
  resultsPerSec: number;
  auditsPerSec: number;
  cpuSecondsPer1000: number;
  cpuCoresUsed: number;
  peakRssBytes: number;
  rssBytes: number;
  warnLines: number;
  sampleWarns: string[];
}

function agentConfig(dir: string, spec: RunSpec, sshds: readonly SshdHandle[], hubUrl: string): string {
  const hosts: string[] = [];
  for (let i = 0; i < spec.hosts; i++) {
    const s = sshds[i % sshds.length] as SshdHandle;
    hosts.push(s.hostYaml(`host-${String(i).padStart(2, '0')}`));
  }
  const commands = spec.builtins === 'disabled' ? `commands:\n${BUILTINS.map((c) => `  ${c}: { enabled: false }`).join('\n')}` : '';
  const user: string[] = [];
  for (let i = 0; i < spec.userCommands; i++) {
    user.push(`  load_${String(i).padStart(2, '0')}:
    template: read -r l < /proc/loadavg && printf '%s\\n' "$l"
    parser: proc-loadavg
    schedule: "* * * * * *"
    ttlMs: 1000
    timeoutMs: 10000`);
  }
  return `site: lab
hosts:
${hosts.join('\n')}
${commands}
${user.length > 0 ? `userCommands:\n${user.join('\n')}` : ''}
storage: { path: ${join(dir, 'agent.db')} }
limits: { globalConcurrency: ${spec.hosts * 2}, perHostConcurrency: 2 }
schedule: { jitterMs: ${spec.jitterMs}, runOnStart: ${spec.builtins === 'defaults' ? 'true' : 'false'} }
log: { level: info }
hub:
  url: ${hubUrl}/agent
  agentId: pipe-agent
  token: ${AGENT_TOKEN}
  insecure: true
  reconnectBaseDelayMs: 100
  reconnectMaxDelayMs: 1000
`;
}

async function runAgent(ctx: BenchContext, spec: RunSpec, sshds: readonly SshdHandle[], hub: BenchHub): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  writeFileSync(join(dir, 'agent.yaml'), agentConfig(dir, spec, sshds, hub.url));
  const sub = await CountingSubscriber.connect(hub.url);
  let warnLines = 0;
  const sampleWarns: string[] = [];
  let tail = '';
  // BENCH_AGENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the agent.
  const nodeArgs = process.env.BENCH_AGENT_NODE_ARGS ? process.env.BENCH_AGENT_NODE_ARGS.split(' ') : [];
  const env = { ...process.env };
  if (spec.nodeOptions !== undefined) {
    if (spec.nodeOptions === '') delete env['NODE_OPTIONS'];
    else env['NODE_OPTIONS'] = spec.nodeOptions;
  }
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, AGENT_BIN, 'run', '--config', join(dir, 'agent.yaml')], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const onLine = (line: string): void => {
    if (/"level":(40|50|60)/.test(line)) {
      warnLines++;
      if (sampleWarns.length < 5) sampleWarns.push(line.slice(0, 300));
    }
  };
  child.stdout?.on('data', (d: Buffer) => {
    const text = tail + d.toString('utf8');
    const lines = text.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`  [agent] ${d.toString('utf8')}`));
  const pid = child.pid as number;
  try {
    const connectDeadline = Date.now() + 30_000;
    while (!hub.hub.status().agents.some((a) => a.agentId === 'pipe-agent' && a.connected)) {
      if (Date.now() > connectDeadline) throw new Error('the agent did not connect to the hub within 30 s');
      if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}`);
      await sleep(100);
    }
    await sleep(spec.warmupMs);
    const r0 = sub.results;
    const a0 = sub.audits;
    sub.durations.reset();
    const c0 = cpuSeconds(pid);
    const sshdPids = (): number[] => sshds.flatMap((s) => [...(s.pid === undefined ? [] : [s.pid]), ...s.descendantPids()]);
    const pids0 = sshdPids();
    const s0 = treeCpuSeconds(pids0);
    const h0 = process.cpuUsage();
    const t0 = performance.now();
    let peak = 0;
    let last = 0;
    while (performance.now() - t0 < spec.windowMs) {
      await sleep(250);
      const m = memory(pid);
      last = m.rssBytes;
      peak = Math.max(peak, m.rssBytes);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - c0;
    // Processes started during the window (new connections) count from their start.
    const sshdCpu = treeCpuSeconds([...new Set([...pids0, ...sshdPids()])]) - s0;
    const hubCpu = process.cpuUsage(h0);
    const results = sub.results - r0;
    const audits = sub.audits - a0;
    const d = sub.durations.summary();
    const m = memory(pid);
    const out: RunResult = {
      resultsPerSec: results / seconds,
      auditsPerSec: audits / seconds,
      cpuSecondsPer1000: audits > 0 ? cpu / (audits / 1000) : NaN,
      cpuCoresUsed: cpu / seconds,
      peakRssBytes: Math.max(peak, m.peakRssBytes),
      rssBytes: last,
      warnLines,
      sampleWarns,
    };
    ctx.log(
      `${spec.label}: ${Math.round(out.resultsPerSec)} results/s, ${Math.round(out.auditsPerSec)} collections/s (audits) at the subscriber; ` +
        `agent CPU ${out.cpuCoresUsed.toFixed(2)} cores = ${out.cpuSecondsPer1000.toFixed(3)} CPU-s per 1,000 collections; ` +
        `collection duration p50 ${d.p50 ?? '—'} ms p99 ${d.p99 ?? '—'} ms max ${d.max ?? '—'} ms; ` +
        `RSS ${(out.rssBytes / 2 ** 20).toFixed(0)} MiB (peak ${(out.peakRssBytes / 2 ** 20).toFixed(0)} MiB); ${warnLines} warn/error log lines; ` +
        `other CPU: sshd+shells ≥ ${(sshdCpu / seconds).toFixed(2)} cores, hub+subscriber (this process) ${((hubCpu.user + hubCpu.system) / 1e6 / seconds).toFixed(2)} cores`,
    );
    for (const w of sampleWarns) ctx.log(`  agent: ${w}`);
    if (process.env.BENCH_PIPELINE_DEBUG === '1') ctx.log(`hub's view: ${JSON.stringify(hub.hub.status().agents)}`);
    return out;
  } finally {
    sub.close();
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const pipeline: Bench = async (ctx) => {
  const skip = sshdSkipReason();
  if (skip) throw new Error(`pipeline needs OpenSSH's sshd: ${skip}`);
  const sshds: SshdHandle[] = [];
  let hub: BenchHub | undefined;
  const fig = (f: Omit<Figure, 'bench' | 'baseline' | 'baselineName' | 'note'>): void =>
    ctx.reporter.add({ bench: 'pipeline', baseline: null, baselineName: 'none', note: NO_BASELINE, ...f });
  try {
    for (let i = 0; i < SSHD_COUNT; i++) {
      sshds.push(await startSshd({ address: `127.0.0.${2 + i}`, stubs: stubTools(), extraConfig: ['LogLevel ERROR', 'MaxSessions 64', 'MaxStartups 200'] }));
    }
    hub = await startBenchHub({ agents: [{ id: 'pipe-agent', site: 'lab', token: AGENT_TOKEN }] });
    const warmupMs = Math.max(2000, Math.round(4000 * ctx.scale));
    const windowMs = Math.max(3000, Math.round(10_000 * ctx.scale));
    const commands = Number(process.env.BENCH_PIPELINE_COMMANDS ?? 75);
    const t = process.env.BENCH_PIPELINE_SKIP_THROUGHPUT === '1' ? undefined : await runAgent(ctx, { label: `20 hosts × ${commands} commands/s`, hosts: 20, userCommands: commands, builtins: 'disabled', jitterMs: 1000, warmupMs, windowMs, nodeOptions: unitNodeOptions() }, sshds, hub);
    if (t) {
      fig({ case: `collections/s end to end (20 hosts on ${SSHD_COUNT} sshd, ${20 * commands}/s scheduled → 1 subscriber)`, unit: 'collections/s', ours: t.resultsPerSec, higherIsBetter: true, target: { oursAtLeast: 1000 } });
      fig({ case: 'agent CPU per 1,000 collections (20-host throughput run)', unit: 'CPU-s', ours: t.cpuSecondsPer1000, higherIsBetter: false });
    }
    if (process.env.BENCH_PIPELINE_SKIP_MEMORY !== '1') {
      if (process.env.BENCH_PIPELINE_SKIP_THROUGHPUT === '1') ctx.log('(throughput run skipped)');
      // The start-up round (every command on every host, spread over 10 s) plus the per-minute ones, from the start.
      const memoryRun = (label: string, nodeOptions: string): RunSpec => ({
        label,
        hosts: 50,
        userCommands: 0,
        builtins: 'defaults',
        jitterMs: 10_000,
        warmupMs: 0,
        windowMs: Math.max(15_000, Math.round(25_000 * ctx.scale)),
        nodeOptions,
      });
      const unitOptions = unitNodeOptions();
      const asUnit = `NODE_OPTIONS=${unitOptions === '' ? '(none)' : unitOptions}, as deploy/infra-agent.service runs it`;
      const m = await runAgent(ctx, memoryRun(`50 hosts × every built-in command (default schedules, all run at start), ${asUnit}`, unitOptions), sshds, hub);
      fig({ case: `agent RSS, 50 hosts, every built-in command (peak VmRSS; ${asUnit})`, unit: 'MiB', ours: m.peakRssBytes / 2 ** 20, higherIsBetter: false, target: { oursAtMost: 100 } });
      fig({ case: 'agent CPU per 1,000 collections (50 hosts, start-up round incl. 50 SSH handshakes)', unit: 'CPU-s', ours: m.cpuSecondsPer1000, higherIsBetter: false });
      // For comparison: plain node, V8's default young generation (grows to 2 × 16 MiB in the start-up round).
      const plain = await runAgent(ctx, memoryRun('… same, agent under plain node (no NODE_OPTIONS)', ''), sshds, hub);
      fig({ case: 'agent RSS, same, under plain node without NODE_OPTIONS (peak VmRSS)', unit: 'MiB', ours: plain.peakRssBytes / 2 ** 20, higherIsBetter: false });
      fig({ case: 'agent CPU per 1,000 collections, same, plain node', unit: 'CPU-s', ours: plain.cpuSecondsPer1000, higherIsBetter: false });
    }
  } finally {
    await hub?.close();
    for (const s of sshds) await s.stop();
  }
};
