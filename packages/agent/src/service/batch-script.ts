/**
 * Several commands of one host in ONE exec channel (scheduled runs that
 * fall due together). Each command runs in its own subshell — so an `exit`,
 * `cd`, `set` or variable of one command cannot touch the next — unless it
 * is one plain external command (`cat /proc/loadavg`: a program and literal
 * words), which cannot touch the shell that starts it and so runs without
 * one: a fork less on the host per command. Each sits between markers
 * written to BOTH stdout and stderr:
 *
 *   @@INFRA:<nonce>:BEGIN c3
 *   <exactly what the command printed>
 *   @@INFRA:<nonce>:END c3 <its exit status>
 *
 * (the END marker is preceded by a newline the wrapper adds, removed again
 * when splitting, as in parse/sections.ts). The nonce is random per batch,
 * so output cannot forge a marker. Splitting is lenient: text outside the
 * markers is ignored and a command whose section is missing or incomplete
 * (the channel died, the output was cut) is reported as missing, so the
 * caller can run it on its own.
 */

export interface BatchSection {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function batchSectionName(index: number): string {
  return `c${index}`;
}

/**
 * Shell builtins (dash, bash) that can change the shell running them (bash's
 * `printf -v` sets a variable): a command starting with one of these always
 * gets its subshell.
 */
const SHELL_CHANGING = new Set([
  '.', 'alias', 'bg', 'break', 'builtin', 'cd', 'command', 'continue', 'declare', 'dirs', 'disown', 'enable', 'eval', 'exec', 'exit',
  'export', 'fg', 'getopts', 'hash', 'jobs', 'let', 'local', 'logout', 'mapfile', 'popd', 'printf', 'pushd', 'read', 'readarray',
  'readonly', 'return', 'set', 'shift', 'shopt', 'source', 'suspend', 'trap', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait',
]);

/**
 * One command and literal words — unquoted words of safe characters or
 * single-quoted strings; no expansion, redirection, list, pipe or
 * assignment — whose first word is not a builtin that changes the shell.
 */
export function isPlainCommand(script: string): boolean {
  const m = /^[ \t]*([A-Za-z0-9_./-]+)((?:[ \t]+(?:'[^']*'|[A-Za-z0-9_./=:,@%+-]+))*)[ \t]*\n?$/.exec(script);
  return m !== null && !SHELL_CHANGING.has(m[1] as string);
}

/** The shell text for one command of a batch. `nonce` must be hex. */
export function batchSectionScript(nonce: string, name: string, script: string): string {
  if (!/^[0-9a-f]+$/.test(nonce)) throw new TypeError('bad nonce');
  if (!/^[a-z0-9]+$/.test(name)) throw new TypeError(`bad section name ${JSON.stringify(name)}`);
  const begin = `'@@INFRA:${nonce}:BEGIN ${name}'`;
  const end = `'\\n@@INFRA:${nonce}:END ${name} %d\\n'`;
  return [
    `printf '%s\\n' ${begin}; printf '%s\\n' ${begin} >&2`,
    ...(isPlainCommand(script) ? [script.trim()] : ['(', script, ')']),
    `infra_rc=$?; printf ${end} "$infra_rc"; printf ${end} "$infra_rc" >&2`,
  ].join('\n');
}

/** The text and exit status of one section of one stream, or undefined when it is not complete. */
function findSection(output: string, nonce: string, name: string, from: number): { text: string; exitCode: number; next: number } | undefined {
  const begin = `@@INFRA:${nonce}:BEGIN ${name}\n`;
  const at = output.indexOf(begin, from);
  if (at < 0) return undefined;
  const start = at + begin.length;
  const endMarker = `\n@@INFRA:${nonce}:END ${name} `;
  const endAt = output.indexOf(endMarker, start);
  if (endAt < 0) return undefined;
  const lineEnd = output.indexOf('\n', endAt + endMarker.length);
  if (lineEnd < 0) return undefined;
  const code = Number(output.slice(endAt + endMarker.length, lineEnd));
  if (!Number.isInteger(code)) return undefined;
  return { text: output.slice(start, endAt), exitCode: code, next: lineEnd + 1 };
}

/** Each section by index; undefined where a section is missing from stdout. */
export function splitBatchOutput(stdout: string, stderr: string, nonce: string, count: number): Array<BatchSection | undefined> {
  const out: Array<BatchSection | undefined> = [];
  // Sections come in order: search each stream from where the previous one ended.
  let outPos = 0;
  let errPos = 0;
  for (let i = 0; i < count; i++) {
    const name = batchSectionName(i);
    const o = findSection(stdout, nonce, name, outPos);
    if (o === undefined) {
      out.push(undefined);
      continue;
    }
    outPos = o.next;
    const e = findSection(stderr, nonce, name, errPos);
    if (e !== undefined) errPos = e.next;
    out.push({ stdout: o.text, stderr: e?.text ?? '', exitCode: o.exitCode });
  }
  return out;
}
