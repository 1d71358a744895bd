/**
 * Hands numbered, pre-encoded events to every subscriber outlet. One timer
 * for the whole fan-out opens a coalescing window at the first queued event;
 * when it fires every outlet with waiting events sends one frame. With
 * coalesceMs 0 each publish call is sent at once (one frame per subscriber
 * per publish batch).
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { EventSink } from '../state/hub-state.js';
import type { EncodedEvent } from './encoded-event.js';
import { buildEventsFrame } from './list-frame.js';
import { SubscriberOutlet, type OutletCounters, type OutletLimits } from './subscriber-outlet.js';

export const DEFAULT_COALESCE_MS = 5;
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_FRAME_EVENTS = 4096;
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export interface FanOutOptions {
  logger: Logger;
  /** fanout.coalesceMs: how long events collect before a frame goes out; 0 = at once. Default 5. */
  coalesceMs?: number;
  /** fanout.maxBufferedBytes: a subscriber further behind than this is dropped (SLOW_CONSUMER). Default 8 MiB. */
  maxBufferedBytes?: number;
  /** A frame goes out early when this many events wait. Default 4096. */
  maxFrameEvents?: number;
  /** A frame goes out early when this many bytes wait. Default 1 MiB. */
  maxFrameBytes?: number;
}

export class FanOut implements EventSink {
  private readonly outlets = new Set<SubscriberOutlet>();
  private readonly dirty = new Set<SubscriberOutlet>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly coalesceMs: number;
  private readonly limits: OutletLimits;
  private readonly log: Logger;
  private readonly counters: OutletCounters & { eventsPublished: number; slowConsumerDrops: number; flushes: number } = {
    framesSent: 0,
    bytesSent: 0,
    eventsDelivered: 0,
    eventsPublished: 0,
    slowConsumerDrops: 0,
    flushes: 0,
  };

  constructor(options: FanOutOptions) {
    this.log = options.logger;
    this.coalesceMs = Math.max(0, options.coalesceMs ?? DEFAULT_COALESCE_MS);
    this.limits = {
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      maxFrameEvents: Math.max(1, options.maxFrameEvents ?? DEFAULT_MAX_FRAME_EVENTS),
      maxFrameBytes: Math.max(1, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
    };
  }

  /** A new subscriber's outlet; it receives nothing until it gets a filter. */
  attach(ws: WebSocket, subscriber: { name: string; sites: readonly string[] }): SubscriberOutlet {
    const outlet = new SubscriberOutlet(ws, subscriber.sites, subscriber.name, this.limits, this.counters, {
      onSlowConsumer: (o, backlogBytes) => {
        this.counters.slowConsumerDrops++;
        this.log.warn(
          { event: 'subscriber_dropped_slow', subscriber: o.name, backlogBytes, maxBufferedBytes: this.limits.maxBufferedBytes },
          'subscriber too far behind; dropped',
        );
        this.detach(o);
      },
    });
    if (!this.closed) this.outlets.add(outlet);
    else outlet.stop();
    return outlet;
  }

  detach(outlet: SubscriberOutlet): void {
    outlet.stop();
    this.outlets.delete(outlet);
    this.dirty.delete(outlet);
  }

  deliver(events: readonly EncodedEvent[]): void {
    if (this.closed || events.length === 0) return;
    this.counters.eventsPublished += events.length;
    // Frames sent early (an outlet reached a frame limit) are shared like in flushNow().
    const frames = new SharedFrames();
    const frameFor = (list: readonly EncodedEvent[]): Buffer => frames.frameFor(list);
    for (const outlet of this.outlets) {
      for (const event of events) {
        const outcome = outlet.offer(event, frameFor);
        if (outcome === 'queued') this.dirty.add(outlet);
        else if (outcome === 'dropped') break;
      }
    }
    if (this.dirty.size === 0) return;
    if (this.coalesceMs === 0) this.flushNow();
    else this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, this.coalesceMs);
  }

  /**
   * Send every waiting event now. Outlets waiting on the same events (the
   * usual case: subscribers with the same patterns and scope) share one
   * frame buffer, so the frame is built (and its bytes copied) once per
   * distinct event list, not once per subscriber.
   */
  flushNow(): void {
    if (this.dirty.size === 0) return;
    this.counters.flushes++;
    const outlets = [...this.dirty];
    this.dirty.clear();
    const frames = new SharedFrames();
    for (const outlet of outlets) outlet.flush((events) => frames.frameFor(events));
  }

  /** Stop delivering; safe to call twice. Outlets are closed by their sessions. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const outlet of this.outlets) outlet.stop();
    this.outlets.clear();
    this.dirty.clear();
  }

  stats(): Record<string, unknown> {
    return {
      outlets: this.outlets.size,
      coalesceMs: this.coalesceMs,
      maxBufferedBytes: this.limits.maxBufferedBytes,
      ...this.counters,
    };
  }
}

/**
 * Frames built during one flush, by the exact list of events they carry
 * (same length, same event objects in the same order).
 */
class SharedFrames {
  private readonly built = new Map<string, Array<{ events: readonly EncodedEvent[]; frame: Buffer }>>();

  frameFor(events: readonly EncodedEvent[]): Buffer {
    const first = events[0];
    const last = events[events.length - 1];
    const key = `${events.length}:${first?.seq ?? 0}:${last?.seq ?? 0}`;
    let candidates = this.built.get(key);
    if (candidates) {
      for (const c of candidates) if (sameEvents(c.events, events)) return c.frame;
    } else {
      candidates = [];
      this.built.set(key, candidates);
    }
    const frame = buildEventsFrame(events);
    candidates.push({ events, frame });
    return frame;
  }
}

function sameEvents(a: readonly EncodedEvent[], b: readonly EncodedEvent[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
