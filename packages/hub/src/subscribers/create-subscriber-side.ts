/**
 * Wires the subscriber side for main.ts: state (the EventPublisher the
 * ingest publishes to), fan-out and the SubscriberGateway.
 */
import type { Logger } from 'pino';
import type { CollectRelay, RetainedEventSource } from '../ports.js';
import { HubState } from '../state/hub-state.js';
import { FanOut } from '../fanout/fan-out.js';
import type { EventEncoder } from '../fanout/encoded-event.js';
import { HubSubscriberGateway, type SubscriberGatewayOptions } from './subscriber-gateway.js';

export interface SubscriberSideOptions {
  logger: Logger;
  relay: CollectRelay;
  /** Retained events persisted by the store; loaded (and numbered) now. */
  retained?: RetainedEventSource;
  /** Default: a fresh random epoch. */
  hubEpoch?: string;
  /** The `fanout` config section. */
  fanout?: { coalesceMs?: number; maxBufferedBytes?: number; resumeBufferEvents?: number; resumeBufferBytes?: number };
  /** Default: plain MessagePack (tests count calls through this). */
  encodeEvent?: EventEncoder;
  gateway?: Pick<SubscriberGatewayOptions, 'helloTimeoutMs' | 'pingIntervalMs' | 'closeTimeoutMs' | 'maxInflightCollects' | 'newCorrelationId'>;
}

export interface SubscriberSide {
  /** Give this to the ingest as its EventPublisher. */
  state: HubState;
  fanout: FanOut;
  gateway: HubSubscriberGateway;
}

export function createSubscriberSide(options: SubscriberSideOptions): SubscriberSide {
  const logger = options.logger;
  const f = options.fanout ?? {};
  const fanout = new FanOut({ logger, coalesceMs: f.coalesceMs, maxBufferedBytes: f.maxBufferedBytes });
  const state = new HubState({
    logger,
    sink: fanout,
    hubEpoch: options.hubEpoch,
    resumeBufferEvents: f.resumeBufferEvents,
    resumeBufferBytes: f.resumeBufferBytes,
    encodeEvent: options.encodeEvent,
  });
  if (options.retained) state.loadRetained(options.retained);
  const gateway = new HubSubscriberGateway({ state, fanout, relay: options.relay, logger, ...options.gateway });
  return { state, fanout, gateway };
}
