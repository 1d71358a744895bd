/**
 * Topics name what a subscriber can follow. Segments are separated by '/':
 *
 *   site/<site>/host/<host>/<command>   latest result of a command on a host
 *   audit/<site>/<host>/<command>       every collection attempt (audit rows)
 *   changes/<site>/<host>/<command>     file change events (created/modified/deleted)
 *   agents/<site>/<agentId>             agent status: connected, disconnected, epoch, gaps, stale
 *
 * Patterns use `*` for exactly one segment and a final `#` for any number
 * of remaining segments (zero included). A bare `agents`, `changes` or
 * `audit` means `<that>/#`.
 */
import { InfraError } from '../errors.js';
import { NAME_PATTERN } from './constants.js';

export type TopicKind = 'site' | 'audit' | 'changes' | 'agents';

export const MAX_PATTERN_LENGTH = 512;

export function resultTopic(site: string, host: string, command: string): string {
  return `site/${site}/host/${host}/${command}`;
}
export function auditTopic(site: string, host: string, command: string): string {
  return `audit/${site}/${host}/${command}`;
}
export function changesTopic(site: string, host: string, command: string): string {
  return `changes/${site}/${host}/${command}`;
}
export function agentTopic(site: string, agentId: string): string {
  return `agents/${site}/${agentId}`;
}

/** The site a topic belongs to (its scope), or undefined for a malformed topic. */
export function topicSite(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts.length >= 2 ? parts[1] : undefined;
}

const SHAPES: Readonly<Record<TopicKind, number>> = { site: 5, audit: 4, changes: 4, agents: 3 };

/** A compiled pattern: segments, with '*' and a trailing '#'. */
export interface TopicPattern {
  source: string;
  segments: readonly string[];
  /** True when the last segment is '#'. */
  rest: boolean;
}

/** Check and compile a subscriber's pattern. Throws TOPIC_INVALID naming the problem. */
export function compileTopicPattern(pattern: string): TopicPattern {
  const bad = (why: string): InfraError =>
    new InfraError('TOPIC_INVALID', `topic ${JSON.stringify(pattern.slice(0, 80))}: ${why}`, { details: { topic: pattern.slice(0, 200) } });
  if (typeof pattern !== 'string' || pattern.length === 0) throw bad('empty');
  if (pattern.length > MAX_PATTERN_LENGTH) throw bad(`longer than ${MAX_PATTERN_LENGTH} characters`);
  const expanded = pattern === 'agents' || pattern === 'changes' || pattern === 'audit' ? `${pattern}/#` : pattern;
  const segments = expanded.split('/');
  const kind = segments[0] as TopicKind;
  if (!(kind in SHAPES)) throw bad(`must start with one of ${Object.keys(SHAPES).join(', ')}`);
  if (kind === 'site' && segments.length > 2 && segments[2] !== 'host' && segments[2] !== '*' && segments[2] !== '#') {
    throw bad("the third segment of a site topic is 'host'");
  }
  segments.forEach((s, i) => {
    if (s === '#') {
      if (i !== segments.length - 1) throw bad("'#' may only be the last segment");
    } else if (s !== '*' && !NAME_PATTERN.test(s)) throw bad(`segment ${i + 1} (${JSON.stringify(s.slice(0, 40))}) is not a name, '*' or '#'`);
  });
  const rest = segments[segments.length - 1] === '#';
  const fixed = rest ? segments.length - 1 : segments.length;
  const shape = SHAPES[kind];
  if ((!rest && fixed !== shape) || fixed > shape) throw bad(`a ${kind} topic has ${shape} segments`);
  return { source: pattern, segments: rest ? segments.slice(0, -1) : segments, rest };
}

export function matchTopic(pattern: TopicPattern, topic: string): boolean {
  const parts = topic.split('/');
  if (pattern.rest ? parts.length < pattern.segments.length : parts.length !== pattern.segments.length) return false;
  for (let i = 0; i < pattern.segments.length; i++) {
    const s = pattern.segments[i];
    if (s !== '*' && s !== parts[i]) return false;
  }
  return true;
}
