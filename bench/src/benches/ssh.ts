/**
 * `pnpm bench ssh`: commands per second against one real OpenSSH sshd on
 * this machine (test/harness/sshd.ts), sequentially and 8 at a time:
 *
 * - ours: the agent's SshPool (one pooled ssh2 connection per host, one
 *   exec channel per command, PID marker + remote kill on timeout). The
 *   per-host channel limit caps concurrency, so perHostConcurrency is set
 *   to 8 here (the default is 2).
 * - baseline A: the OpenSSH client with ControlMaster (the master is up
 *   before timing; each command is one `ssh` process, 8 in parallel for the
 *   concurrency case).
 * - baseline B: a fresh ssh2 connection per command (connect, handshake,
 *   auth, exec, disconnect; TCP no-delay like the pool), as a per-check SSH
 *   item does.
 * - ours as the agent collects: CollectionService.collectMany, the way the
 *   scheduler runs a host's commands that fall due together — BATCH
 *   commands per exec channel with section markers and per-section exit
 *   codes; sequentially one channel at a time, at concurrency 8 eight
 *   channels at once (8 × BATCH commands due) — each a whole collection
 *   (parse, SQLite result + audit + outbox), next to a fresh ssh2
 *   connection per command running the same line (baseline B).
 * - for context: collections per second through CollectionService
 *   (load_average: script, parse, SQLite result + audit + outbox) next to
 *   the raw pool running the same script.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2'; // CommonJS
import { pino } from 'pino';
import { SshPool } from '@infrastructor/agent/dist/collect/ssh-pool.js';
import { composeAgent } from '@infrastructor/agent/dist/main.js';
import { loadConfigFile } from '@infrastructor/agent/dist/config/load-config.js';
import type { Bench, BenchContext } from '../report.js';
import { startSshd, sshdSkipReason, type SshdHandle } from '../../../test/harness/sshd.js';
import { ControlMaster, opensshSkipReason } from '../openssh-controlmaster.js';
import { compareAsyncOpsPerSecond, scaled, type OpsResult } from '../timing.js';

const COMMAND = 'cat /proc/loadavg';
const CONCURRENCY = 8;
/** Commands that fall due together on one host in the batched case (the issue's "ten commands in one channel"). */
const BATCH = 10;
const ROUNDS = 5;
const EXEC = { timeoutMs: 15_000, maxOutputBytes: 1_000_000 } as const;

/** One command on a brand-new ssh2 connection, host key checked against the pinned fingerprint. */
function execOnFreshConnection(sshd: SshdHandle, key: Buffer, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let out = '';
    client.once('error', reject);
    client.once('ready', () => {
      client.exec(command, (err, ch) => {
        if (err) {
          client.end();
          reject(err);
          return;
        }
        ch.on('data', (b: Buffer) => (out += b.toString('utf8')));
        ch.stderr.on('data', () => undefined);
        ch.once('close', () => {
          client.end();
          resolve(out);
        });
      });
    });
    // TCP no-delay as the pool has it (without it every handshake round trip
    // waits on Nagle + delayed ACK: ~275 ms instead of ~85 ms per command here).
    const sock = netConnect({ host: sshd.address, port: sshd.port });
    sock.setNoDelay(true);
    client.connect({
      sock,
      username: sshd.user,
      privateKey: key,
      readyTimeout: 20_000,
      hostVerifier: (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}` === sshd.hostKeyFingerprint,
    });
  });
}

function perSec(r: OpsResult): number {
  return Math.round(r.opsPerSec);
}

export const sshBench: Bench = async (ctx: BenchContext) => {
  const skip = sshdSkipReason();
  if (skip) {
    ctx.reporter.add({ bench: 'ssh', case: 'all cases', unit: 'commands/s', ours: 0, baseline: null, baselineName: 'OpenSSH ControlMaster', higherIsBetter: true, note: `cannot run here: ${skip}` });
    return;
  }
  const durationMs = scaled(5000, ctx.scale, 500);
  const warmupMs = scaled(1000, ctx.scale, 100);
  const sshd = await startSshd({});
  const dir = mkdtempSync(join(tmpdir(), 'infra-bench-ssh-'));
  const host = sshd.hostConfig({ name: 'bench-host' });
  const pool = new SshPool({
    limits: { globalConcurrency: CONCURRENCY, perHostConcurrency: CONCURRENCY, connectTimeoutMs: 10_000, idleTimeoutMs: 300_000, keepaliveIntervalMs: 15_000 },
  });
  const cm = opensshSkipReason() === undefined ? new ControlMaster(sshd, dir) : undefined;
  const agents: ReturnType<typeof composeAgent>[] = [];
  /** An agent on this sshd host (site bench, host bench-host, its own database) with `extraYaml` appended to its config. */
  const composeBenchAgent = (name: string, extraYaml: string): ReturnType<typeof composeAgent> => {
    const configPath = join(dir, `${name}.yaml`);
    writeFileSync(configPath, `site: bench\nhosts:\n${sshd.hostYaml('bench-host')}\nstorage:\n  path: ${join(dir, `${name}.db`)}\n${extraYaml}`);
    const a = composeAgent(loadConfigFile(configPath), pino({ level: 'silent' }));
    agents.push(a);
    return a;
  };
  try {
    const poolExec = async (): Promise<void> => {
      const r = await pool.exec(host, COMMAND, EXEC);
      if (r.exitCode !== 0) throw new Error(`pool exec failed: ${r.stderr}`);
    };
    ctx.log(`ssh: ${durationMs} ms per case (in ${ROUNDS} interleaved rounds) after ${warmupMs} ms warm-up; sshd on ${sshd.address}:${sshd.port}; command: ${COMMAND}`);
    if (cm) await cm.run('true'); // the master is up before timing
    const cmExec = async (): Promise<void> => {
      await cm?.run(COMMAND);
    };
    const key = readFileSync(sshd.privateKeyPath);
    const freshExec = async (): Promise<void> => {
      await execOnFreshConnection(sshd, key, COMMAND);
    };
    const measured = [
      { fn: poolExec, concurrency: 1 },
      { fn: poolExec, concurrency: CONCURRENCY },
      { fn: freshExec, concurrency: 1 },
      { fn: freshExec, concurrency: CONCURRENCY },
      ...(cm ? [{ fn: cmExec, concurrency: 1 }, { fn: cmExec, concurrency: CONCURRENCY }] : []),
    ];
    // Interleaved rounds, so load from elsewhere on the machine hits every case alike.
    const r = await compareAsyncOpsPerSecond(measured, { durationMs, warmupMs, rounds: ROUNDS, settleMs: 300 });
    const [oursSeq, oursPar, freshSeq, freshPar, cmSeq, cmPar] = r as [OpsResult, OpsResult, OpsResult, OpsResult, OpsResult | undefined, OpsResult | undefined];
    ctx.log(`pool: ${perSec(oursSeq)}/s sequential (${(1000 / oursSeq.opsPerSec).toFixed(2)} ms each), ${perSec(oursPar)}/s at ${CONCURRENCY}; connections opened ${pool.stats().connectionsOpened}`);
    if (cmSeq && cmPar) ctx.log(`ControlMaster: ${perSec(cmSeq)}/s sequential (${(1000 / cmSeq.opsPerSec).toFixed(2)} ms each), ${perSec(cmPar)}/s at ${CONCURRENCY}`);
    ctx.log(`fresh ssh2 connection per command: ${perSec(freshSeq)}/s sequential (${(1000 / freshSeq.opsPerSec).toFixed(1)} ms each), ${perSec(freshPar)}/s at ${CONCURRENCY}`);

    const cmNote = cm ? undefined : opensshSkipReason();
    const figures: Array<[string, OpsResult, OpsResult | undefined, OpsResult]> = [
      ['sequential', oursSeq, cmSeq, freshSeq],
      [`concurrency ${CONCURRENCY} (perHostConcurrency ${CONCURRENCY})`, oursPar, cmPar, freshPar],
    ];
    for (const [name, ours, cmR, fresh] of figures) {
      ctx.reporter.add({
        bench: 'ssh',
        case: `${name}, SshPool vs OpenSSH ControlMaster`,
        unit: 'commands/s',
        ours: perSec(ours),
        baseline: cmR ? perSec(cmR) : null,
        baselineName: 'ssh -o ControlMaster=auto (1 process per command)',
        higherIsBetter: true,
        target: { ratioAtLeast: 2 },
        ...(cmNote ? { note: `cannot run here: ${cmNote}` } : { note: `ours ${(1000 / ours.opsPerSec).toFixed(2)} ms/command, ControlMaster ${(1000 / (cmR as OpsResult).opsPerSec).toFixed(2)} ms` }),
      });
      ctx.reporter.add({
        bench: 'ssh',
        case: `${name}, SshPool vs a fresh ssh2 connection per command`,
        unit: 'commands/s',
        ours: perSec(ours),
        baseline: Math.round(fresh.opsPerSec * 10) / 10,
        baselineName: 'fresh ssh2 connection per command',
        higherIsBetter: true,
        note: `one command per exec channel (the batched rows below are how the agent collects); fresh connection ${(1000 / fresh.opsPerSec).toFixed(1)} ms/command`,
      });
    }

    // Ours as the agent collects: the scheduler hands all of a host's
    // commands that fall due together to collectMany, which runs them in as
    // many exec channels as perHostConcurrency allows, BATCH commands each
    // here. Sequential: one channel at a time (perHostConcurrency 1, BATCH
    // due commands per call). Concurrency 8: 8 channels at once
    // (perHostConcurrency 8, 8 × BATCH due commands per call) — as many
    // lanes to the host as the 8 fresh connections of the baseline.
    const due = Array.from({ length: CONCURRENCY * BATCH }, (_, i) => `due_${i}`);
    const composeBatchAgent = (perHostConcurrency: number): ReturnType<typeof composeAgent> =>
      composeBenchAgent(
        `batched-${perHostConcurrency}`,
        `limits:
  perHostConcurrency: ${perHostConcurrency}
userCommands:
${due.map((name) => `  ${name}: { template: "${COMMAND}", parser: proc-loadavg, schedule: "0 0 1 1 *" }`).join('\n')}
`,
      );
    /** One scheduler-style call: `names` fell due together; resolves when every collection is stored. */
    const collectDue = (b: ReturnType<typeof composeAgent>, names: readonly string[]): (() => Promise<void>) => {
      return async () => {
        for (const r of await Promise.all(b.service.collectMany('bench-host', names, { source: 'schedule' }))) {
          if (r.status !== 'success') throw new Error(`collectMany: ${r.status}`);
        }
      };
    };
    const oneLane = composeBatchAgent(1);
    const eightLanes = composeBatchAgent(CONCURRENCY);
    const [batchSeq, batchPar, freshSeq2, freshPar2] = (await compareAsyncOpsPerSecond(
      [
        { fn: collectDue(oneLane, due.slice(0, BATCH)), concurrency: 1 },
        { fn: collectDue(eightLanes, due), concurrency: 1 },
        { fn: freshExec, concurrency: 1 },
        { fn: freshExec, concurrency: CONCURRENCY },
      ],
      { durationMs, warmupMs, rounds: ROUNDS, settleMs: 300 },
    )) as [OpsResult, OpsResult, OpsResult, OpsResult];
    const seqPerSec = batchSeq.opsPerSec * BATCH;
    const parPerSec = batchPar.opsPerSec * BATCH * CONCURRENCY;
    const channels = oneLane.counters.get('collection_batches') + eightLanes.counters.get('collection_batches');
    const missing = oneLane.counters.get('collection_batch_section_missing') + eightLanes.counters.get('collection_batch_section_missing');
    ctx.log(
      `batched: ${Math.round(seqPerSec)} collections/s on one channel at a time, ${Math.round(parPerSec)}/s on ${CONCURRENCY} at once; ${channels} batch channels, ${missing} sections missing; fresh connection ${perSec(freshSeq2)}/s, ${perSec(freshPar2)}/s at ${CONCURRENCY}`,
    );
    for (const [name, ours, fresh, lanes] of [
      ['sequential', seqPerSec, freshSeq2, 'one channel at a time (perHostConcurrency 1)'],
      [`concurrency ${CONCURRENCY}`, parPerSec, freshPar2, `${CONCURRENCY} channels at once (perHostConcurrency ${CONCURRENCY})`],
    ] as const) {
      ctx.reporter.add({
        bench: 'ssh',
        case: `${name}, collections as the agent runs them (a host's due commands, ${BATCH} per exec channel; parse + SQLite) vs a fresh ssh2 connection per command`,
        unit: 'collections/s',
        ours: Math.round(ours),
        baseline: Math.round(fresh.opsPerSec * 10) / 10,
        baselineName: 'fresh ssh2 connection per command (exec only, no parse or store)',
        higherIsBetter: true,
        target: { ratioAtLeast: 20 },
        note: `ours ${(1000 / ours).toFixed(2)} ms per collection, ${lanes}; fresh connection ${(1000 / fresh.opsPerSec).toFixed(1)} ms/command`,
      });
    }

    // For context: the whole collection path for a built-in command.
    const a = composeBenchAgent(
      'context',
      `schedule:
  jitterMs: 0
limits:
  perHostConcurrency: ${CONCURRENCY}
`,
    );
    const spec = a.registry.get('load_average');
    const script = spec.script({}, { nonce: 'bench' });
    const collectOnce = async (): Promise<void> => {
      const r = await a.service.collect('bench-host', 'load_average', { source: 'cli', forceRefresh: true });
      if (r.status !== 'success') throw new Error(`collect: ${r.status}`);
    };
    const rawExec = async (): Promise<void> => {
      await a.pool.exec(host, script, EXEC);
    };
    const [serviceSeq, rawSeq] = (await compareAsyncOpsPerSecond(
      [
        { fn: collectOnce, concurrency: 1 },
        { fn: rawExec, concurrency: 1 },
      ],
      { durationMs, warmupMs, rounds: ROUNDS, settleMs: 100 },
    )) as [OpsResult, OpsResult];
    ctx.reporter.add({
      bench: 'ssh',
      case: 'sequential, CollectionService.collect(load_average) vs the raw pool exec of its script',
      unit: 'collections/s',
      ours: perSec(serviceSeq),
      baseline: perSec(rawSeq),
      baselineName: 'SshPool.exec of the same script',
      higherIsBetter: true,
      note: `context only: parse + SQLite (result, history, audit, outbox) cost ${Math.max(0, 1000 / serviceSeq.opsPerSec - 1000 / rawSeq.opsPerSec).toFixed(2)} ms per collection`,
    });
  } finally {
    for (const a of agents) await a.shutdown();
    await pool.close();
    cm?.stop();
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
