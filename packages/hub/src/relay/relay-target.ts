/** What the relay needs from the agent side: connected agents by site, and a way to send. */
import type { HubCollectRequest, ScheduledJobInfo } from '@infrastructor/shared';

export interface RelayTarget {
  readonly agentId: string;
  readonly site: string;
  /** The jobs the agent announced in its hello. */
  jobs(): readonly ScheduledJobInfo[];
  /** False when the socket is no longer open. */
  sendCollect(frame: HubCollectRequest): boolean;
}

export interface RelayDirectory {
  /** Agents of that site with an active (post-hello) connection. */
  connected(site: string): RelayTarget[];
}
