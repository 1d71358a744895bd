/** A minimal SubscriberGateway for the agent-side tests: records accepted sockets. */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CLOSE_CODES } from '@infrastructor/shared';
import type { SubscriberGateway, SubscriberPrincipal } from '../../src/ports.js';

export class PlaceholderGateway implements SubscriberGateway {
  readonly accepted: { principal: SubscriberPrincipal; ws: WebSocket }[] = [];
  closeCalls = 0;

  accept(ws: WebSocket, principal: SubscriberPrincipal, _request: IncomingMessage): void {
    this.accepted.push({ principal, ws });
    ws.send('placeholder gateway says hello');
  }

  revokeWhere(keep: (principal: SubscriberPrincipal) => boolean): number {
    const revoked = this.accepted.filter((a) => !keep(a.principal));
    for (const { ws } of revoked) ws.close(CLOSE_CODES.AUTH_REVOKED, 'AUTH_REVOKED');
    return revoked.length;
  }

  async close(): Promise<void> {
    this.closeCalls += 1;
    for (const { ws } of this.accepted) ws.close(CLOSE_CODES.HUB_SHUTTING_DOWN, 'HUB_SHUTTING_DOWN');
  }

  stats(): Record<string, unknown> {
    return { connections: this.accepted.length, placeholder: true };
  }
}
