/**
 * The `scan:` (OpenZFS) or `scrub:` (Solaris-era) text of `zpool status`.
 */
export interface ZpoolScan {
  kind: 'scrub' | 'resilver' | null;
  state: 'none' | 'in-progress' | 'finished' | 'canceled' | 'paused' | 'unknown';
  /** The whole text, continuation lines joined with "\n". */
  details: string;
  /** When it started (in progress) or ended, as printed. */
  time: string | null;
  /** Data errors found by a finished scan. */
  errors: number | null;
  /** Scrub: amount repaired, as printed ("0B", "1.14M"). */
  repaired: string | null;
  /** Resilver: amount resilvered, as printed. */
  resilvered: string | null;
  percentDone: number | null;
}

function base(details: string): ZpoolScan {
  return { kind: null, state: 'unknown', details, time: null, errors: null, repaired: null, resilvered: null, percentDone: null };
}

export function parseZpoolScan(lines: readonly string[]): ZpoolScan {
  const details = lines.map((l) => l.trim()).join('\n');
  const first = (lines[0] ?? '').trim();
  const scan = base(details);
  const pct = /([0-9]+(?:\.[0-9]+)?)% done/.exec(details);
  if (pct) scan.percentDone = Number(pct[1]);
  let m: RegExpExecArray | null;
  if (/^none requested/.test(first)) {
    scan.state = 'none';
  } else if ((m = /^(scrub|resilver) in progress (?:since|for) (.+)$/.exec(first))) {
    scan.kind = m[1] === 'scrub' ? 'scrub' : 'resilver';
    scan.state = 'in-progress';
    scan.time = m[2] ?? null;
    const repaired = /(\S+) repaired\b/.exec(details);
    if (repaired) scan.repaired = repaired[1] ?? null;
    const resilvered = /(\S+) resilvered\b/.exec(details);
    if (resilvered) scan.resilvered = resilvered[1] ?? null;
  } else if ((m = /^(scrub|resilver) paused since (.+)$/.exec(first))) {
    scan.kind = m[1] === 'scrub' ? 'scrub' : 'resilver';
    scan.state = 'paused';
    scan.time = m[2] ?? null;
  } else if ((m = /^(scrub|resilver) (?:canceled|stopped) (?:on|after) (.+)$/.exec(first))) {
    scan.kind = m[1] === 'scrub' ? 'scrub' : 'resilver';
    scan.state = 'canceled';
    scan.time = m[2] ?? null;
  } else if ((m = /^scrub repaired (\S+) in .+? with ([0-9]+) errors on (.+)$/.exec(first))) {
    scan.kind = 'scrub';
    scan.state = 'finished';
    scan.repaired = m[1] ?? null;
    scan.errors = Number(m[2]);
    scan.time = m[3] ?? null;
  } else if ((m = /^resilvered (\S+) in .+? with ([0-9]+) errors on (.+)$/.exec(first))) {
    scan.kind = 'resilver';
    scan.state = 'finished';
    scan.resilvered = m[1] ?? null;
    scan.errors = Number(m[2]);
    scan.time = m[3] ?? null;
  } else if ((m = /^(scrub|resilver) completed after .+? with ([0-9]+) errors on (.+)$/.exec(first))) {
    scan.kind = m[1] === 'scrub' ? 'scrub' : 'resilver';
    scan.state = 'finished';
    scan.errors = Number(m[2]);
    scan.time = m[3] ?? null;
  } else if ((m = /^(scrub|resilver)\b/.exec(first)) || (m = /^(resilver)ed\b/.exec(first))) {
    scan.kind = m[1] === 'scrub' ? 'scrub' : 'resilver';
  }
  return scan;
}
