/**
 * A site in this process: a hub started as main.ts starts it, with one agent
 * entry, and that agent composed as main.ts composes it, its hub link
 * started. Both read YAML configs written to a fresh temp folder (which also
 * holds their databases), the way an operator writes them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { composeAgent, type Agent } from '../../packages/agent/src/main.js';
import { loadConfigFile } from '../../packages/agent/src/config/load-config.js';
import { startHub, type Hub } from '../../packages/hub/src/main.js';
import { loadHubConfig } from '../../packages/hub/src/config/load-hub-config.js';
import { eventually } from './processes.js';

/** A YAML flow mapping's values: scalars, or lists of strings. */
type FlowValues = Readonly<Record<string, string | number | boolean | readonly string[]>>;

export interface InProcessSiteOptions {
  /** Prefix of the temp folder's name. */
  tmpPrefix: string;
  /** The hub's one agent entry; the agent connects as it, to its site. */
  agent: { id: string; site: string; token: string };
  /** The hub's subscribers (none by default). */
  subscribers?: readonly FlowValues[];
  /**
   * Serve wss:// with a self-signed certificate for 127.0.0.1 made with
   * openssl (hub.crt); the agent is given it as caFile only when
   * `agentTrustsCa`. Without `tls` both sides are `insecure: true` (ws://).
   */
  tls?: { agentTrustsCa: boolean };
  /** The agent's hosts. */
  hosts: readonly FlowValues[];
  /** The agent's hub.reconnectBaseDelayMs and hub.reconnectMaxDelayMs. */
  reconnectDelayMs: { base: number; max: number };
  /** Silent unless given. */
  hubLogger?: Logger;
  agentLogger?: Logger;
}

export interface InProcessSite {
  /** The temp folder: hub.yaml, agent.yaml, hub.db, agent.db. */
  readonly dir: string;
  /** The running hub (a new one after restartHub). */
  readonly hub: Hub;
  readonly agent: Agent;
  /** Resolves once the hub reports the agent connected. */
  agentConnected(timeoutMs?: number): Promise<void>;
  /** Close the hub, run `whileDown`, then start it again with its config on the same port. */
  restartHub(whileDown?: () => void): Promise<Hub>;
  /** Shut the agent down, close the hub, remove the folder. Safe twice. */
  close(): Promise<void>;
}

export async function startInProcessSite(options: InProcessSiteOptions): Promise<InProcessSite> {
  const dir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
  const hubLogger = options.hubLogger ?? pino({ level: 'silent' });
  const agentLogger = options.agentLogger ?? pino({ level: 'silent' });
  if (options.tls) makeSelfSignedCert(dir);

  writeFileSync(join(dir, 'hub.yaml'), hubYaml(options));
  let hub = await startHub(loadHubConfig(join(dir, 'hub.yaml')), hubLogger);
  let agent: Agent;
  try {
    writeFileSync(join(dir, 'agent.yaml'), agentYaml(options, hub.url));
    agent = composeAgent(loadConfigFile(join(dir, 'agent.yaml')), agentLogger);
    agent.link?.start();
  } catch (err) {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    dir,
    get hub() {
      return hub;
    },
    agent,
    async agentConnected(timeoutMs = 20_000) {
      await eventually(() => hub.status().agents.some((a) => a.agentId === options.agent.id && a.connected), timeoutMs, 'the agent to connect');
    },
    async restartHub(whileDown) {
      await hub.close();
      whileDown?.();
      hub = await startHub({ ...hub.config, listen: { ...hub.config.listen, port: hub.port } }, hubLogger);
      return hub;
    },
    async close() {
      await agent.shutdown();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function hubYaml(options: InProcessSiteOptions): string {
  const subscribers = options.subscribers ?? [];
  return [
    'listen: { host: 127.0.0.1, port: 0 }',
    options.tls ? 'tls: { certFile: hub.crt, keyFile: hub.key }' : 'insecure: true',
    'storage: { path: hub.db }',
    'agents:',
    `  - ${flow(options.agent)}`,
    subscribers.length === 0 ? 'subscribers: []' : ['subscribers:', ...subscribers.map((s) => `  - ${flow(s)}`)].join('\n'),
    '',
  ].join('\n');
}

function agentYaml(options: InProcessSiteOptions, hubUrl: string): string {
  return [
    `site: ${options.agent.site}`,
    'hosts:',
    ...options.hosts.map((h) => `  - ${flow(h)}`),
    'storage: { path: agent.db }',
    'schedule: { jitterMs: 0, runOnStart: false }',
    'hub:',
    `  url: ${hubUrl}/agent`,
    `  agentId: ${options.agent.id}`,
    `  token: ${options.agent.token}`,
    ...(options.tls === undefined ? ['  insecure: true'] : options.tls.agentTrustsCa ? ['  caFile: hub.crt'] : []),
    `  reconnectBaseDelayMs: ${options.reconnectDelayMs.base}`,
    `  reconnectMaxDelayMs: ${options.reconnectDelayMs.max}`,
    '',
  ].join('\n');
}

/** `{ key: value, ... }`, strings and lists quoted as JSON (which YAML reads as is). */
function flow(values: FlowValues): string {
  return `{ ${Object.entries(values)
    .map(([k, v]) => `${k}: ${typeof v === 'string' || Array.isArray(v) ? JSON.stringify(v) : String(v)}`)
    .join(', ')} }`;
}

function makeSelfSignedCert(dir: string): void {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'hub.key'), '-out', join(dir, 'hub.crt'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
}
