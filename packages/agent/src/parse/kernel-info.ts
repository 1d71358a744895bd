/**
 * `uname -srvm`: "Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64".
 * The kernel version (-v) holds spaces, so name and release are the first
 * two words, the machine the last, and the version everything between.
 */
import { parseError } from './parse-error.js';
import { singleLineWords } from './text-lines.js';

const PARSER = 'uname';

export interface KernelInfo {
  /** "Linux", "FreeBSD", ... */
  kernelName: string;
  /** "6.1.0-18-amd64". */
  kernelRelease: string;
  /** "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"; may be empty. */
  kernelVersion: string;
  /** "x86_64", "aarch64", "armv7l", ... */
  machine: string;
}

export function parseUname(text: string): KernelInfo {
  const tokens = singleLineWords(PARSER, text);
  if (tokens.length < 3) throw parseError(PARSER, 'expected "name release version machine"', text);
  const [kernelName = '', kernelRelease = ''] = tokens;
  const machine = tokens[tokens.length - 1] ?? '';
  if (!/^[A-Za-z][\w.-]*$/.test(kernelName) || !/^[0-9]/.test(kernelRelease)) {
    throw parseError(PARSER, 'does not start with a kernel name and release', text);
  }
  return { kernelName, kernelRelease, kernelVersion: tokens.slice(2, -1).join(' '), machine };
}
