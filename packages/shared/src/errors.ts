/**
 * Every error Infrastructor raises, in one place, with a stable code.
 *
 * Codes are part of the public surface: they appear in audit rows, logs,
 * CLI output and (later) wire frames. Never rename one; add new ones.
 * `retryable` says whether the collection service may try again.
 */
export const ERROR_CODES = {
  // configuration
  CONFIG_READ_FAILED: { retryable: false, summary: 'the configuration file could not be read' },
  CONFIG_PARSE_FAILED: { retryable: false, summary: 'the configuration file is not valid YAML' },
  CONFIG_INVALID: { retryable: false, summary: 'a configuration value is invalid' },
  CONFIG_UNKNOWN_KEY: { retryable: false, summary: 'the configuration has a key that is not known' },

  // registry and parameters
  COMMAND_UNKNOWN: { retryable: false, summary: 'no command with that name' },
  COMMAND_DISABLED: { retryable: false, summary: 'the command is disabled for this host' },
  HOST_UNKNOWN: { retryable: false, summary: 'no host with that name' },
  PARAM_INVALID: { retryable: false, summary: 'a parameter value failed validation' },
  PARAM_UNKNOWN: { retryable: false, summary: 'the command takes no parameter with that name' },
  PARSER_UNKNOWN: { retryable: false, summary: 'no parser with that name' },

  // SSH connection
  SSH_CONNECTION_REFUSED: { retryable: true, summary: 'the host refused the TCP connection' },
  SSH_CONNECT_TIMEOUT: { retryable: true, summary: 'the SSH connection or handshake timed out' },
  SSH_HOST_UNREACHABLE: { retryable: true, summary: 'the host could not be reached or resolved' },
  SSH_CONNECTION_LOST: { retryable: true, summary: 'the SSH connection closed unexpectedly' },
  SSH_AUTH_FAILED: { retryable: false, summary: 'the host rejected the SSH credentials' },
  SSH_HOST_KEY_MISMATCH: { retryable: false, summary: 'the host key does not match the pinned key' },
  SSH_HOST_KEY_UNKNOWN: { retryable: false, summary: 'the host key is not pinned and the policy is strict' },
  SSH_KEY_READ_FAILED: { retryable: false, summary: 'the private key file could not be read' },
  SSH_CHANNEL_FAILED: { retryable: true, summary: 'the SSH server refused to open a channel' },

  // execution
  EXEC_TIMEOUT: { retryable: true, summary: 'the command did not finish within its timeout' },
  EXEC_NONZERO_EXIT: { retryable: false, summary: 'the command exited with a non-zero status' },
  EXEC_OUTPUT_TOO_LARGE: { retryable: false, summary: 'the command printed more than maxOutputBytes' },
  RESULT_TOO_LARGE: { retryable: false, summary: 'the parsed result is larger than the hub accepts in one frame; it is not stored (audited as an error)' },
  EXEC_SPAWN_FAILED: { retryable: false, summary: 'the local command could not be started' },

  // parsing and decoding
  PARSE_FAILED: { retryable: false, summary: 'the command output could not be parsed' },
  DECODE_FAILED: { retryable: false, summary: 'bytes could not be decoded as MessagePack' },

  // lifecycle
  POOL_CLOSED: { retryable: false, summary: 'the SSH pool is closed' },
  POOL_DESTROYED: { retryable: false, summary: 'the SSH pool was destroyed' },
  SHUTTING_DOWN: { retryable: false, summary: 'the agent is shutting down' },
  ABORTED: { retryable: false, summary: 'the operation was aborted' },

  // storage
  STORE_OPEN_FAILED: { retryable: false, summary: 'the database could not be opened' },
  STORE_MIGRATION_FAILED: { retryable: false, summary: 'a schema migration failed' },
  STORE_WRITE_FAILED: { retryable: false, summary: 'a write to the database failed (disk full, read-only, I/O error, …); the message says which' },

  // wire protocol, hub and subscribers
  FRAME_INVALID: { retryable: false, summary: 'a frame failed to decode or validate' },
  PROTOCOL_VERSION_MISMATCH: { retryable: false, summary: 'the peer speaks another protocol version' },
  MESSAGE_UNKNOWN: { retryable: false, summary: 'a message of an unknown type' },
  FRAME_TOO_LARGE: { retryable: false, summary: 'a frame exceeded the endpoint maxPayload' },
  AUTH_FAILED: { retryable: false, summary: 'the token was missing or not accepted' },
  AUTH_REVOKED: { retryable: false, summary: 'the hub reloaded its configuration without this agent or subscriber: the connection was closed' },
  FORBIDDEN: { retryable: false, summary: 'the token does not allow this (role or site scope)' },
  AGENT_ID_MISMATCH: { retryable: false, summary: 'the agent id in hello differs from the one bound to its token' },
  AGENT_REPLACED: { retryable: true, summary: 'a newer connection of the same agent took over' },
  AGENT_OFFLINE: { retryable: true, summary: 'no agent of that site is connected' },
  TOPIC_INVALID: { retryable: false, summary: 'a topic pattern is malformed' },
  SLOW_CONSUMER: { retryable: true, summary: 'the subscriber did not read fast enough and was dropped' },
  REQUEST_TIMEOUT: { retryable: true, summary: 'the on-demand request got no answer within its deadline' },
  REQUEST_INVALID: { retryable: false, summary: 'the on-demand request is malformed' },
  HUB_UNREACHABLE: { retryable: true, summary: 'the hub could not be reached' },
  HUB_SHUTTING_DOWN: { retryable: true, summary: 'the hub is shutting down' },

  INTERNAL: { retryable: false, summary: 'an unexpected internal error' },

  // hub agent endpoint (appended)
  HELLO_TIMEOUT: { retryable: true, summary: 'the peer sent no hello within the hello timeout' },
  EPOCH_INVALID: { retryable: false, summary: 'a records batch names another epoch than the connection hello' },
  AGENT_BUSY: { retryable: true, summary: 'the agent has too many on-demand requests in flight' },

  // hub subscriber endpoint (appended)
  TOO_MANY_REQUESTS: { retryable: true, summary: 'this subscriber connection has too many on-demand requests in flight' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface InfraErrorOptions {
  cause?: unknown;
  /** Structured context safe to log and store (never secrets). */
  details?: Record<string, unknown>;
}

export class InfraError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: InfraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InfraError';
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: { ...this.details } };
  }
}

export function isInfraError(err: unknown): err is InfraError {
  return err instanceof InfraError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Wrap anything thrown into an InfraError, keeping InfraErrors as they are. */
export function toInfraError(err: unknown, fallback: ErrorCode = 'INTERNAL'): InfraError {
  if (err instanceof InfraError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InfraError(fallback, message, { cause: err });
}
