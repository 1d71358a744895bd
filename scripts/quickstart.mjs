// `npm start`: install, build, then run a hub and an agent on this machine,
// the agent monitoring this machine (transport: local), and a live feed of
// what arrives at the hub in this terminal. Everything it writes stays under
// .state/quickstart/ (configs, tokens, databases, the daemons' logs;
// INFRA_QUICKSTART_DIR puts them elsewhere). Ctrl-C stops all three cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ensureBuilt, log, root } from './toolchain.mjs';

ensureBuilt();

const stateDir = process.env.INFRA_QUICKSTART_DIR ? resolve(process.env.INFRA_QUICKSTART_DIR) : join(root, '.state', 'quickstart');
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const port = Number(process.env.INFRA_QUICKSTART_PORT ?? 7400);

// Tokens: made once, kept (0600) so restarts keep working.
const tokensPath = join(stateDir, 'tokens.json');
if (!existsSync(tokensPath)) {
  const token = () => randomBytes(24).toString('hex');
  writeFileSync(tokensPath, JSON.stringify({ agent: token(), operator: token() }, null, 2), { mode: 0o600 });
}
const tokens = JSON.parse(readFileSync(tokensPath, 'utf8'));

const hubConfig = join(stateDir, 'hub.yaml');
writeFileSync(
  hubConfig,
  `# Written by \`npm start\` on every start (docs/hub-configuration.md).
listen: { host: 127.0.0.1, port: ${port} }
insecure: true   # plain ws on loopback only; use tls for anything else
storage: { path: hub.db }
agents:
  - { id: this-machine, site: quickstart, token: ${tokens.agent} }
subscribers:
  - { name: quickstart, role: operator, sites: ['*'], token: ${tokens.operator} }
`,
  { mode: 0o600 },
);

const agentConfig = join(stateDir, 'agent.yaml');

// Also over SSH, where an sshd on 127.0.0.1 accepts the key made for the
// current user here (nothing outside .state/ is changed: authorizing the key
// is the user's call).
const sshDir = join(stateDir, 'ssh');
mkdirSync(sshDir, { recursive: true, mode: 0o700 });
const sshKey = join(sshDir, 'id_ed25519');
const user = userInfo().username;
let sshHost = '';
if (!existsSync(sshKey)) {
  const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `infrastructor-quickstart@${user}`, '-f', sshKey], { encoding: 'utf8' });
  if (gen.status !== 0) log('ssh-keygen is not available: monitoring this machine locally only');
}
if (existsSync(sshKey)) {
  const probe = spawnSync(
    'ssh',
    ['-i', sshKey, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`, 'true'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status === 0) {
    sshHost = `  # The same machine over SSH (the key in ssh/ is authorized for ${user}); the host key is pinned on first use.
  - name: this-machine-ssh
    address: 127.0.0.1
    user: ${user}
    privateKeyPath: ssh/id_ed25519
    hostKeyPolicy: tofu
`;
    log(`sshd on 127.0.0.1 accepts the quick-start key: also collecting this machine over SSH as ${user}`);
  } else {
    log(`to also collect this machine over SSH: add ${sshKey}.pub to ~${user}/.ssh/authorized_keys (with an sshd on 127.0.0.1:22), then restart`);
  }
}

// Rewritten on every start (copy it elsewhere to customise; docs/configuration.md).
const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 5000 });
const dockerUp = docker.status === 0;
writeFileSync(
  agentConfig,
  `# Written by \`npm start\` on every start; copy it elsewhere to customise (docs/configuration.md).
site: quickstart
hosts:
  - name: this-machine
    transport: local
${sshHost}commands:
  # Faster than the defaults so something happens while you watch.
  system_metrics: { schedule: "*/15 * * * * *" }
  load_average: { schedule: "*/10 * * * * *" }
  network_interfaces: { schedule: "*/30 * * * * *" }
  disk_usage: { schedule: "*/30 * * * * *" }
${dockerUp ? '' : `  # no docker engine answered at start
  list_containers: { enabled: false }
  container_stats: { enabled: false }
`}storage:
  path: agent.db
schedule:
  jitterMs: 2000
hub:
  url: ws://127.0.0.1:${port}/agent
  agentId: this-machine
  tokenFile: agent-token
  insecure: true   # loopback only
`,
);
writeFileSync(join(stateDir, 'agent-token'), `${tokens.agent}\n`, { mode: 0o600 });

const children = [];
function daemon(name, bin, configPath) {
  const logPath = join(stateDir, `${name}.log`);
  const out = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, [join(root, bin), 'run', '--config', configPath], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ name, code, signal })));
  children.push({ name, child, exited, logPath });
  return { child, exited, logPath };
}

function waitForLine(logPath, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
      if (pattern.test(text)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out; see ${logPath}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

let stopping = false;
/**
 * Ctrl-C reaches every child in the terminal's process group by itself, so
 * first give them a moment to stop on that one signal (a second signal
 * would make them exit at once, skipping their clean shutdown); then send
 * SIGTERM to whatever is still running.
 */
async function stopAll(code, { graceMs = 0 } = {}) {
  if (stopping) return;
  stopping = true;
  const all = Promise.all(children.map((c) => c.exited));
  if (graceMs > 0) await Promise.race([all, new Promise((r) => setTimeout(r, graceMs))]);
  // The feed first (it would only retry against a stopped hub), then the daemons.
  for (const c of [...children].reverse()) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await all;
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0, { graceMs: 5000 }));
process.on('SIGTERM', () => void stopAll(0));

const hub = daemon('hub', 'packages/hub/bin/infra-hub.js', hubConfig);
hub.exited.then((e) => {
  if (!stopping) {
    log(`the hub exited (${e.code ?? e.signal}); see ${hub.logPath}${e.code === 1 ? ` — is port ${port} in use? set INFRA_QUICKSTART_PORT` : ''}`);
    void stopAll(1);
  }
});
try {
  await waitForLine(hub.logPath, /hub_listening/, 15_000);
} catch (err) {
  log(`the hub did not start: ${err.message}`);
  await stopAll(1);
}
const agent = daemon('agent', 'packages/agent/bin/infra-agent.js', agentConfig);
agent.exited.then((e) => {
  if (!stopping) {
    log(`the agent exited (${e.code ?? e.signal}); see ${agent.logPath}`);
    void stopAll(1);
  }
});

log(`hub on ws://127.0.0.1:${port}, agent for site "quickstart"; logs in ${stateDir}/{hub,agent}.log`);
const tokensShown = relative(process.cwd(), tokensPath).startsWith('..') ? tokensPath : `./${relative(process.cwd(), tokensPath)}`;
log(`on-demand: node packages/hub/bin/infra-hub.js request --url ws://127.0.0.1:${port} --token $(node -p "require('${tokensShown}').operator") quickstart this-machine uptime`);
log('live feed below; Ctrl-C stops everything');

const watch = spawn(
  process.execPath,
  [join(root, 'packages/hub/bin/infra-hub.js'), 'watch', '--url', `ws://127.0.0.1:${port}`, 'site/#', 'agents', 'changes'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, INFRA_HUB_TOKEN: tokens.operator } },
);
const watchExited = new Promise((resolve) => watch.on('exit', (code, signal) => resolve({ name: 'watch', code, signal })));
children.push({ name: 'watch', child: watch, exited: watchExited, logPath: '' });
watch.on('exit', () => void stopAll(0, { graceMs: 5000 }));
