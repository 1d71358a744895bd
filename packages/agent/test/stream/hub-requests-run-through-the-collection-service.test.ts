import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { decode, parseAuditEntry, type AgentCollectResult, type AgentRecords } from '@infrastructor/shared';
import { loadConfigFile } from '../../src/config/load-config.js';
import { composeAgent, main, type Agent } from '../../src/main.js';
import { FakeHub } from './fake-hub.js';
import { tempDirs, TOKEN } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

function writeConfig(dir: string, hubUrl: string): string {
  writeFileSync(join(dir, 'hub-token'), `${TOKEN}\n`, { mode: 0o600 });
  const path = join(dir, 'agent.yaml');
  writeFileSync(
    path,
    [
      'site: lab',
      'hosts:',
      '  - name: me',
      '    transport: local',
      'userCommands:',
      '  greet:',
      '    template: echo {{name}}',
      '    params:',
      '      name:',
      '        type: string',
      '        pattern: "[a-z]+"',
      '    parser: lines',
      '    ttlMs: 0',
      'storage:',
      '  path: ./agent.db',
      'schedule:',
      '  enabled: false',
      'hub:',
      `  url: ${hubUrl}`,
      '  insecure: true',
      '  tokenFile: ./hub-token',
      '  reconnectBaseDelayMs: 10',
      '  reconnectMaxDelayMs: 100',
      '',
    ].join('\n'),
  );
  return path;
}

const isAnswer = (id: string) => (m: { t: string }): m is AgentCollectResult => m.t === 'collect_result' && (m as AgentCollectResult).requestId === id;

function auditsIn(frames: AgentRecords[]) {
  return frames.flatMap((b) => b.records.filter((r) => r.kind === 'audit').map((r) => parseAuditEntry(decode(r.payload))));
}

describe('requests from the hub', () => {
  it('run through the collection service and are answered; their records stream; bad params are PARAM_INVALID', async () => {
    const hub = await FakeHub.start();
    const dir = dirs.make();
    const configPath = writeConfig(dir, hub.url);
    const agent: Agent = composeAgent(loadConfigFile(configPath), pino({ level: 'silent' }));
    cleanups.push(() => hub.stop(), () => agent.shutdown());
    expect(agent.link).toBeDefined();
    agent.link!.start();
    const conn = await hub.connection(1);
    const hello = await conn.hello();
    expect(hello.jobs).toContainEqual({ host: 'me', command: 'greet', schedule: '*/15 * * * *', intervalMs: 15 * 60_000 });
    expect(conn.headers.authorization).toBe(`Bearer ${TOKEN}`);

    conn.send({ t: 'collect', requestId: 'r-1', host: 'me', command: 'greet', params: { name: 'world' }, forceRefresh: false, timeoutMs: 10_000, correlationId: 'corr-1' });
    const ok = await conn.waitFor(isAnswer('r-1'));
    expect(ok).toMatchObject({
      ok: true,
      result: { host: 'me', command: 'greet', params: { name: 'world' }, status: 'success', cacheHit: false, data: ['world'], correlationId: 'corr-1' },
    });

    conn.send({ t: 'collect', requestId: 'r-2', host: 'me', command: 'greet', params: { name: 'BAD!' }, forceRefresh: false, timeoutMs: 10_000, correlationId: 'corr-2' });
    const bad = await conn.waitFor(isAnswer('r-2'));
    expect(bad).toMatchObject({ ok: false, error: { code: 'PARAM_INVALID' } });

    conn.send({ t: 'collect', requestId: 'r-3', host: 'nowhere', command: 'greet', params: {}, forceRefresh: false, timeoutMs: 10_000, correlationId: 'corr-3' });
    expect(await conn.waitFor(isAnswer('r-3'))).toMatchObject({ ok: false, error: { code: 'HOST_UNKNOWN' } });

    // Every write (success and failures alike) reached the hub as records.
    await conn.waitFor((m) => m.t === 'records' && auditsIn([m]).some((a) => a.correlationId === 'corr-3'));
    const frames = conn.records();
    expect(auditsIn(frames).map((a) => [a.correlationId, a.source, a.status, a.errorCode])).toEqual([
      ['corr-1', 'request', 'success', null],
      ['corr-2', 'request', 'error', 'PARAM_INVALID'],
      ['corr-3', 'request', 'error', 'HOST_UNKNOWN'],
    ]);
    expect(frames.flatMap((b) => b.records.map((r) => r.kind))).toContain('result');

    // Shutdown closes the link first, with "going away"; status shows what the link last wrote.
    await agent.shutdown();
    expect((await conn.closed).code).toBe(1001);
    const out: string[] = [];
    const code = await main(['status', '--config', configPath, '--json'], { out: (t) => out.push(t), err: () => undefined, stdin: () => '', isTty: false });
    expect(code).toBe(0);
    const status = JSON.parse(out.join('\n')) as { hub: { url: string; link: { phase: string; connected: boolean; lastAckSeq: number | null } } };
    expect(status.hub).toMatchObject({ url: hub.url, link: { phase: 'closed', connected: false, lastAckSeq: 0 } });
  });
});
