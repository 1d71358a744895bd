import { describe, it, expect } from 'vitest';
import { load, MINIMAL, problemsOf, rejection, yaml } from './config-fixtures.js';

describe('cron schedules', () => {
  it('accepts 5- and 6-field expressions', () => {
    const config = load(`${MINIMAL}commands:\n  system_metrics: { schedule: "*/10 * * * * *" }\n  disk_usage: { schedule: "0 3 * * 1-5" }\n`);
    expect(config.commands.system_metrics?.schedule).toBe('*/10 * * * * *');
  });

  it('rejects a bad expression with its line and why', () => {
    const err = rejection(MINIMAL + yaml`
      commands:
        system_metrics:
          schedule: "61 * * * *"
      userCommands:
        hello:
          template: echo hi
          schedule: every hour
    `);
    expect(problemsOf(err).map((p) => `${p.path} (line ${p.line}): ${p.message}`)).toEqual([
      'commands.system_metrics.schedule (line 8): invalid cron expression "61 * * * *": 61 is a invalid expression for minute',
      'userCommands.hello.schedule (line 12): invalid cron expression "every hour": expected 5 or 6 fields but got 2',
    ]);
  });
});
