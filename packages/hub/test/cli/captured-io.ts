/** io for running the CLI commands in-process: records lines and lets a test wait for them. */
export class CapturedIo {
  readonly outLines: string[] = [];
  readonly errLines: string[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly isTty = false) {}

  out = (s: string): void => {
    this.outLines.push(...s.split('\n'));
    this.wake();
  };

  err = (s: string): void => {
    this.errLines.push(...s.split('\n'));
    this.wake();
  };

  async waitForOut(count: number): Promise<string[]> {
    while (this.outLines.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.outLines;
  }

  async waitForErr(pred: (line: string) => boolean): Promise<string> {
    for (;;) {
      const found = this.errLines.find(pred);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
