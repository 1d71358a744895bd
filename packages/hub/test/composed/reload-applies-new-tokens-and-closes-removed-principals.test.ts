// Hub.reload (SIGHUP): new agents, subscribers and tokens apply to new
// connections at once; connections of an agent or subscriber the new
// configuration no longer has are closed with AUTH_REVOKED; an agent whose
// token was swapped keeps its connection; other changed sections are named
// as needing a restart and keep running as they are. Through `infra-hub run`,
// SIGHUP reloads the file, and a broken file is logged and changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { pino } from 'pino';
import { CLOSE_CODES, decode, encode, PROTOCOL_VERSION } from '@infrastructor/shared';
import { parseHubConfig } from '../../src/config/load-hub-config.js';
import { startHub, type Hub } from '../../src/main.js';
import { FakeAgent } from '../support/fake-agent.js';
import { testConfigText, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  dirs.cleanup();
});

const NEW_A1 = 'agent-a1-next-token-0123456789';
const NEW_VIEWER = 'viewer-next-token-0123456789';

/** The test config with: a1's token replaced, b1 removed, the viewer replaced by another name and token. */
function reloadedText(dbPath: string): string {
  return testConfigText(dbPath)
    .replace(`token: ${TOKENS.a1}`, `token: ${NEW_A1}`)
    .replace(/^ {2}- \{ id: b1.*$/m, '')
    .replace(/^ {2}- \{ name: watcher.*$/m, `  - { name: watcher-2, role: viewer, sites: ['*'], token: ${NEW_VIEWER} }`);
}

interface Subscriber {
  ws: WebSocket;
  closed: Promise<number>;
}

async function subscriber(url: string, token: string): Promise<Subscriber> {
  const ws = new WebSocket(`${url}/subscribe`, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const welcome = new Promise<unknown>((r) => ws.once('message', (d: Buffer) => r(decode(d))));
  ws.send(encode({ t: 'hello', protocol: PROTOCOL_VERSION }));
  expect(await welcome).toMatchObject({ t: 'welcome' });
  return { ws, closed };
}

async function refused(url: string, token: string): Promise<number | undefined> {
  return new Promise((r) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    ws.once('unexpected-response', (_req, res) => {
      r(res.statusCode);
      ws.terminate();
    });
    ws.once('open', () => {
      r(undefined);
      ws.close();
    });
    ws.once('error', () => undefined);
  });
}

/** A throwaway self-signed certificate for 127.0.0.1, written to (or over) certFile/keyFile. */
function selfSigned(certFile: string, keyFile: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
}

/** The SHA-256 fingerprint of the certificate a TLS server presents now. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      res(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', rej);
  });
}

describe('reloading the hub configuration', () => {
  it('reads the TLS certificate and key again: new connections get the renewed certificate; an unreadable one changes nothing', async () => {
    const dir = dirs.make();
    const certFile = join(dir, 'hub.crt');
    const keyFile = join(dir, 'hub.key');
    selfSigned(certFile, keyFile);
    const text = testConfigText(join(dir, 'hub.db')).replace('insecure: true', `tls: { certFile: ${certFile}, keyFile: ${keyFile} }`);
    const hub: Hub = await startHub(parseHubConfig(text, join(dir, 'hub.yaml')), pino({ level: 'silent' }));
    stops.push(() => hub.close());
    const first = await servedFingerprint(hub.port);

    selfSigned(certFile, keyFile);
    const renewed = new X509Certificate(readFileSync(certFile)).fingerprint256;
    expect(renewed).not.toBe(first);
    expect(hub.reload(parseHubConfig(text, join(dir, 'hub.yaml')))).toMatchObject({ tlsReloaded: true, needsRestart: [] });
    expect(await servedFingerprint(hub.port)).toBe(renewed);

    const missing = text.replace(`keyFile: ${keyFile}`, `keyFile: ${join(dir, 'gone.key')}`);
    expect(() => hub.reload(parseHubConfig(missing, join(dir, 'hub.yaml')))).toThrow(/cannot read the TLS key/);
    expect(await servedFingerprint(hub.port)).toBe(renewed);
    expect(hub.config.tls?.keyFile).toBe(keyFile);
  });

  it('applies new tokens, closes removed agents and subscribers with AUTH_REVOKED, keeps the rest', async () => {
    const dir = dirs.make();
    const db = join(dir, 'hub.db');
    const hub: Hub = await startHub(parseHubConfig(testConfigText(db), join(dir, 'hub.yaml')), pino({ level: 'silent' }));
    stops.push(() => hub.close());
    const a1 = await FakeAgent.connect(hub.url, TOKENS.a1);
    await a1.hello();
    const b1 = await FakeAgent.connect(hub.url, TOKENS.b1);
    await b1.hello({ agentId: 'b1', site: 'beta' });
    const viewer = await subscriber(hub.url, TOKENS.viewer);
    const operator = await subscriber(hub.url, TOKENS.operator);

    const next = parseHubConfig(reloadedText(db).replace('listen: { host: 127.0.0.1, port: 0 }', 'listen: { host: 127.0.0.1, port: 0 }\nlimits: { helloTimeoutMs: 2000 }'), join(dir, 'hub.yaml'));
    expect(hub.reload(next)).toEqual({ agents: 2, subscribers: 3, revokedAgents: 1, revokedSubscribers: 1, tlsReloaded: false, needsRestart: ['limits'] });

    expect(await b1.next('error')).toMatchObject({ code: 'AUTH_REVOKED' });
    expect((await b1.closed).code).toBe(CLOSE_CODES.AUTH_REVOKED);
    expect(await viewer.closed).toBe(CLOSE_CODES.AUTH_REVOKED);
    // a1 (same id and site, new token) and the operator (unchanged) keep their connections.
    expect(await a1.batch(0, [])).toMatchObject({ t: 'ack' });
    expect(operator.ws.readyState).toBe(WebSocket.OPEN);

    expect(await refused(`${hub.url}/agent`, TOKENS.a1)).toBe(401);
    expect(await refused(`${hub.url}/agent`, TOKENS.b1)).toBe(401);
    expect(await refused(`${hub.url}/agent`, NEW_A1)).toBeUndefined();
    expect(await refused(`${hub.url}/subscribe`, TOKENS.viewer)).toBe(401);
    expect(await refused(`${hub.url}/subscribe`, NEW_VIEWER)).toBeUndefined();
    // The running limits stay as they were until a restart.
    expect(hub.config.limits.helloTimeoutMs).toBe(10_000);
    expect(hub.config.agents.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect(hub.counters.get('config_reloads')).toBe(1);
    operator.ws.close();
  });

  it('infra-hub run reloads its file on SIGHUP; a broken file is logged and the previous configuration stays', async () => {
    const dir = dirs.make();
    const config = join(dir, 'hub.yaml');
    const db = join(dir, 'hub.db');
    writeFileSync(config, testConfigText(db));
    const bin = resolve(import.meta.dirname, '../../bin/infra-hub.js');
    const child = spawn(process.execPath, [bin, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    stops.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    const waitFor = async (re: RegExp): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!re.test(logs)) {
        if (Date.now() > deadline) throw new Error(`no ${String(re)} in:\n${logs}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(/"event":"hub_listening"/);
    const url = /"url":"(ws:\/\/[^"]+)"/.exec(logs)?.[1] as string;

    writeFileSync(config, `${testConfigText(db)}\nlistem: {}\n`);
    child.kill('SIGHUP');
    await waitFor(/"event":"config_reload_failed"/);
    expect(logs).toMatch(/CONFIG_UNKNOWN_KEY/);
    expect(await refused(`${url}/agent`, TOKENS.a1)).toBeUndefined();

    writeFileSync(config, reloadedText(db));
    child.kill('SIGHUP');
    await waitFor(/"event":"config_reloaded"/);
    expect(await refused(`${url}/agent`, TOKENS.a1)).toBe(401);
    expect(await refused(`${url}/agent`, NEW_A1)).toBeUndefined();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 40_000);
});
