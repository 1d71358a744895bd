/**
 * The OpenSSH client with connection sharing (ControlMaster), the usual way
 * to make repeated `ssh host cmd` cheap: the first call becomes the master,
 * later calls are short-lived `ssh` processes that open a session over the
 * master's connection through a Unix socket.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ControlMasterTarget {
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** "[addr]:port keytype base64" for a known_hosts file (strict host key checking stays on). */
  knownHostsLine: string;
}

/** `ssh` on PATH, or why not. */
export function opensshSkipReason(): string | undefined {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the OpenSSH client (ssh) is not installed';
  }
}

export class ControlMaster {
  readonly #args: string[];
  readonly #destination: string;

  /** `dir`: a private temp dir for the control socket and known_hosts. */
  constructor(target: ControlMasterTarget, dir: string) {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${target.knownHostsLine}\n`);
    this.#destination = `${target.user}@${target.address}`;
    this.#args = [
      '-F', '/dev/null',
      '-o', 'ControlMaster=auto',
      '-o', `ControlPath=${join(dir, 'cm-%C')}`,
      '-o', 'ControlPersist=60',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'LogLevel=ERROR',
      '-i', target.privateKeyPath,
      '-p', String(target.port),
    ];
  }

  /** Run one command through the shared connection; resolves with stdout, rejects on a non-zero exit. */
  run(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('ssh', [...this.#args, this.#destination, command], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.once('error', reject);
      child.once('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
        else reject(new Error(`ssh exited ${String(code)}: ${Buffer.concat(err).toString('utf8').trim()}`));
      });
    });
  }

  /** Ask the master to exit (ssh -O exit). */
  stop(): void {
    try {
      execFileSync('ssh', [...this.#args, '-O', 'exit', this.#destination], { stdio: 'ignore', timeout: 5000 });
    } catch {
      /* no master running */
    }
  }
}
