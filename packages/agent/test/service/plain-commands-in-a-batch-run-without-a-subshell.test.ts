// A batch section that is one plain external command (a program and literal
// words) runs as a direct child of the batch shell — no subshell, a fork
// less per command on the host — while anything that could change the
// shell (builtins like cd/exit/export, expansions, redirections, lists,
// assignments) keeps its subshell, so sections stay isolated.
import { describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/collect/local-transport.js';
import { batchSectionName, batchSectionScript, isPlainCommand, splitBatchOutput } from '../../src/service/batch-script.js';

describe('isPlainCommand', () => {
  it.each([
    'cat /proc/loadavg',
    'cat /proc/uptime\n',
    "  smartctl -a -j '/dev/disk/by-id/ata-WDC WD40EFRX'  ",
    'docker ps --format=json --no-trunc',
    'uname -a',
    '/usr/sbin/zpool status -p',
  ])('%j is plain', (script) => {
    expect(isPlainCommand(script)).toBe(true);
  });

  it.each([
    'cd /tmp',
    'exit 3',
    'printf -v x hello',
    'mapfile lines',
    'export A=1',
    'A=1',
    'A=1 env',
    'set -e',
    '. /etc/profile',
    'exec cat /etc/hostname',
    'cat /proc/loadavg; exit 0',
    'cat /proc/loadavg && true',
    'cat /proc/loadavg | head -1',
    'cat /proc/loadavg > /tmp/x',
    'echo $HOME',
    'echo `id`',
    'echo "double"',
    'cat /proc/*/stat',
    "echo 'it'\\''s'",
    'cat /proc/loadavg\ncat /proc/uptime',
    '(cat /proc/loadavg)',
    '',
  ])('%j keeps its subshell', (script) => {
    expect(isPlainCommand(script)).toBe(false);
  });
});

describe('a batch with plain and other sections', () => {
  it('runs plain commands straight from the batch shell and keeps the others isolated', async () => {
    const nonce = 'abc123';
    const sections = [
      // The batch shell's pid ($$ is the batch shell in a subshell too).
      'echo $$',
      // A plain command: its parent is the batch shell itself.
      "sh -c 'echo $PPID'",
      // Isolation still holds for the rest.
      'cd /; x=1; exit 4',
      'pwd; echo "x=$x"',
      'cat /proc/loadavg',
    ];
    const script = sections.map((s, i) => batchSectionScript(nonce, batchSectionName(i), s)).join('\n');
    expect(script.split('\n').filter((l) => l === '(')).toHaveLength(3);
    const local = new LocalTransport({});
    try {
      const out = await local.exec(script, { timeoutMs: 10_000, maxOutputBytes: 100_000, commandName: 'batch' });
      const parts = splitBatchOutput(out.stdout, out.stderr, nonce, sections.length);
      const batchPid = parts[0]?.stdout.trim();
      expect(batchPid).toMatch(/^\d+$/);
      expect(parts[1]).toMatchObject({ stdout: `${batchPid}\n`, exitCode: 0 });
      expect(parts[2]).toMatchObject({ exitCode: 4 });
      expect(parts[3]?.stdout).not.toBe('/\nx=1\n');
      expect(parts[3]?.stdout).toMatch(/x=\n$/);
      expect(parts[4]?.stdout).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+\/\d+ \d+\n$/);
    } finally {
      await local.close();
    }
  });
});
