/**
 * A value that is already plain MessagePack: exactly one complete value
 * (checked by whoever made it, e.g. `decodeKeepingRaw`). The plain encoder
 * (codec.ts `encode`) writes its bytes as they are, so a part that passes
 * through unchanged — a result's `data` on its way from an agent to the
 * retained state and to subscribers — is neither decoded nor encoded again.
 *
 * Only the plain codec knows it; `createRecordCodec()` does not.
 */
export class PreEncoded {
  constructor(readonly bytes: Uint8Array) {}
}
