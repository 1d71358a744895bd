// The first errors a new user meets, through the built bins: each is ONE
// line on stderr (or one warn log line for a daemon) with the stable code,
// saying what to do, a non-zero exit where the command ends, and never a
// stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { freePort, startProcess, type ManagedProcess } from '../harness/processes.js';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { SKIP, suiteName } from '../ssh/support.js';
import { AGENT_BIN, HUB_BIN, STACK_TRACE, agentCli, ensureBuilt, hubCli, logLines, workspace } from './operator-support.js';

beforeAll(() => ensureBuilt(), 180_000);

const running: ManagedProcess[] = [];
afterAll(async () => {
  for (const p of running.splice(0)) await p.stop();
});

const LOCAL_HOST = `hosts:
  - name: me
    transport: local
`;

describe('(a) a config typo', () => {
  it('agent: one line with the code, the key path, the line and "did you mean"; exit 2 for check-config, run and collect', () => {
    const ws = workspace({ 'agent.yaml': `site: lab\n${LOCAL_HOST}limits:\n  globalConcurency: 4\n` });
    for (const args of [['check-config'], ['run'], ['collect', 'me', 'uptime'], ['status']]) {
      const r = agentCli([args[0]!, '--config', ws.path('agent.yaml'), ...args.slice(1)]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.errLines).toHaveLength(1);
      expect(r.errLines[0]).toBe(
        `error CONFIG_UNKNOWN_KEY: ${ws.path('agent.yaml')}: limits.globalConcurency (line 6, col 3): unknown key "globalConcurency" (did you mean "globalConcurrency"?); ` +
          'allowed: globalConcurrency, perHostConcurrency, maxOutputBytes, connectTimeoutMs, idleTimeoutMs, keepaliveIntervalMs, shutdownTimeoutMs',
      );
      expect(r.stdout).toBe('');
    }
  });

  it('hub: the same for check-config and run (key path, line, "did you mean")', () => {
    const ws = workspace({ 'hub.yaml': 'insecure: true\nlisten:\n  host: 127.0.0.1\n  prot: 7400\n' });
    for (const command of ['check-config', 'run']) {
      const r = hubCli([command, '--config', ws.path('hub.yaml')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.errLines).toEqual([
        `infra-hub: error CONFIG_UNKNOWN_KEY: ${ws.path('hub.yaml')}: listen.prot (line 4, col 3): unknown key "prot" (did you mean "port"?); allowed: host, port`,
      ]);
    }
  });

  it('a missing config file is one CONFIG_READ_FAILED line naming it', () => {
    const agent = agentCli(['check-config', '--config', '/nonexistent/agent.yaml']);
    expect(agent.code).toBe(2);
    expect(agent.errLines).toHaveLength(1);
    expect(agent.errLines[0]).toMatch(/^error CONFIG_READ_FAILED: .*\/nonexistent\/agent\.yaml/);
    const hub = hubCli(['check-config', '--config', '/nonexistent/hub.yaml']);
    expect(hub.code).toBe(2);
    expect(hub.errLines).toHaveLength(1);
    expect(hub.errLines[0]).toMatch(/^infra-hub: error CONFIG_READ_FAILED: .*\/nonexistent\/hub\.yaml/);
  });
});

describe('(b) a missing SSH private key', () => {
  const config = (keyPath: string) => `site: lab
hosts:
  - name: nas
    address: 127.0.0.1
    port: 1
    privateKeyPath: ${keyPath}
    hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
storage: { path: agent.db }
`;

  it('collect fails with one SSH_KEY_READ_FAILED line naming the path and how to fix it; exit 1', () => {
    const ws = workspace({});
    writeFileSync(ws.path('agent.yaml'), config('./keys/id_ed25519'));
    const key = ws.path('keys/id_ed25519');
    const r = agentCli(['collect', '--config', ws.path('agent.yaml'), 'nas', 'uptime']);
    expect(r.code).toBe(1);
    expect(r.errLines).toEqual([
      `error SSH_KEY_READ_FAILED: ssh nas: private key ${key} does not exist (ENOENT): create it (ssh-keygen -t ed25519 -N '' -f ${key}) ` +
        "and add its .pub to the host's authorized_keys, or fix privateKeyPath (or ssh.defaultPrivateKeyPath) in the agent configuration",
    ]);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const json = agentCli(['collect', '--config', ws.path('agent.yaml'), 'nas', 'uptime', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'SSH_KEY_READ_FAILED' } });
  });

  it('check-config passes (the file is valid) but reports the missing key as a warning line', () => {
    const ws = workspace({});
    writeFileSync(ws.path('agent.yaml'), config('./id_missing'));
    const r = agentCli(['check-config', '--config', ws.path('agent.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`configuration OK: ${ws.path('agent.yaml')} — but 1 warning (at the end)`);
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('warning '));
    expect(warnings).toEqual([
      `warning SSH_KEY_READ_FAILED: private key ${ws.path('id_missing')} (host nas) does not exist: create it (ssh-keygen -t ed25519 -N '' -f ${ws.path('id_missing')}) ` +
        "and add its .pub to the host's authorized_keys, or fix privateKeyPath",
    ]);
  });
});

describe('(c) an unreachable hub', () => {
  it('run keeps collecting, logs ONE warn line for the state (not one per retry), and status shows it', async () => {
    const port = await freePort(); // nothing listens there
    const url = `ws://127.0.0.1:${port}/agent`;
    const ws = workspace({
      'agent.yaml': `site: lab
${LOCAL_HOST}commands:
  load_average: { schedule: "* * * * * *" }
storage: { path: agent.db }
schedule: { jitterMs: 0, runOnStart: false }
log: { level: debug }
hub:
  url: ${url}
  token: agent-token-0123456789
  insecure: true
  reconnectBaseDelayMs: 10
  reconnectMaxDelayMs: 100
`,
    });
    const agent = startProcess('agent', AGENT_BIN, ['run', '--config', ws.path('agent.yaml')]);
    running.push(agent);
    const connectFailures = (): ReturnType<typeof logLines> => logLines(agent.output()).filter((l) => l.event === 'hub_connect_failed');
    for (let i = 0; i < 400 && agent.running() && (connectFailures().length < 5 || logLines(agent.output()).filter((l) => l.event === 'collection_succeeded').length < 2); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines = logLines(agent.output());
    // Retried many times, warned once (the rest at debug).
    expect(connectFailures().length).toBeGreaterThanOrEqual(5);
    // (Other warnings, e.g. a scheduled docker command on a machine without docker, are not the link's.)
    const warns = lines.filter((l) => l.level >= 40 && l.component === 'hub-link');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ event: 'hub_connect_failed', code: 'HUB_UNREACHABLE', url });
    expect(warns[0]?.msg).toMatch(
      new RegExp(
        `^hub at ${url.replace(/[/.]/g, '\\$&')}: unreachable \\(ECONNREFUSED\\): nothing is listening at 127\\.0\\.0\\.1:${port}: is the hub running, and is hub\\.url right\\?; ` +
          'retrying in \\d+ ms; collections go on and their records are kept in the outbox$',
      ),
    );
    // Collections go on meanwhile.
    expect(lines.filter((l) => l.event === 'collection_succeeded' && l.command === 'load_average').length).toBeGreaterThanOrEqual(2);

    const status = agentCli(['status', '--config', ws.path('agent.yaml')]);
    expect(status.code, status.stderr).toBe(0);
    const hubLine = status.stdout.split('\n').find((l) => l.startsWith('hub: '));
    expect(hubLine).toMatch(
      new RegExp(`^hub: ${url.replace(/[/.]/g, '\\$&')} — DISCONNECTED since \\d+s ago; last error HUB_UNREACHABLE \\d+s ago: unreachable \\(ECONNREFUSED\\)`),
    );
    expect(hubLine).toMatch(/nothing acknowledged yet; retrying, records wait in the outbox$/);
    expect(await agent.stop()).toBe(0);
  }, 60_000);
});

describe.skipIf(SKIP)(suiteName('(d) a host key that is not pinned'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
  });

  it('collect fails with SSH_HOST_KEY_UNKNOWN printing the fingerprint and the exact hostKey line; adding that line makes it work', () => {
    const host = `site: lab
hosts:
  - name: nas
    address: ${sshd.address}
    port: ${sshd.port}
    user: ${sshd.user}
    privateKeyPath: ${sshd.privateKeyPath}
`;
    const ws = workspace({ 'agent.yaml': `${host}storage: { path: agent.db }\n` });

    const check = agentCli(['check-config', '--config', ws.path('agent.yaml')]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^nas\s+\S+\s+strict, unpinned\s+system_metrics/m);
    expect(check.stdout.split('\n').filter((l) => l.startsWith('warning '))).toEqual([
      `warning SSH_HOST_KEY_UNKNOWN: host nas: hostKeyPolicy strict but no hostKey or knownHostsPath: its host key will be refused. ` +
        `Pin it with "hostKey: SHA256:…" (ssh-keyscan -p ${sshd.port} ${sshd.address} | ssh-keygen -lf -, checked against the host's own ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or set hostKeyPolicy: tofu`,
    ]);

    const r = agentCli(['collect', '--config', ws.path('agent.yaml'), 'nas', 'uptime']);
    expect(r.code).toBe(1);
    expect(r.errLines).toHaveLength(1);
    const line = r.errLines[0] ?? '';
    expect(line).toMatch(/^error SSH_HOST_KEY_UNKNOWN: /);
    expect(line).toContain(`the host offered ED25519 ${sshd.hostKeyFingerprint}`);
    expect(line).toContain(`"hostKey: ${sshd.hostKeyFingerprint}"`);
    expect(line).toContain('hostKeyPolicy: tofu');
    expect(r.stderr).not.toMatch(STACK_TRACE);

    // Doing what the line says works.
    const hostKeyLine = /"(hostKey: SHA256:[^"]+)"/.exec(line)?.[1];
    writeFileSync(ws.path('agent.yaml'), `${host}    ${hostKeyLine}\nstorage: { path: agent.db }\n`);
    const ok = agentCli(['collect', '--config', ws.path('agent.yaml'), 'nas', 'uptime', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, status: 'success', host: 'nas', command: 'uptime' });
    expect(agentCli(['check-config', '--config', ws.path('agent.yaml')]).stdout).not.toMatch(/^warning /m);
  }, 60_000);
});

describe('(e) a wrong token', () => {
  const AGENT_TOKEN = 'agent-token-0123456789abcdef';
  const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
  let hub: ManagedProcess;
  let hubUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    const ws = workspace({
      'hub.yaml': `listen: { host: 127.0.0.1, port: ${port} }
insecure: true
storage: { path: hub.db }
agents:
  - { id: lab, site: lab, token: ${AGENT_TOKEN} }
subscribers:
  - { name: ops, role: operator, sites: ['*'], token: ${OPERATOR_TOKEN} }
`,
    });
    hub = startProcess('hub', HUB_BIN, ['run', '--config', ws.path('hub.yaml')]);
    running.push(hub);
    await hub.waitFor(/"event":"hub_listening"/);
    hubUrl = `ws://127.0.0.1:${port}`;
  }, 30_000);

  it('agent → hub: one AUTH_FAILED warn line saying to check hub.token/tokenFile and the hub agents list; status shows it', async () => {
    const ws = workspace({
      'token': 'not-the-right-token-0123456789\n',
      'agent.yaml': `site: lab
${LOCAL_HOST}storage: { path: agent.db }
schedule: { enabled: false }
log: { level: debug }
hub:
  url: ${hubUrl}/agent
  tokenFile: ./token
  insecure: true
  reconnectBaseDelayMs: 10
  reconnectMaxDelayMs: 100
`,
    });
    const agent = startProcess('agent', AGENT_BIN, ['run', '--config', ws.path('agent.yaml')]);
    running.push(agent);
    for (let i = 0; i < 200 && agent.running() && logLines(agent.output()).filter((l) => l.event === 'hub_auth_failed').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const lines = logLines(agent.output());
    expect(lines.filter((l) => l.event === 'hub_auth_failed').length).toBeGreaterThanOrEqual(3);
    const warns = lines.filter((l) => l.level >= 40 && l.component === 'hub-link');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ event: 'hub_auth_failed', code: 'AUTH_FAILED', httpStatus: 401 });
    expect(warns[0]?.msg).toBe(
      `hub at ${hubUrl}/agent: refused this agent's token (HTTP 401): check hub.token / hub.tokenFile here and the hub's agents list (token or tokenSha256 for this agent id); ` +
        'retrying in 100 ms; collections go on and their records are kept in the outbox',
    );
    expect(agent.output()).not.toContain('not-the-right-token');

    const status = agentCli(['status', '--config', ws.path('agent.yaml')]);
    expect(status.stdout).toMatch(/^hub: .* — DISCONNECTED since \d+s ago; last error AUTH_FAILED \d+s ago: refused this agent's token \(HTTP 401\): check hub\.token/m);
    expect(await agent.stop()).toBe(0);
    expect(hub.output()).toMatch(/"event":"auth_failed"|AUTH_FAILED/);
  }, 30_000);

  it('infra-hub watch and request with a bad token: one line, exit 2', () => {
    const watch = hubCli(['watch', '--url', hubUrl, '--token', 'wrong-token']);
    expect(watch.code).toBe(2);
    expect(watch.errLines).toEqual([
      `infra-hub watch: error AUTH_FAILED: the hub at ${hubUrl}/subscribe rejected the token (HTTP 401): check --token / INFRA_HUB_TOKEN against the hub's subscribers list (an agent token does not work here)`,
    ]);
    expect(watch.stdout).toBe('');

    const request = hubCli(['request', '--url', hubUrl, '--token', AGENT_TOKEN, 'lab', 'me', 'uptime']);
    expect(request.code).toBe(2);
    expect(request.errLines).toEqual([
      `error AUTH_FAILED: the hub at ${hubUrl}/subscribe rejected the token (HTTP 401): check --token / INFRA_HUB_TOKEN against the hub's subscribers list (an agent token does not work here)`,
    ]);
    const json = hubCli(['request', '--url', hubUrl, '--token', 'wrong-token', '--json', 'lab', 'me', 'uptime']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    for (const r of [watch, request, json]) expect(r.stderr).not.toMatch(STACK_TRACE);
  }, 30_000);
});

describe('a hub port already in use', () => {
  it('run exits 1 with one line naming the address and what to do', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ws = workspace({ 'hub.yaml': `listen: { host: 127.0.0.1, port: ${port} }\ninsecure: true\nstorage: { path: hub.db }\n` });
      const r = hubCli(['run', '--config', ws.path('hub.yaml')]);
      expect(r.code).toBe(1);
      expect(r.errLines).toEqual([
        `infra-hub: error INTERNAL: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port} ` +
          '(another process, maybe another hub, already listens there: stop it or change listen.port)',
      ]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 30_000);
});

describe('no stack traces', () => {
  it('a bad flag and an unknown command are one usage line and exit 2', () => {
    const bad = agentCli(['status', '--config']);
    expect(bad.code).toBe(2);
    expect(bad.errLines).toHaveLength(1);
    expect(bad.errLines[0]).toMatch(/^error CONFIG_INVALID: usage: /);
    const hub = hubCli(['run', '--bogus']);
    expect(hub.code).toBe(2);
    expect(hub.errLines).toHaveLength(1);
    expect(hub.errLines[0]).toMatch(/^infra-hub: error CONFIG_INVALID: usage: /);
  });
});
