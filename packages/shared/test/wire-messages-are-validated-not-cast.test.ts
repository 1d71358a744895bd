import { describe, it, expect } from 'vitest';
import { encode, decode } from '../src/codec.js';
import { parseAgentMessage, parseHubToAgentMessage } from '../src/protocol/agent-messages.js';
import { parseSubscriberMessage } from '../src/protocol/subscriber-messages.js';
import { parseAuditEntry, parseResultEntry } from '../src/records.js';

const hello = {
  t: 'hello',
  protocol: 1,
  agentId: 'lab-agent',
  site: 'lab',
  epoch: 'deadbeefdeadbeef',
  firstSeq: 0,
  lastSeq: 0,
  version: '0.1.0',
  jobs: [{ host: 'nas', command: 'system_metrics', schedule: '* * * * *', intervalMs: 60000 }],
};

describe('wire message validation', () => {
  it('accepts a well-formed hello after a msgpack round trip', () => {
    expect(parseAgentMessage(decode(encode(hello)))).toEqual(hello);
  });

  it('refuses a wrong protocol version with its own code', () => {
    expect(() => parseAgentMessage({ ...hello, protocol: 2 })).toThrow(expect.objectContaining({ code: 'PROTOCOL_VERSION_MISMATCH' }));
  });

  it('refuses unknown types and bad fields with codes naming the field', () => {
    expect(() => parseAgentMessage({ t: 'nope' })).toThrow(expect.objectContaining({ code: 'MESSAGE_UNKNOWN' }));
    expect(() => parseAgentMessage('hello')).toThrow(expect.objectContaining({ code: 'FRAME_INVALID' }));
    expect(() => parseAgentMessage({ ...hello, agentId: 'bad id!' })).toThrow(/agentId/);
    expect(() => parseAgentMessage({ ...hello, epoch: 'not-hex' })).toThrow(/epoch/);
    expect(() => parseHubToAgentMessage({ t: 'ack', epoch: 'deadbeef', seq: -1 })).toThrow(/seq/);
    expect(() => parseSubscriberMessage({ t: 'collect', requestId: 'r1', site: 'lab', host: 'nas', command: 'x', params: { a: { nested: 1 } } })).toThrow(/params\.a/);
    expect(() => parseSubscriberMessage({ t: 'collect', requestId: 'r1', site: 'lab', host: 'nas', command: 'x', params: JSON.parse('{"__proto__": "x"}') })).toThrow(/reserved/);
  });

  it('reads the hub frame limit of a welcome when present, and refuses a bad one', () => {
    const welcome = { t: 'welcome', protocol: 1, ackedSeq: 5, epochStatus: 'known' };
    expect(parseHubToAgentMessage(decode(encode(welcome)))).toEqual(welcome);
    expect(parseHubToAgentMessage({ ...welcome, maxFrameBytes: 1048576 })).toEqual({ ...welcome, maxFrameBytes: 1048576 });
    expect(() => parseHubToAgentMessage({ ...welcome, maxFrameBytes: '16M' })).toThrow(/maxFrameBytes/);
    expect(() => parseHubToAgentMessage({ ...welcome, maxFrameBytes: 10 })).toThrow(/maxFrameBytes/);
  });

  it('fills subscriber collect defaults', () => {
    expect(parseSubscriberMessage({ t: 'collect', requestId: 'r-1', site: 'lab', host: 'nas', command: 'uptime' })).toEqual({
      t: 'collect',
      requestId: 'r-1',
      site: 'lab',
      host: 'nas',
      command: 'uptime',
      params: {},
      forceRefresh: false,
      timeoutMs: 30_000,
    });
  });

  it('validates records off the wire (unknown error codes and wrong types refused)', () => {
    const audit = {
      timeMs: 1, host: 'nas', command: 'x', paramsHash: 'h', source: 'schedule', status: 'error', cacheHit: false, forceRefresh: false,
      durationMs: 3, bytes: 0, errorCode: 'EXEC_TIMEOUT', errorMessage: 'slow', correlationId: 'c',
    };
    expect(parseAuditEntry(audit)).toEqual(audit);
    expect(() => parseAuditEntry({ ...audit, errorCode: 'MADE_UP' })).toThrow(expect.objectContaining({ code: 'FRAME_INVALID' }));
    expect(() => parseResultEntry({ host: 'nas' }, 'INTERNAL')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
