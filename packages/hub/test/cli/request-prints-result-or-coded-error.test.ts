import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestCommand } from '../../src/cli/request.js';
import type { CollectRelayAnswer, CollectRelayRequest } from '../../src/ports.js';
import { fakeRelay, startTestHub, type TestHub } from '../subscribers/subscriber-test-hub.js';
import { CapturedIo } from './captured-io.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

function answer(r: CollectRelayRequest): CollectRelayAnswer {
  if (r.host === 'gone') return { ok: false, error: { code: 'AGENT_OFFLINE', message: 'no agent of site a is connected' } };
  return {
    ok: true,
    result: {
      site: r.site,
      host: r.host,
      command: r.command,
      params: r.params,
      paramsHash: 'ph',
      status: 'success',
      cacheHit: false,
      data: { mounts: [{ path: '/', usedPercent: 41 }] },
      collectedAtMs: 5,
      durationMs: 12,
      bytes: 345,
      correlationId: r.correlationId,
    },
  };
}

async function run(args: string[]): Promise<{ code: number; io: CapturedIo }> {
  const io = new CapturedIo(false);
  const code = await requestCommand(args, io, { env: {} });
  return { code, io };
}

describe('infra-hub request', () => {
  it('prints the result data as JSON and exits 0; params, --force and --timeout-ms reach the relay', async () => {
    const relay = fakeRelay(answer);
    hub = await startTestHub({ relay });
    const { code, io } = await run(['--url', hub.url, '--token', 'all-operator', 'a', 'nas', 'df', '--param', 'path=/', '--force', '--timeout-ms', '7000']);
    expect(code).toBe(0);
    expect(JSON.parse(io.outLines.join('\n'))).toEqual({ mounts: [{ path: '/', usedPercent: 41 }] });
    expect(io.errLines[0]).toContain('df on a/nas: success in 12 ms, 345 bytes');
    expect(relay.calls[0]).toMatchObject({ site: 'a', host: 'nas', command: 'df', params: { path: '/' }, forceRefresh: true, timeoutMs: 7000 });
  });

  it('--json prints {ok:true, ...result} on one line', async () => {
    hub = await startTestHub({ relay: fakeRelay(answer) });
    const { code, io } = await run(['--url', hub.url, '--token', 'all-operator', '--json', 'a', 'nas', 'df']);
    expect(code).toBe(0);
    expect(io.outLines).toHaveLength(1);
    expect(JSON.parse(io.outLines[0] ?? '')).toMatchObject({ ok: true, site: 'a', host: 'nas', status: 'success', data: { mounts: [{ path: '/' }] } });
  });

  it('a coded error goes to stderr with exit 1 (or as JSON with --json)', async () => {
    hub = await startTestHub({ relay: fakeRelay(answer) });
    const plain = await run(['--url', hub.url, '--token', 'all-operator', 'a', 'gone', 'df']);
    expect(plain.code).toBe(1);
    expect(plain.io.errLines).toEqual(['error AGENT_OFFLINE: no agent of site a is connected']);
    expect(plain.io.outLines).toEqual([]);
    const json = await run(['--url', hub.url, '--token', 'all-operator', '--json', 'a', 'gone', 'df']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.io.outLines[0] ?? '')).toEqual({ ok: false, error: { code: 'AGENT_OFFLINE', message: 'no agent of site a is connected' } });
  });

  it('a viewer token gets FORBIDDEN (exit 1) and nothing is relayed', async () => {
    const relay = fakeRelay(answer);
    hub = await startTestHub({ relay });
    const { code, io } = await run(['--url', hub.url, '--token', 'all-viewer', 'a', 'nas', 'df']);
    expect(code).toBe(1);
    expect(io.errLines[0]).toMatch(/^error FORBIDDEN: /);
    expect(relay.calls).toEqual([]);
  });

  it('a rejected token (HTTP 401) exits 2 with one clear line', async () => {
    hub = await startTestHub({ relay: fakeRelay(answer) });
    const { code, io } = await run(['--url', hub.url, '--token', 'nope', 'a', 'nas', 'df']);
    expect(code).toBe(2);
    expect(io.errLines).toHaveLength(1);
    expect(io.errLines[0]).toMatch(/^error AUTH_FAILED: the hub at .* rejected the token \(HTTP 401\): check --token \/ INFRA_HUB_TOKEN against the hub's subscribers list/);
  });

  it('an unreachable hub exits 1 with HUB_UNREACHABLE', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { code, io } = await run(['--url', `ws://127.0.0.1:${port}`, '--token', 't', 'a', 'nas', 'df']);
    expect(code).toBe(1);
    expect(io.errLines[0]).toMatch(/^error HUB_UNREACHABLE: /);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['--url', 'ws://127.0.0.1:1', '--token', 't', 'a', 'nas'])).code).toBe(2);
    expect((await run(['--url', 'ws://127.0.0.1:1', '--token', 't', 'a', 'nas', 'df', '--param', 'oops'])).code).toBe(2);
    expect((await run(['--url', 'ws://127.0.0.1:1', '--token', 't', 'a', 'nas', 'df', '--timeout-ms', 'soon'])).code).toBe(2);
    expect((await run(['--url', 'ftp://x', '--token', 't', 'a', 'nas', 'df'])).code).toBe(2);
    const missingCa = await run(['--url', 'wss://127.0.0.1:1', '--token', 't', '--ca', '/nonexistent/ca.pem', 'a', 'nas', 'df']);
    expect(missingCa.code).toBe(2);
    expect(missingCa.io.errLines[0]).toContain('--ca /nonexistent/ca.pem');
  });
});
