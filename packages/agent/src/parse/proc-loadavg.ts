/** /proc/loadavg: "0.21 0.37 0.39 1/719 19737". */
import { parseError } from './parse-error.js';
import { readDecimal, readUint, singleLineWords } from './text-lines.js';

const PARSER = 'proc-loadavg';

export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities right now. */
  runningTasks: number;
  /** All scheduling entities (processes and threads). */
  totalTasks: number;
  /** The most recently assigned PID. */
  lastPid: number;
}

export function parseProcLoadavg(text: string): LoadAverage {
  const tokens = singleLineWords(PARSER, text);
  if (tokens.length !== 5) throw parseError(PARSER, `expected 5 fields, got ${tokens.length}`, text);
  const [l1, l5, l15, tasks, pid] = tokens;
  const load1 = readDecimal(l1);
  const load5 = readDecimal(l5);
  const load15 = readDecimal(l15);
  if (load1 === undefined || load5 === undefined || load15 === undefined) {
    throw parseError(PARSER, 'load averages are not decimals', text);
  }
  const slash = /^(\d+)\/(\d+)$/.exec(tasks ?? '');
  const runningTasks = readUint(slash?.[1]);
  const totalTasks = readUint(slash?.[2]);
  if (runningTasks === undefined || totalTasks === undefined) throw parseError(PARSER, 'tasks field is not "running/total"', text);
  const lastPid = readUint(pid);
  if (lastPid === undefined) throw parseError(PARSER, 'last pid is not an integer', text);
  return { load1, load5, load15, runningTasks, totalTasks, lastPid };
}
