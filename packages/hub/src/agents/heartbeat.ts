/**
 * Dead-link detection: every intervalMs each tracked socket is pinged; a
 * socket that has not answered the previous ping with a pong is terminated
 * (a half-open TCP connection would otherwise look connected forever).
 */
import type { WebSocket } from 'ws';

export class Heartbeat {
  readonly #alive = new Map<WebSocket, boolean>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    intervalMs: number,
    private readonly onDead: (ws: WebSocket) => void,
  ) {
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  track(ws: WebSocket): void {
    this.#alive.set(ws, true);
    ws.on('pong', () => {
      if (this.#alive.has(ws)) this.#alive.set(ws, true);
    });
  }

  untrack(ws: WebSocket): void {
    this.#alive.delete(ws);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#alive.clear();
  }

  #tick(): void {
    for (const [ws, alive] of this.#alive) {
      if (!alive) {
        this.#alive.delete(ws);
        this.onDead(ws);
        ws.terminate();
        continue;
      }
      this.#alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        // not open any more; its close handler untracks it
      }
    }
  }
}
