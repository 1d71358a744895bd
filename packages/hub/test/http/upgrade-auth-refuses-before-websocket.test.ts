import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

interface Outcome {
  opened: boolean;
  status?: number;
  body?: string;
}

/** Try a WebSocket upgrade; report whether it opened or the HTTP status and body it got instead. */
function tryUpgrade(url: string, token: string | undefined, header?: string): Promise<Outcome> {
  const headers: Record<string, string> = {};
  if (header !== undefined) headers['Authorization'] = header;
  else if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('authentication at the HTTP upgrade', () => {
  it('refuses a missing, malformed or unknown token with 401 {code: AUTH_FAILED} and no WebSocket', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    for (const outcome of [
      await tryUpgrade(`${t.url}/agent`, undefined),
      await tryUpgrade(`${t.url}/agent`, 'not-a-configured-token-123'),
      await tryUpgrade(`${t.url}/agent`, undefined, `Basic ${TOKENS.a1}`),
      await tryUpgrade(`${t.url}/subscribe`, undefined),
    ]) {
      expect(outcome).toEqual({ opened: false, status: 401, body: JSON.stringify({ code: 'AUTH_FAILED' }) });
    }
    expect(t.hub.counters.get('auth_failed')).toBe(4);
    expect(t.hub.counters.getIn('auth_failures_by_endpoint', 'agent')).toBe(3);
    expect(t.log.lines().filter((l) => l['event'] === 'auth_failed')).toHaveLength(4);
    expect(t.log.text()).not.toContain(TOKENS.a1);
    expect(t.hub.db.prepare('SELECT count(*) AS n FROM agents').get()).toEqual({ n: 0 });
  });

  it('a token only opens its own endpoint: subscriber tokens are refused on /agent and agent tokens on /subscribe', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    expect(await tryUpgrade(`${t.url}/agent`, TOKENS.viewer)).toMatchObject({ opened: false, status: 401 });
    expect(await tryUpgrade(`${t.url}/agent`, TOKENS.operator)).toMatchObject({ opened: false, status: 401 });
    expect(await tryUpgrade(`${t.url}/subscribe`, TOKENS.a1)).toMatchObject({ opened: false, status: 401 });
    expect(t.gateway.accepted).toHaveLength(0);
  });

  it('an unknown path is 404; valid tokens open their endpoint, subscribers reach the gateway with their principal', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    expect(await tryUpgrade(`${t.url}/nope`, TOKENS.a1)).toMatchObject({ opened: false, status: 404 });
    expect(await tryUpgrade(`${t.url}/agent`, TOKENS.a1)).toEqual({ opened: true });
    expect(await tryUpgrade(`${t.url}/subscribe?x=1`, TOKENS.alphaOperator)).toEqual({ opened: true });
    expect(t.gateway.accepted.map((a) => a.principal)).toEqual([{ name: 'alpha-ops', role: 'operator', sites: ['alpha'] }]);
  });
});
