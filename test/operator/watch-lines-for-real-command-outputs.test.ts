// The `infra-hub watch` summaries against what the agent really returns:
// this machine's outputs through `infra-agent collect --json`, and the
// docker and ZFS commands' real scripts on a stub host. A change in a
// command's data shape that the formatter no longer reads shows up here as a
// fallback "{keys} size" line.
import { beforeAll, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../packages/shared/src/index.js';
import { describeEvent } from '../../packages/hub/src/cli/watch-format.js';
import { containerStatsCommand, listContainersCommand } from '../../packages/agent/src/registry/builtin/services-docker.js';
import { zfsDatasetsCommand, zfsPoolsCommand } from '../../packages/agent/src/registry/builtin/services-zfs.js';
import { makeStubHost } from '../../packages/agent/test/commands/services-stub-host.js';
import type { CommandSpec } from '../../packages/agent/src/registry/command-spec.js';
import { agentCli, ensureBuilt, workspace } from './operator-support.js';

beforeAll(() => ensureBuilt(), 180_000);

function resultEvent(command: string, data: unknown): HubEvent {
  return {
    seq: 1,
    topic: `site/lab/host/me/${command}`,
    topicSeq: 1,
    kind: 'result',
    timeMs: Date.now(),
    data: { agentId: 'lab', site: 'lab', host: 'me', command, params: {}, paramsHash: '', collectedAtMs: Date.now(), durationMs: 1, bytes: 1, correlationId: 'c', data },
  };
}

describe('watch summaries of real outputs', () => {
  it("this machine's system commands", () => {
    const ws = workspace({ 'agent.yaml': 'site: lab\nhosts:\n  - { name: me, transport: local }\nstorage: { path: agent.db }\n' });
    const expected: Record<string, RegExp> = {
      system_metrics: /^cpu \d+\.\d% mem \d+\.\d% load \d+\.\d\d \d+\.\d\d \d+\.\d\d, up \d+[dhms]/,
      disk_usage: /^fullest \S+ \d+% of \d+\.\d [KMGTP]iB \(\d+ filesystems?(, partial)?\)$/,
      network_interfaces: /^\d+\/\d+ interfaces up/,
      load_average: /^load \d+\.\d\d \d+\.\d\d \d+\.\d\d, \d+\/\d+ tasks running$/,
      uptime: /^up \d+[dhms]( \d+[hms])?$/,
      kernel_info: /^Linux \S+ \S+/,
    };
    for (const [command, pattern] of Object.entries(expected)) {
      const r = agentCli(['collect', '--config', ws.path('agent.yaml'), 'me', command, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const { data } = JSON.parse(r.stdout) as { data: unknown };
      expect(describeEvent(resultEvent(command, data)).summary, command).toMatch(pattern);
    }
  }, 60_000);

  it('docker and ZFS commands on a stub host', () => {
    const host = makeStubHost();
    try {
      const run = (spec: CommandSpec) => describeEvent(resultEvent(spec.name, spec.parse(host.run(spec, {}))));
      expect(run(listContainersCommand)).toMatchObject({ summary: '3/5 running (1 restarting, 1 exited)', failed: true });
      expect(run(containerStatsCommand)).toMatchObject({ summary: 'top cpu pihole 104.3%; top mem homeassistant 1.5 GiB (4 containers)', failed: false });
      // A degraded pool (resilvering) is red.
      expect(run(zfsPoolsCommand)).toMatchObject({ summary: 'backup DEGRADED 99% resilver 30.47%, fast ONLINE 75% scrub 29.2%, old ONLINE 50%, tank ONLINE 45%', failed: true });
      expect(run(zfsDatasetsCommand).summary).toMatch(/^\d+ datasets$/);
      const missing = describeEvent(resultEvent('list_containers', listContainersCommand.parse(host.run(listContainersCommand, {}, { bare: true }))));
      expect(missing).toMatchObject({ summary: 'not available: the docker CLI is not installed (not on PATH)', failed: false });
    } finally {
      host.cleanup();
    }
  });
});
