import { describe, it, expect } from 'vitest';
import { compileTopicPattern, matchTopic, resultTopic, agentTopic, changesTopic, auditTopic, topicSite } from '../src/protocol/topics.js';

const m = (pattern: string, topic: string) => matchTopic(compileTopicPattern(pattern), topic);

describe('topic patterns', () => {
  it('match exact topics, * for one segment and a trailing # for the rest', () => {
    const t = resultTopic('lab', 'nas', 'drive_health');
    expect(t).toBe('site/lab/host/nas/drive_health');
    expect(m('site/lab/host/nas/drive_health', t)).toBe(true);
    expect(m('site/*/host/*/drive_health', t)).toBe(true);
    expect(m('site/*/host/*/system_metrics', t)).toBe(false);
    expect(m('site/lab/#', t)).toBe(true);
    expect(m('site/#', t)).toBe(true);
    expect(m('site/other/#', t)).toBe(false);
    expect(m('agents', agentTopic('lab', 'a1'))).toBe(true);
    expect(m('changes', changesTopic('lab', 'nas', 'proxy_configs'))).toBe(true);
    expect(m('audit', auditTopic('lab', 'nas', 'x'))).toBe(true);
    expect(m('agents', t)).toBe(false);
    expect(topicSite(t)).toBe('lab');
  });

  it('refuse malformed patterns with TOPIC_INVALID naming the problem', () => {
    for (const bad of ['', 'nope/x', 'site/a/b/c/d', 'site/#/host', 'site/lab/host/nas', 'site/l ab/#', 'agents/x/y/z', 'x'.repeat(600)]) {
      expect(() => compileTopicPattern(bad), bad).toThrow(expect.objectContaining({ code: 'TOPIC_INVALID' }));
    }
  });
});
