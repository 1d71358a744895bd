/**
 * The seam between the collection service and how a command reaches a host.
 * Implemented by the SSH pool (per host) and by the local transport.
 */
export interface ExecOptions {
  /** Kill the command (remote process too) and fail with EXEC_TIMEOUT after this. */
  timeoutMs: number;
  /** Fail with EXEC_OUTPUT_TOO_LARGE once stdout+stderr exceed this. */
  maxOutputBytes: number;
  /** Aborting kills the command and fails with ABORTED. */
  signal?: AbortSignal;
  /** The command's name, for error details and logs. */
  commandName?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the process died by a signal. */
  exitCode: number | null;
  exitSignal: string | null;
  /** stdout + stderr bytes received. */
  bytes: number;
  durationMs: number;
}

/**
 * Runs one shell script on one host. Resolves with the result whatever the
 * exit code; rejects with an InfraError (SSH_*, EXEC_TIMEOUT,
 * EXEC_OUTPUT_TOO_LARGE, EXEC_SPAWN_FAILED, ABORTED, POOL_*) otherwise.
 */
export interface Transport {
  exec(script: string, options: ExecOptions): Promise<ExecResult>;
}
