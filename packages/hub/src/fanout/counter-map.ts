/** Named counters (e.g. drops per close code) exposed through stats(). */
export class CounterMap {
  private readonly counts = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
