/**
 * Collects stdout/stderr as bytes and enforces maxOutputBytes over their sum.
 * Shared by the SSH exec channel and the local transport.
 */

export class OutputBuffer {
  readonly maxOutputBytes: number;
  #stdout: Buffer[] = [];
  #stderr: Buffer[] = [];
  #bytes = 0;
  #overflowed = false;

  constructor(maxOutputBytes: number) {
    this.maxOutputBytes = maxOutputBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Returns false once the total exceeds maxOutputBytes (the chunk is dropped). */
  addStdout(chunk: Buffer): boolean {
    return this.#add(this.#stdout, chunk);
  }

  addStderr(chunk: Buffer): boolean {
    return this.#add(this.#stderr, chunk);
  }

  #add(into: Buffer[], chunk: Buffer): boolean {
    if (this.#overflowed) return false;
    if (this.#bytes + chunk.length > this.maxOutputBytes) {
      this.#overflowed = true;
      this.#bytes += chunk.length;
      this.#stdout = [];
      this.#stderr = [];
      return false;
    }
    this.#bytes += chunk.length;
    into.push(chunk);
    return true;
  }

  stdout(): string {
    return Buffer.concat(this.#stdout).toString('utf8');
  }

  stderr(): string {
    return Buffer.concat(this.#stderr).toString('utf8');
  }
}
