import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON line per event with the level, event name and correlation id', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', pretty: false, destination });
    log.info({ event: 'collection_succeeded', correlationId: 'c-1' }, 'collected');
    log.debug({ event: 'hidden' }, 'below the level');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 30, event: 'collection_succeeded', correlationId: 'c-1', msg: 'collected', name: 'infra-agent' });
  });

  it('redacts secrets at the top level and one level down', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', pretty: false, destination });
    log.info({ token: 'T0P', host: { password: 'hunter2', privateKey: '-----BEGIN', name: 'nas' } }, 'x');
    const text = lines.join('\n');
    expect(text).not.toContain('T0P');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('-----BEGIN');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ token: '[redacted]', host: { password: '[redacted]', name: 'nas' } });
  });
});
