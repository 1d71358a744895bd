// AgentRunner (SIGHUP): an unusable configuration leaves the running agent
// untouched; a usable one replaces it (the old one shut down first); a new
// configuration that does not start brings the previous one back; reloads
// asked for meanwhile make one more reload; shutdown waits for a reload in
// progress and stops what runs then.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InfraError } from '@infrastructor/shared';
import { AgentRunner, type RunningAgent } from '../../src/lifecycle/agent-runner.js';

interface Conf {
  name: string;
}

function harness(first: Conf) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const steps: string[] = [];
  let file: Conf | Error = first;
  let gate: Promise<void> = Promise.resolve();
  /** Configurations whose start() rejects. */
  const broken = new Set<string>();
  /** Configurations whose shutdown() rejects. */
  const badShutdown = new Set<string>();
  const start = async (c: Conf): Promise<RunningAgent> => {
    steps.push(`start ${c.name}`);
    if (broken.has(c.name)) throw new InfraError('STORE_OPEN_FAILED', `cannot open ${c.name}`);
    return {
      shutdown: async () => {
        steps.push(`shutdown ${c.name}`);
        await gate;
        if (badShutdown.has(c.name)) throw new Error(`${c.name}: database close failed`);
      },
      force: () => steps.push(`force ${c.name}`),
    };
  };
  const options = {
    start,
    load: () => {
      if (file instanceof Error) throw file;
      return file;
    },
    changes: (a: Conf, b: Conf) => (a.name === b.name ? [] : [`${a.name} → ${b.name}`]),
    logger,
  };
  return {
    lines,
    steps,
    events: () => lines.map((l) => l['event']),
    setFile: (c: Conf | Error) => (file = c),
    breakStart: (name: string) => broken.add(name),
    failShutdown: (name: string) => badShutdown.add(name),
    /** Shutdowns wait until the returned function is called. */
    holdShutdowns: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => open();
    },
    run: () => AgentRunner.start(first, options),
  };
}

describe('reloading the agent', () => {
  it('an invalid file is logged and the running agent is not touched', async () => {
    const h = harness({ name: 'a' });
    const runner = await h.run();
    h.setFile(new InfraError('CONFIG_UNKNOWN_KEY', 'agent.yaml:3: unknown key "hostz"'));
    expect(await runner.reload()).toBe('invalid');
    expect(h.steps).toEqual(['start a']);
    expect(runner.running).toBe(true);
    expect(h.lines.find((l) => l['event'] === 'config_reload_failed')).toMatchObject({ code: 'CONFIG_UNKNOWN_KEY', err: 'agent.yaml:3: unknown key "hostz"' });
  });

  it('a usable file replaces the agent: the old one is shut down before the new one starts', async () => {
    const h = harness({ name: 'a' });
    const runner = await h.run();
    h.setFile({ name: 'b' });
    expect(await runner.reload()).toBe('reloaded');
    expect(h.steps).toEqual(['start a', 'shutdown a', 'start b']);
    expect(h.lines.find((l) => l['event'] === 'config_reloaded')).toMatchObject({ changes: ['a → b'] });
    await runner.shutdown();
    expect(h.steps.at(-1)).toBe('shutdown b');
  });

  it('a new configuration that does not start brings the previous one back; when neither starts, failed settles', async () => {
    const h = harness({ name: 'a' });
    const runner = await h.run();
    h.setFile({ name: 'b' });
    h.breakStart('b');
    expect(await runner.reload()).toBe('restored');
    expect(h.steps).toEqual(['start a', 'shutdown a', 'start b', 'start a']);
    expect(h.events()).toContain('config_reload_restored');
    expect(runner.running).toBe(true);

    // Now the previous configuration does not start again either (say its database went away).
    let failedWith: InfraError | undefined;
    void runner.failed.then((e) => (failedWith = e));
    h.breakStart('a');
    expect(await runner.reload()).toBe('failed');
    expect(h.steps.slice(4)).toEqual(['shutdown a', 'start b', 'start a']);
    await Promise.resolve();
    expect(failedWith?.code).toBe('STORE_OPEN_FAILED');
    expect(runner.running).toBe(false);
    expect(h.events()).toContain('config_reload_no_agent');
    await runner.shutdown(); // nothing to stop: fine
  });

  it('a shutdown that fails during a reload is logged and the new agent starts; later operations still run', async () => {
    const h = harness({ name: 'a' });
    const runner = await h.run();
    h.setFile({ name: 'b' });
    h.failShutdown('a');
    expect(await runner.reload()).toBe('reloaded');
    expect(h.events()).toContain('shutdown_failed');
    h.setFile({ name: 'c' });
    expect(await runner.reload()).toBe('reloaded');
    await runner.shutdown();
    expect(h.steps).toEqual(['start a', 'shutdown a', 'start b', 'shutdown b', 'start c', 'shutdown c']);
  });

  it('reloads asked for during a reload make one more, and shutdown waits for the reload, then stops the new agent', async () => {
    const h = harness({ name: 'a' });
    const runner = await h.run();
    h.setFile({ name: 'b' });
    const release = h.holdShutdowns();
    const first = runner.reload();
    await new Promise((r) => setImmediate(r)); // the first reload is shutting a down
    const second = runner.reload();
    const third = runner.reload();
    expect(second).toBe(third);
    const stopped = runner.shutdown();
    expect(runner.shutdown()).toBe(stopped);
    // A second SIGTERM meanwhile reaches the agent being stopped.
    runner.force();
    expect(h.steps).toContain('force a');
    release();
    expect(await first).toBe('reloaded');
    // Queued before the shutdown was asked for, it starts after it: nothing is reloaded.
    expect(await second).toBe('stopping');
    await stopped;
    expect(h.steps).toEqual(['start a', 'shutdown a', 'force a', 'start b', 'shutdown b']);
    expect(runner.running).toBe(false);
    expect(await runner.reload()).toBe('stopping');
  });
});
