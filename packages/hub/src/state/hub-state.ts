/**
 * The subscriber side's view of the hub: every published event gets a
 * hub-wide `seq` (increasing within this hub's epoch) and a per-topic
 * `topicSeq`, is encoded once, kept as the latest state of its topic when
 * retained, remembered in a bounded ring for resume, and handed to the
 * fan-out.
 */
import type { Logger } from 'pino';
import { matchTopic, PreEncoded, type HubEvent, type TopicPattern } from '@infrastructor/shared';
import type { EventPublisher, HubEventInput, RetainedEventSource } from '../ports.js';
import { encodeHubEvent, siteInScope, type EncodedEvent, type EventEncoder } from '../fanout/encoded-event.js';
import { EventRing } from './event-ring.js';
import { newHubEpoch } from './hub-epoch.js';

export const DEFAULT_RESUME_BUFFER_EVENTS = 10_000;
export const DEFAULT_RESUME_BUFFER_BYTES = 64 * 1024 * 1024;

/** Where numbered events go (the fan-out). */
export interface EventSink {
  deliver(events: readonly EncodedEvent[]): void;
}

export interface HubStateOptions {
  logger: Logger;
  sink: EventSink;
  /** Default: a fresh random epoch. */
  hubEpoch?: string;
  /** fanout.resumeBufferEvents: how many recent events resume can replay. Default 10000. */
  resumeBufferEvents?: number;
  /** Byte budget of the resume buffer (encoded sizes). Default 64 MiB. */
  resumeBufferBytes?: number;
  /** Default: plain MessagePack via the shared codec. */
  encodeEvent?: EventEncoder;
}

export interface StateSnapshot {
  hubEpoch: string;
  /** Every event with seq ≤ this is reflected; live events continue at seq + 1. */
  seq: number;
  entries: EncodedEvent[];
}

function matchesAny(patterns: readonly TopicPattern[], topic: string): boolean {
  for (const p of patterns) if (matchTopic(p, topic)) return true;
  return false;
}

export class HubState implements EventPublisher {
  readonly hubEpoch: string;
  private lastSeq = 0;
  private readonly topicSeqs = new Map<string, number>();
  private readonly retained = new Map<string, EncodedEvent>();
  private readonly ring: EventRing;
  private readonly encodeEvent: EventEncoder;
  private readonly log: Logger;
  private readonly sink: EventSink;
  private readonly counters = { published: 0, loadedRetained: 0, encodeFailed: 0, deliverFailed: 0 };

  constructor(options: HubStateOptions) {
    this.hubEpoch = options.hubEpoch ?? newHubEpoch();
    this.ring = new EventRing(options.resumeBufferEvents ?? DEFAULT_RESUME_BUFFER_EVENTS, options.resumeBufferBytes ?? DEFAULT_RESUME_BUFFER_BYTES);
    this.encodeEvent = options.encodeEvent ?? encodeHubEvent;
    this.log = options.logger;
    this.sink = options.sink;
  }

  /** The seq of the newest event (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  /** Load the persisted retained events at start: they are numbered like any event, not delivered. */
  loadRetained(source: RetainedEventSource): number {
    const numbered = this.number(source.loadRetained());
    this.counters.loadedRetained += numbered.length;
    this.log.info({ event: 'hub_state_loaded', hubEpoch: this.hubEpoch, retained: numbered.length, seq: this.lastSeq }, 'retained state loaded');
    return numbered.length;
  }

  publish(events: readonly HubEventInput[]): void {
    const numbered = this.number(events);
    if (numbered.length === 0) return;
    this.counters.published += numbered.length;
    try {
      this.sink.deliver(numbered);
    } catch (err) {
      // The fan-out must never take the publisher (agent ingest) down with it.
      this.counters.deliverFailed++;
      this.log.error({ event: 'fanout_deliver_failed', err }, 'fan-out failed to take events');
    }
  }

  /** Latest retained event of every topic matching a pattern and in scope, by seq. */
  snapshot(patterns: readonly TopicPattern[], sites: readonly string[]): StateSnapshot {
    const entries: EncodedEvent[] = [];
    if (patterns.length > 0) {
      for (const e of this.retained.values()) {
        if (siteInScope(sites, e.site) && matchesAny(patterns, e.topic)) entries.push(e);
      }
      entries.sort((a, b) => a.seq - b.seq);
    }
    return { hubEpoch: this.hubEpoch, seq: this.lastSeq, entries };
  }

  /**
   * The events a reconnecting subscriber missed: every buffered event with
   * seq > afterSeq matching a pattern and in scope, oldest first. Undefined
   * when that cannot be answered exactly (another epoch, afterSeq ahead of
   * this hub, or already out of the buffer): send a fresh snapshot instead.
   */
  replayAfter(hubEpoch: string, afterSeq: number, patterns: readonly TopicPattern[], sites: readonly string[]): EncodedEvent[] | undefined {
    if (hubEpoch !== this.hubEpoch || afterSeq > this.lastSeq) return undefined;
    const missed = this.ring.eventsAfter(afterSeq);
    if (!missed) return undefined;
    return missed.filter((e) => siteInScope(sites, e.site) && matchesAny(patterns, e.topic));
  }

  stats(): Record<string, unknown> {
    return {
      hubEpoch: this.hubEpoch,
      seq: this.lastSeq,
      topics: this.topicSeqs.size,
      retainedTopics: this.retained.size,
      resumeBufferEvents: this.ring.size,
      resumeBufferBytes: this.ring.bytes,
      resumeBufferOldestSeq: this.ring.oldestSeq ?? null,
      ...this.counters,
    };
  }

  private number(inputs: readonly HubEventInput[]): EncodedEvent[] {
    const out: EncodedEvent[] = [];
    for (const input of inputs) {
      const seq = this.lastSeq + 1;
      const topicSeq = (this.topicSeqs.get(input.topic) ?? 0) + 1;
      const data = input.encodedData !== undefined ? new PreEncoded(input.encodedData) : input.data;
      const event: HubEvent = { seq, topic: input.topic, topicSeq, kind: input.kind, timeMs: input.timeMs, data };
      let bytes: Buffer;
      try {
        bytes = this.encodeEvent(event);
      } catch (err) {
        this.counters.encodeFailed++;
        this.log.error({ event: 'hub_event_encode_failed', topic: input.topic, kind: input.kind, err }, 'event could not be encoded; skipped');
        continue;
      }
      this.lastSeq = seq;
      this.topicSeqs.set(input.topic, topicSeq);
      const encoded: EncodedEvent = { seq, topic: input.topic, topicSeq, kind: input.kind, site: input.site, retain: input.retain, bytes };
      if (input.retain) this.retained.set(input.topic, encoded);
      this.ring.push(encoded);
      out.push(encoded);
    }
    return out;
  }
}
