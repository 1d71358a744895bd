import type { Bench } from '../report.js';
import { codecBench } from './codec.js';
import { sshBench } from './ssh.js';
import { replayBench } from './replay.js';
import { fanout } from './fanout.js';
import { pipeline } from './pipeline.js';

/** Every benchmark by name (`pnpm bench NAME`). Filled in by each bench file. */
export const BENCHES: Record<string, Bench> = {
  codec: codecBench,
  ssh: sshBench,
  replay: replayBench,
  fanout,
  pipeline,
};
