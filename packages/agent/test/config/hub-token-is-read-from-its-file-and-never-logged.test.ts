import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { isInfraError } from '@infrastructor/shared';
import { createLogger } from '../../src/log/logger.js';
import { readHubCredentials } from '../../src/stream/hub-credentials.js';
import { load, MINIMAL, rejection } from './config-fixtures.js';

const TOKEN = 'agt_s3cret-Token.value';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'infra-hub-token-'));
  dirs.push(d);
  return d;
}

describe('hub token', () => {
  it('tokenFile is read (trimmed) when the link starts, with the caFile', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const hub = load(`${MINIMAL}hub:\n  url: wss://hub.lan\n  tokenFile: ${dir}/token\n  caFile: ${dir}/ca.pem\n`).hub!;
    const creds = readHubCredentials(hub);
    expect(creds.token.reveal()).toBe(TOKEN);
    expect(creds.ca).toContain('BEGIN CERTIFICATE');
  });

  it('a missing or empty tokenFile fails naming the key and the file, not a value', () => {
    const dir = tempDir();
    const missing = load(`${MINIMAL}hub:\n  url: wss://hub.lan\n  tokenFile: ${dir}/nope\n`).hub!;
    expect(() => readHubCredentials(missing)).toThrowError(expect.objectContaining({ code: 'CONFIG_READ_FAILED', message: `hub.tokenFile: cannot read ${dir}/nope (ENOENT)` }));
    writeFileSync(join(dir, 'empty'), '\n');
    const empty = load(`${MINIMAL}hub:\n  url: wss://hub.lan\n  tokenFile: ${dir}/empty\n`).hub!;
    expect(() => readHubCredentials(empty)).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    writeFileSync(join(dir, 'two'), 'one two\n');
    const two = load(`${MINIMAL}hub:\n  url: wss://hub.lan\n  tokenFile: ${dir}/two\n`).hub!;
    let message = '';
    try {
      readHubCredentials(two);
    } catch (err) {
      if (isInfraError(err)) message = err.message;
    }
    expect(message).toContain('must hold one token');
    expect(message).not.toContain('one two');
  });

  it('is redacted in logs, JSON, strings and inspect output', () => {
    const config = load(`${MINIMAL}hub:\n  url: wss://hub.lan\n  token: ${TOKEN}\n`);
    expect(config.hub?.token?.reveal()).toBe(TOKEN);
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString('utf8');
        done();
      },
    });
    const logger = createLogger({ level: 'info', pretty: false, destination: sink });
    logger.info({ config }, 'whole config');
    logger.info({ hub: config.hub }, 'hub section');
    logger.info({ deep: { nested: { value: config.hub?.token } } }, `token is ${String(config.hub?.token)}`);
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(TOKEN);
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    expect(inspect(config, { depth: 10 })).not.toContain(TOKEN);
  });

  it('a malformed inline token is refused without echoing it', () => {
    const err = rejection(`${MINIMAL}hub:\n  url: wss://hub.lan\n  token: "has space ${TOKEN}"\n`);
    expect(err.message).toContain('hub.token (line 8, col 10)');
    expect(err.message).not.toContain(TOKEN);
    expect(JSON.stringify(err.details)).not.toContain(TOKEN);
  });
});
