/**
 * What a command is: how to build its script, how to read its output, and
 * its defaults. Built-in commands live in registry/builtin/*, user-defined
 * ones are built from config by registry/user-commands.ts.
 */

export type ParamSpec =
  | { type: 'enum'; values: readonly string[]; default?: string; description: string }
  | { type: 'integer'; min?: number; max?: number; default?: number; description: string }
  | {
      type: 'string';
      /** Anchored regular expression source the whole value must match. */
      pattern: string;
      maxLength?: number;
      default?: string;
      description: string;
    }
  | {
      /** A list of strings, each matching `pattern` (e.g. directories to scan). */
      type: 'list';
      pattern: string;
      maxItems?: number;
      maxLength?: number;
      default?: readonly string[];
      description: string;
    };

/** Parameters after validation: every declared param with a default is present (shared: they travel). */
export type { ParamValue, ParamValues } from '@infrastructor/shared';
import type { ParamValues } from '@infrastructor/shared';

export interface CommandDefaults {
  /** node-cron expression (5 or 6 fields). */
  schedule: string;
  /** Freshness: how long a result is served from cache. 0 = never cached. */
  ttlMs: number;
  timeoutMs: number;
  /** Extra attempts after the first, for retryable errors only. */
  retries: number;
  enabled: boolean;
}

export interface ScriptContext {
  /** Random per run; pass to sectionScript(). */
  nonce: string;
}

export interface ParsedFile {
  path: string;
  /** Content hash, e.g. "sha256:<hex>". */
  hash: string;
}

export interface CommandSpec {
  name: string;
  description: string;
  params: Readonly<Record<string, ParamSpec>>;
  defaults: CommandDefaults;
  /**
   * The shell script to run (POSIX sh). Values come validated; every value
   * that reaches the script goes through shellQuote().
   */
  script(params: ParamValues, ctx: ScriptContext): string;
  /**
   * Pure: the command's stdout (and, for commands that need them, its exit
   * code and stderr) to a JSON-able value. Throws PARSE_FAILED on output it
   * cannot read.
   */
  parse(output: CommandOutput): unknown;
  /**
   * File-based commands (proxy_configs, docker_compose, systemd unit files):
   * the files in a parsed result, for change detection.
   */
  files?(parsed: unknown): ParsedFile[];
  /** Exit codes that are not failures (default: only 0). */
  okExitCodes?: readonly number[];
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}
