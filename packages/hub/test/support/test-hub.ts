/**
 * A real hub on port 0 with a real SQLite file in a temp dir, a recording
 * publisher and the placeholder gateway (the agent side's tests do not
 * depend on the subscriber side).
 */
import { join } from 'node:path';
import type { HubConfig } from '../../src/config/hub-config.js';
import { parseHubConfig } from '../../src/config/load-hub-config.js';
import { startHub, type Hub } from '../../src/main.js';
import { memoryLogger, type MemoryLogger } from './memory-logger.js';
import { PlaceholderGateway } from './placeholder-gateway.js';
import { RecordingPublisher } from './recording-publisher.js';

export const TOKENS = {
  a1: 'agent-a1-token-0123456789',
  a2: 'agent-a2-token-0123456789',
  b1: 'agent-b1-token-0123456789',
  operator: 'operator-token-0123456789',
  viewer: 'viewer-token-0123456789',
  alphaOperator: 'alpha-operator-token-0123456789',
} as const;

export function testConfigText(dbPath: string): string {
  return `
listen: { host: 127.0.0.1, port: 0 }
insecure: true
storage: { path: ${JSON.stringify(dbPath)} }
agents:
  - { id: a1, site: alpha, token: ${TOKENS.a1} }
  - { id: a2, site: alpha, token: ${TOKENS.a2} }
  - { id: b1, site: beta, token: ${TOKENS.b1} }
subscribers:
  - { name: ops, role: operator, sites: ['*'], token: ${TOKENS.operator} }
  - { name: watcher, role: viewer, sites: ['*'], token: ${TOKENS.viewer} }
  - { name: alpha-ops, role: operator, sites: [alpha], token: ${TOKENS.alphaOperator} }
log: { level: debug }
`;
}

export function testConfig(dir: string, limits: Partial<HubConfig['limits']> = {}): HubConfig {
  const base = parseHubConfig(testConfigText(join(dir, 'hub.db')), join(dir, 'hub.yaml'));
  return { ...base, limits: { ...base.limits, ...limits } };
}

export interface TestHub {
  hub: Hub;
  url: string;
  config: HubConfig;
  publisher: RecordingPublisher;
  gateway: PlaceholderGateway;
  log: MemoryLogger;
}

export async function startTestHub(config: HubConfig, options: { clock?: () => number; log?: MemoryLogger } = {}): Promise<TestHub> {
  const log = options.log ?? memoryLogger();
  const publisher = new RecordingPublisher();
  const gateway = new PlaceholderGateway();
  const hub = await startHub(config, log.logger, { publisher, subscriberGateway: gateway, ...(options.clock ? { clock: options.clock } : {}) });
  return { hub, url: hub.url, config, publisher, gateway, log };
}

/** Hubs started in a test, closed afterwards (close is safe twice). */
export function hubs(): { track(t: TestHub): TestHub; closeAll(): Promise<void> } {
  const started: TestHub[] = [];
  return {
    track(t) {
      started.push(t);
      return t;
    },
    async closeAll() {
      for (const t of started.splice(0)) await t.hub.close();
    },
  };
}
