import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requestCommand } from '../../src/cli/request.js';
import { fakeRelay, startTestHub, type TestHub } from '../subscribers/subscriber-test-hub.js';
import { CapturedIo } from './captured-io.js';

let hub: TestHub | undefined;
let dir: string | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function selfSigned(d: string): { certFile: string; cert: Buffer; key: Buffer } {
  const certFile = join(d, 'hub.crt');
  const keyFile = join(d, 'hub.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { certFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

describe('infra-hub request over wss', () => {
  it('connects with --ca FILE naming the private CA, and fails with HUB_UNREACHABLE without it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infra-hub-ca-'));
    const tls = selfSigned(dir);
    const relay = fakeRelay((r) => ({
      ok: true,
      result: { site: r.site, host: r.host, command: r.command, params: {}, paramsHash: 'p', status: 'cached', cacheHit: true, data: { up: 1 }, collectedAtMs: 1, durationMs: 0, bytes: 8, correlationId: r.correlationId },
    }));
    hub = await startTestHub({ relay }, { tls: { cert: tls.cert, key: tls.key } });
    expect(hub.url.startsWith('wss://')).toBe(true);

    const trusted = new CapturedIo();
    await expect(requestCommand(['--url', hub.url, '--token', 'all-operator', '--ca', tls.certFile, 'a', 'nas', 'uptime'], trusted, { env: {} })).resolves.toBe(0);
    expect(JSON.parse(trusted.outLines.join('\n'))).toEqual({ up: 1 });

    const untrusted = new CapturedIo();
    await expect(requestCommand(['--url', hub.url, '--token', 'all-operator', 'a', 'nas', 'uptime'], untrusted, { env: {} })).resolves.toBe(1);
    expect(untrusted.errLines[0]).toMatch(/^error HUB_UNREACHABLE: /);
  });
});
