/** An EventPublisher that records what the ingest publishes, in order. */
import type { EventPublisher, HubEventInput } from '../../src/ports.js';

export class RecordingPublisher implements EventPublisher {
  readonly events: HubEventInput[] = [];
  readonly #waiters: { pred: (e: HubEventInput) => boolean; resolve: (e: HubEventInput) => void }[] = [];

  publish(events: readonly HubEventInput[]): void {
    for (const e of events) {
      this.events.push(e);
      for (const w of [...this.#waiters]) {
        if (w.pred(e)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  }

  /** The first published event (already or later) matching pred. */
  waitFor(pred: (e: HubEventInput) => boolean): Promise<HubEventInput> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  ofKind(kind: HubEventInput['kind']): HubEventInput[] {
    return this.events.filter((e) => e.kind === kind);
  }
}
