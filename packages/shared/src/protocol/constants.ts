/** Wire protocol constants; see docs/protocol.md. */
export const PROTOCOL_VERSION = 1;

export const AGENT_PATH = '/agent';
export const SUBSCRIBE_PATH = '/subscribe';

/**
 * WebSocket close codes (4000–4999 are ours). A frame that fails to decode
 * or validate closes only that connection, with one of these.
 */
export const CLOSE_CODES = {
  /** ws sends 1009 itself when a frame exceeds the endpoint's maxPayload. */
  FRAME_TOO_LARGE: 1009,
  NORMAL: 1000,
  GOING_AWAY: 1001,
  FRAME_INVALID: 4000,
  PROTOCOL_VERSION_MISMATCH: 4001,
  MESSAGE_UNKNOWN: 4002,
  AGENT_ID_MISMATCH: 4003,
  AGENT_REPLACED: 4004,
  SLOW_CONSUMER: 4005,
  HELLO_TIMEOUT: 4006,
  FORBIDDEN: 4007,
  HUB_SHUTTING_DOWN: 4008,
  EPOCH_INVALID: 4009,
  /** The hub's configuration was reloaded (SIGHUP) without this connection's agent or subscriber. */
  AUTH_REVOKED: 4010,
} as const;

export type CloseCodeName = keyof typeof CLOSE_CODES;

/** Deliberate frame limits per endpoint (bytes). Agents send batches; subscribers send small requests. */
export const DEFAULT_AGENT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Room kept in an agent frame for everything around one record's payload. */
export const AGENT_FRAME_OVERHEAD_BYTES = 64 * 1024;

/** The largest record payload that fits in one agent frame of `maxFrameBytes`. */
export function maxRecordBytes(maxFrameBytes: number = DEFAULT_AGENT_MAX_PAYLOAD_BYTES): number {
  return maxFrameBytes - AGENT_FRAME_OVERHEAD_BYTES;
}
export const DEFAULT_SUBSCRIBER_MAX_PAYLOAD_BYTES = 64 * 1024;

/** Names: sites, hosts, commands, agent ids (also topic segments). */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
