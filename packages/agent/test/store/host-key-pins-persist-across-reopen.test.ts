import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { HostKeyStore } from '../../src/store/host-key-store.js';
import { manualClock, openStore, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('SQLite host key store (TOFU)', () => {
  it('pins on first use and still knows the key after a reopen', () => {
    const path = join(dirs.make(), 'agent.db');
    const clock = manualClock(5_000);
    const first = openStore(path, clock);
    const keys: HostKeyStore = first.hostKeys;
    expect(keys.get('nas')).toBeUndefined();
    keys.pin('nas', 'SHA256:abc');
    expect(keys.get('nas')).toEqual({ fingerprint: 'SHA256:abc', pinnedAtMs: 5_000 });
    first.close();

    clock.advance(1_000);
    const second = openStore(path, clock);
    expect(second.hostKeys.get('nas')).toEqual({ fingerprint: 'SHA256:abc', pinnedAtMs: 5_000 });
    expect(second.hostKeys.get('other')).toBeUndefined();
    // Re-pinning (an operator decision made by the verifier) replaces the key.
    second.hostKeys.pin('nas', 'SHA256:def');
    expect(second.hostKeys.get('nas')).toEqual({ fingerprint: 'SHA256:def', pinnedAtMs: 6_000 });
    expect(second.hostKeys.unpin('nas')).toBe(true);
    expect(second.hostKeys.get('nas')).toBeUndefined();
    second.close();
  });
});
