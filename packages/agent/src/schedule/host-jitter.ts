import { createHash } from 'node:crypto';

/**
 * A stable per-host offset in [0, jitterMs): hosts with the same schedule
 * spread out instead of firing together, and a host keeps its slot across
 * restarts (the offset derives from the host name).
 */
export function hostJitterMs(hostName: string, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  const digest = createHash('sha256').update(hostName).digest();
  return digest.readUInt32BE(0) % Math.floor(jitterMs);
}
