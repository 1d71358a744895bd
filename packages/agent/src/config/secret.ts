import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value (the hub token). Every way of printing it — JSON (so pino
 * logs), String(), template strings, util.inspect — gives "[redacted]";
 * only `reveal()` returns the value, at the one place that must send it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
