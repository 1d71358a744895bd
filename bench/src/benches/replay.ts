/**
 * `pnpm bench replay`: an agent comes back after an outage with 100,000
 * records in its outbox. Records per second until the hub's committed high
 * water equals the agent's last seq, through the real pieces: the agent as
 * composeAgent builds it (store, HubLink with the default hub.* stream
 * settings) and a real hub (startHub in this process, ws:// on 127.0.0.1,
 * temp database, default settings).
 *
 * Baseline (upper bound): the same rows read from the agent's SQLite file,
 * framed the same way and pushed over one raw WebSocket to a server that
 * only counts bytes (raw-ws-replay.ts).
 *
 * The outbox is filled once; ours and the bound then run in pairs, one
 * after the other (five pairs at BENCH_SCALE ≥ 0.5), ours on a fresh copy
 * every time. The pair with the median ratio is reported: on a shared
 * machine a slow or fast spell hits both runs of a pair alike, while the
 * best of each alone can pair a lucky bound with an unlucky run of ours.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { composeAgent, type Agent } from '@infrastructor/agent/dist/main.js';
import { loadConfigFile } from '@infrastructor/agent/dist/config/load-config.js';
import { HUB_DEFAULTS } from '@infrastructor/agent/dist/config/validate-hub.js';
import { startHub, type Hub } from '@infrastructor/hub/dist/main.js';
import { parseHubConfig } from '@infrastructor/hub/dist/config/load-hub-config.js';
import type { Bench, BenchContext } from '../report.js';
import { fillOutbox } from '../outbox-fill.js';
import { rawWsReplay, type RawReplayOutcome } from '../raw-ws-replay.js';
import { msSince, nowNs, scaledCount } from '../timing.js';

const TOKEN = 'replay-bench-token-0123456789';
const AGENT_ID = 'bench-agent';
const SITE = 'bench';

/** One run of the real agent → hub replay on a fresh copy of the filled outbox. */
async function replayOnce(ctx: BenchContext, dir: string, pristine: string, run: number, lastSeq: number): Promise<{ ms: number; batches: number }> {
  const runDir = join(dir, `run-${run}`);
  mkdirSync(runDir);
  const agentDb = join(runDir, 'agent.db');
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(pristine + suffix)) copyFileSync(pristine + suffix, agentDb + suffix);
  let hub: Hub | undefined;
  let agent: Agent | undefined;
  try {
    let onCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (onCaughtUp = resolve));
    let batches = 0;
    // Hub defaults except where it listens and keeps its database.
    const hubConfig = parseHubConfig(
      `listen: { host: 127.0.0.1, port: 0 }
insecure: true
storage: { path: ${join(runDir, 'hub.db')} }
agents:
  - { id: ${AGENT_ID}, site: ${SITE}, token: ${TOKEN} }
subscribers: []
`,
      join(runDir, 'hub.yaml'),
    );
    hub = await startHub(hubConfig, pino({ level: 'silent' }), {
      afterCommit: (result) => {
        batches++;
        if (result.hwm >= lastSeq) onCaughtUp();
      },
    });
    // Agent defaults (storage synchronous FULL, hub.* batch and window) except paths and the hub address.
    const configPath = join(runDir, 'agent.yaml');
    writeFileSync(
      configPath,
      `site: ${SITE}
hosts:
  - { name: me, transport: local }
storage:
  path: ${agentDb}
hub:
  url: ${hub.url}/agent
  agentId: ${AGENT_ID}
  token: ${TOKEN}
  insecure: true
`,
    );
    agent = composeAgent(loadConfigFile(configPath), pino({ level: 'silent' }));
    if (agent.store.outbox.lastSeq() !== lastSeq) throw new Error('the agent does not see the filled outbox');
    const link = agent.link;
    if (!link) throw new Error('no hub link');
    const start = nowNs();
    link.start();
    await caughtUp;
    const ms = msSince(start);
    const hwm = hub.store.agents.highWater(AGENT_ID, agent.store.epoch);
    if (hwm !== lastSeq) throw new Error(`hub high water ${hwm}, expected ${lastSeq}`);
    ctx.log(`run ${run}: hub link took ${lastSeq} records in ${ms.toFixed(0)} ms (${batches} batches)`);
    return { ms, batches };
  } finally {
    await agent?.shutdown();
    await hub?.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

export const replayBench: Bench = async (ctx: BenchContext) => {
  const records = scaledCount(100_000, ctx.scale, 2000) & ~1;
  // Pairs of runs (bound, then ours); the median pair by ratio is reported.
  const rounds = ctx.scale >= 0.5 ? 5 : 1;
  const dir = mkdtempSync(join(tmpdir(), 'infra-bench-replay-'));
  const pristine = join(dir, 'filled.db');
  try {
    const fillStart = nowNs();
    const fill = fillOutbox(pristine, records);
    ctx.log(`replay: outbox filled with ${fill.records} records (${(fill.payloadBytes / 2 ** 20).toFixed(1)} MiB of payloads, last seq ${fill.lastSeq}) in ${(msSince(fillStart) / 1000).toFixed(1)} s`);
    const pairs: { ours: { ms: number; batches: number }; raw: RawReplayOutcome; ratio: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const raw = await rawWsReplay(pristine, fill.epoch, HUB_DEFAULTS);
      ctx.log(`run ${round}: raw WebSocket took ${raw.records} records, ${(raw.bytes / 2 ** 20).toFixed(1)} MiB in ${raw.ms.toFixed(0)} ms`);
      const ours = await replayOnce(ctx, dir, pristine, round, fill.lastSeq);
      // records/s ours ÷ records/s bound (the same record count on both sides).
      pairs.push({ ours, raw, ratio: raw.ms / ours.ms });
    }
    pairs.sort((a, b) => a.ratio - b.ratio);
    const median = pairs[Math.floor(pairs.length / 2)];
    if (!median) return;
    const { ours: best, raw: bestRaw } = median;
    const ratios = pairs.map((p) => p.ratio.toFixed(2)).join(', ');
    ctx.reporter.add({
      bench: 'replay',
      case: `${fill.records.toLocaleString('en-US')} outbox records after an outage, agent → hub until the high water is the last seq`,
      unit: 'records/s',
      ours: Math.round((fill.records / best.ms) * 1000),
      baseline: Math.round((bestRaw.records / bestRaw.ms) * 1000),
      baselineName: 'same rows over one raw WebSocket to a byte counter (upper bound)',
      higherIsBetter: true,
      target: { ratioAtLeast: 0.5 },
      note: `${(fill.payloadBytes / 2 ** 20).toFixed(1)} MiB of payloads; the median of ${rounds} pairs by ratio (${ratios}): ours ${(best.ms / 1000).toFixed(2)} s in ${best.batches} batches, bound ${(bestRaw.ms / 1000).toFixed(2)} s`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
