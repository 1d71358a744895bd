// `npm start`: install, build, then run an agent that monitors this machine
// (transport: local). Everything it writes stays under .state/quickstart/.
// Ctrl-C stops it cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, log, root } from './toolchain.mjs';

ensureBuilt();

const stateDir = join(root, '.state', 'quickstart');
mkdirSync(stateDir, { recursive: true });
const configPath = join(stateDir, 'agent.yaml');
if (!existsSync(configPath)) {
  // Only ask for docker data where a docker engine answers.
  const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 5000 });
  const dockerUp = docker.status === 0;
  writeFileSync(
    configPath,
    `# Written by \`npm start\`; edit freely (docs/configuration.md). Delete it to get a fresh one.
site: quickstart
hosts:
  - name: this-machine
    transport: local
commands:
  # Faster than the defaults so something happens while you watch.
  system_metrics: { schedule: "*/15 * * * * *" }
  load_average: { schedule: "*/10 * * * * *" }
  network_interfaces: { schedule: "*/30 * * * * *" }
  disk_usage: { schedule: "*/30 * * * * *" }
${dockerUp ? '' : `  # no docker engine answered when this file was written
  list_containers: { enabled: false }
  container_stats: { enabled: false }
`}storage:
  path: agent.db
schedule:
  jitterMs: 2000
`,
  );
  log(`wrote ${configPath}`);
}

log('starting the agent on this machine (Ctrl-C to stop)');
log(`in another terminal: node packages/agent/bin/infra-agent.js status --config ${configPath}`);
const child = spawn(process.execPath, [join(root, 'packages/agent/bin/infra-agent.js'), 'run', '--config', configPath], {
  stdio: 'inherit',
  cwd: root,
});
// Ctrl-C reaches the agent directly (same process group); just wait for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 0 : 1);
});
