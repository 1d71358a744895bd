/**
 * One subscriber's delivery queue. Matching events collect here for up to
 * the fan-out's coalescing window and leave as one `events` frame spliced
 * from the pre-encoded event bytes. When what the socket still has to write
 * plus what waits here passes the byte limit, the subscriber is dropped
 * with SLOW_CONSUMER: nothing more is queued for it, so memory stays bounded
 * and nobody else waits.
 */
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '@infrastructor/shared';
import { siteInScope, type EncodedEvent } from './encoded-event.js';
import { buildEventsFrame } from './list-frame.js';

export interface OutletLimits {
  /** Drop the subscriber when ws.bufferedAmount + queued bytes would pass this. */
  maxBufferedBytes: number;
  /** Send at once when this many events wait. */
  maxFrameEvents: number;
  /** Send at once when this many bytes wait. */
  maxFrameBytes: number;
}

export interface OutletCounters {
  framesSent: number;
  bytesSent: number;
  eventsDelivered: number;
}

export interface OutletHooks {
  /** Called once when the outlet drops its subscriber for being slow. */
  onSlowConsumer(outlet: SubscriberOutlet, backlogBytes: number): void;
}

export type OfferOutcome = 'skipped' | 'queued' | 'sent' | 'dropped';

export class SubscriberOutlet {
  private pending: EncodedEvent[] = [];
  private pendingBytes = 0;
  private filter: (topic: string) => boolean = () => false;
  private stopped = false;

  constructor(
    private readonly ws: WebSocket,
    /** Principal sites; ['*'] = all. */
    readonly sites: readonly string[],
    readonly name: string,
    private readonly limits: OutletLimits,
    private readonly counters: OutletCounters,
    private readonly hooks: OutletHooks,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** Which topics this subscriber follows (scope is checked separately). */
  setFilter(filter: (topic: string) => boolean): void {
    this.filter = filter;
  }

  /**
   * Queue the event if it is in scope and matches; drop the subscriber when
   * it is too far behind. When the queue reaches a frame limit it is sent at
   * once, its frame from `frameFor` (shared between subscribers, see flush()).
   */
  offer(event: EncodedEvent, frameFor?: (events: readonly EncodedEvent[]) => Buffer): OfferOutcome {
    if (this.stopped || !siteInScope(this.sites, event.site) || !this.filter(event.topic)) return 'skipped';
    const backlog = this.ws.bufferedAmount + this.pendingBytes + event.bytes.byteLength;
    if (backlog > this.limits.maxBufferedBytes) {
      this.dropSlow(backlog);
      return 'dropped';
    }
    this.pending.push(event);
    this.pendingBytes += event.bytes.byteLength;
    if (this.pending.length >= this.limits.maxFrameEvents || this.pendingBytes >= this.limits.maxFrameBytes) {
      this.flush(frameFor);
      return 'sent';
    }
    return 'queued';
  }

  /** The events waiting to go out, in seq order (read-only view; the fan-out shares frames by it). */
  get pendingEvents(): readonly EncodedEvent[] {
    return this.pending;
  }

  /**
   * Send what waits as one `events` frame. `frameFor` may return a frame
   * already built for the same events (subscribers with the same matches
   * share one buffer); default: build it.
   */
  flush(frameFor: (events: readonly EncodedEvent[]) => Buffer = buildEventsFrame): void {
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.stopped || this.ws.readyState !== WebSocket.OPEN) return;
    this.write(frameFor(events), events.length);
  }

  /**
   * Send a ready frame (welcome, snapshot, replay, replies) in order after
   * whatever is queued. `events` is how many events it carries.
   */
  sendFrame(frame: Buffer, events = 0): void {
    this.flush();
    this.write(frame, events);
  }

  /** Stop delivering (the connection is closing); drops what waits. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private write(frame: Buffer, events: number): void {
    if (this.stopped || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, { binary: true });
    this.counters.framesSent++;
    this.counters.bytesSent += frame.byteLength;
    this.counters.eventsDelivered += events;
  }

  private dropSlow(backlog: number): void {
    this.stop();
    this.hooks.onSlowConsumer(this, backlog);
    // The close frame queues behind what the socket still holds; ws destroys
    // the socket if the peer never answers it.
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(CLOSE_CODES.SLOW_CONSUMER, `slow consumer: over ${this.limits.maxBufferedBytes} bytes behind`);
    }
  }
}
