import { toInfraError } from '@infrastructor/shared';

/** One clear line (plus the problem list for config errors) on stderr. */
export function formatError(err: unknown): string {
  const e = toInfraError(err);
  const lines = [`error ${e.code}: ${e.message}`];
  const problems = e.details['problems'];
  // Several config problems are listed one per line in the message already.
  if (Array.isArray(problems) && problems.length > 1 && !e.message.includes('\n')) {
    for (const p of problems) lines.push(`  - ${typeof p === 'string' ? p : JSON.stringify(p)}`);
  }
  return lines.join('\n');
}

export function formatErrorJson(err: unknown): string {
  const e = toInfraError(err);
  return JSON.stringify({ ok: false, error: { code: e.code, message: e.message } });
}
