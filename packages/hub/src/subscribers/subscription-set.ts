/**
 * A subscriber's topic patterns, by the text it sent. Besides the shared
 * pattern syntax, a bare `#` means every topic: it stands for `site/#`,
 * `audit/#`, `changes/#` and `agents/#`.
 */
import { compileTopicPattern, matchTopic, type TopicPattern } from '@infrastructor/shared';

const EVERYTHING = ['site/#', 'audit/#', 'changes/#', 'agents/#'];

/** Compile one pattern as sent by a subscriber. Throws TOPIC_INVALID naming it. */
export function compileSubscription(source: string): TopicPattern[] {
  if (source === '#') return EVERYTHING.map((p) => ({ ...compileTopicPattern(p), source }));
  return [compileTopicPattern(source)];
}

/** Topics whose match result is remembered per subscription set (cleared when full or when the patterns change). */
const MATCH_CACHE_MAX = 4096;

export class SubscriptionSet {
  private readonly bySource = new Map<string, readonly TopicPattern[]>();
  private flat: TopicPattern[] = [];
  /** topic → matches: the fan-out asks once per event per subscriber, topics repeat. */
  private readonly matchCache = new Map<string, boolean>();

  get sources(): string[] {
    return [...this.bySource.keys()];
  }

  get patterns(): readonly TopicPattern[] {
    return this.flat;
  }

  /** Add (or, with replace, swap in) compiled patterns; returns those that were not there before. */
  apply(compiled: ReadonlyMap<string, readonly TopicPattern[]>, replace: boolean): TopicPattern[] {
    const added: TopicPattern[] = [];
    for (const [source, patterns] of compiled) if (!this.bySource.has(source)) added.push(...patterns);
    if (replace) this.bySource.clear();
    for (const [source, patterns] of compiled) this.bySource.set(source, patterns);
    this.rebuild();
    return added;
  }

  remove(sources: readonly string[]): void {
    for (const s of sources) this.bySource.delete(s);
    this.rebuild();
  }

  matches(topic: string): boolean {
    const cached = this.matchCache.get(topic);
    if (cached !== undefined) return cached;
    let hit = false;
    for (const p of this.flat) {
      if (matchTopic(p, topic)) {
        hit = true;
        break;
      }
    }
    if (this.matchCache.size >= MATCH_CACHE_MAX) this.matchCache.clear();
    this.matchCache.set(topic, hit);
    return hit;
  }

  private rebuild(): void {
    this.flat = [...this.bySource.values()].flat();
    this.matchCache.clear();
  }
}
