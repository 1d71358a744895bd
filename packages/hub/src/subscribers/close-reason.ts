/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;
const ELLIPSIS = '…'; // 3 bytes

export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= MAX_REASON_BYTES) return text;
  let out = text.slice(0, MAX_REASON_BYTES);
  while (Buffer.byteLength(out) > MAX_REASON_BYTES - Buffer.byteLength(ELLIPSIS)) out = out.slice(0, -1);
  return out + ELLIPSIS;
}
