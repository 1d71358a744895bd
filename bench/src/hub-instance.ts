/**
 * A real hub for a benchmark, started in this process from a generated
 * config (temp dir, 127.0.0.1 on a free port, plain ws, SQLite with the
 * default synchronous FULL unless told otherwise), with one agent token and
 * one all-sites viewer token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startHub, type Hub } from '@infrastructor/hub';
import { loadHubConfig } from '@infrastructor/hub/dist/config/load-hub-config.js';

export const BENCH_AGENT_TOKEN = 'bench-agent-token-0123456789abcdef';
export const BENCH_VIEWER_TOKEN = 'bench-viewer-token-0123456789abcdef';

export interface BenchHub {
  hub: Hub;
  url: string;
  close(): Promise<void>;
}

export async function startBenchHub(options: { agents: Array<{ id: string; site: string; token: string }>; extraYaml?: string }): Promise<BenchHub> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hub-'));
  const agents = options.agents.map((a) => `  - { id: ${a.id}, site: ${a.site}, token: ${a.token} }`).join('\n');
  writeFileSync(
    join(dir, 'hub.yaml'),
    `listen: { host: 127.0.0.1, port: 0 }
insecure: true
storage: { path: hub.db }
agents:
${agents}
subscribers:
  - { name: bench-viewer, role: viewer, sites: ['*'], token: ${BENCH_VIEWER_TOKEN} }
log: { level: warn }
${options.extraYaml ?? ''}`,
  );
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const hub = await startHub(loadHubConfig(join(dir, 'hub.yaml')), logger);
  return {
    hub,
    url: hub.url,
    async close() {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
