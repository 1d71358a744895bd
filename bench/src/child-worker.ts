/**
 * A benchmark helper process (load generators, clients) driven over IPC:
 * `request(msg)` sends `{id, ...msg}` and resolves with the child's reply
 * `{id, ...}`. The child side uses `serveRequests(handler)`.
 */
import { fork, type ChildProcess } from 'node:child_process';

type Reply = Record<string, unknown> & { id: number; error?: string };

export class ChildWorker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited = false;
  readonly #exit: Promise<void>;

  constructor(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    // BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the helpers too.
    const execArgv = process.env.BENCH_CHILD_NODE_ARGS ? process.env.BENCH_CHILD_NODE_ARGS.split(' ') : [];
    this.#child = fork(script, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, execArgv });
    this.#child.on('message', (m: Reply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m);
    });
    this.#exit = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exited = true;
        for (const p of this.#pending.values()) p.reject(new Error(`helper process exited (${code ?? signal})`));
        this.#pending.clear();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  request<T extends Record<string, unknown>>(msg: Record<string, unknown>, timeoutMs = 60_000): Promise<T & Reply> {
    if (this.#exited) return Promise.reject(new Error('helper process has exited'));
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`helper did not answer ${JSON.stringify(msg).slice(0, 80)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, ...msg });
    }) as Promise<T & Reply>;
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    // Closing the IPC channel makes the child exit on its own (serveRequests).
    if (this.#child.connected) this.#child.disconnect();
    else this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#exit;
    clearTimeout(timer);
  }
}

/** Child side: answer every request with the handler's result (or its error). */
export function serveRequests(handler: (msg: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  process.on('message', (msg: Record<string, unknown> & { id: number }) => {
    Promise.resolve()
      .then(() => handler(msg))
      .then(
        (r) => process.send?.({ ...r, id: msg.id }),
        (err: unknown) => process.send?.({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
