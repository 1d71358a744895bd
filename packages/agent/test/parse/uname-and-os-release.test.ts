import { describe, it, expect } from 'vitest';
import { parseUname } from '../../src/parse/kernel-info.js';
import { parseOsRelease } from '../../src/parse/os-release.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

describe('uname', () => {
  it('reads uname -srvm of this host', () => {
    const text = fixture('uname', 'this-host.txt');
    const words = text.trim().split(' ');
    const k = parseUname(text);
    expect(k.kernelName).toBe(words[0]);
    expect(k.kernelRelease).toBe(words[1]);
    expect(k.machine).toBe(words[words.length - 1]);
    expect(k.kernelVersion.startsWith('#')).toBe(true);
  });

  it('keeps the spaces of the version', () => {
    expect(parseUname(fixture('uname', 'ubuntu-aarch64.txt'))).toEqual({
      kernelName: 'Linux',
      kernelRelease: '5.15.0-91-generic',
      kernelVersion: '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023',
      machine: 'aarch64',
    });
  });

  it('rejects malformed, truncated and empty input', () => {
    expectParseFailed(() => parseUname(''), 'uname', /one line/);
    expectParseFailed(() => parseUname('Linux'), 'uname', /name release/);
    expectParseFailed(() => parseUname('Linux 6.1 #1 x86_64\nLinux 6.1 #1 x86_64\n'), 'uname', /one line/);
    expectParseFailed(() => parseUname('{"kernel": "x"} a b'), 'uname', /kernel name/);
  });
});

describe('os-release', () => {
  it('reads this host', () => {
    const os = parseOsRelease(fixture('os-release', 'this-host-debian12.txt'));
    expect(os).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  });

  it('handles comments, unquoted, single- and double-quoted values with escapes', () => {
    const os = parseOsRelease(fixture('os-release', 'alpine-quoting.txt'));
    expect(os).toMatchObject({ id: 'alpine', name: 'Alpine Linux', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19', idLike: null });
    expect(os.fields['HOME_URL']).toBe('https://alpinelinux.org/');
    expect(os.fields['QUOTED']).toBe('say "hi" and $HOME');
  });

  it('rejects malformed, truncated and empty input', () => {
    expectParseFailed(() => parseOsRelease(''), 'os-release', /no KEY=value/);
    expectParseFailed(() => parseOsRelease('NAME="Debian'), 'os-release', /unterminated/);
    expectParseFailed(() => parseOsRelease('this is not os-release\n'), 'os-release', /KEY=value/);
  });
});
