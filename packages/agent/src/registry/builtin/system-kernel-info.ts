/** kernel_info: kernel name/release/version/machine, hostname and the OS release. */
import type { CommandSpec } from '../command-spec.js';
import { sectionScript, splitSections } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import { parseUname, type KernelInfo } from '../../parse/kernel-info.js';
import { parseOsRelease, type OsRelease } from '../../parse/os-release.js';
import { HOUR_MS, okSectionText, SECOND_MS } from './system-sections.js';

const NAME = 'kernel_info';

export interface KernelInfoResult extends KernelInfo {
  hostname: string;
  /** null when the host has no os-release file (some embedded systems). */
  os: Omit<OsRelease, 'fields'> | null;
}

export const kernelInfoCommand: CommandSpec = {
  name: NAME,
  description: 'Kernel release and architecture (uname), hostname and OS release (/etc/os-release)',
  params: {},
  // Hourly: this changes only across reboots and upgrades.
  defaults: { schedule: '7 * * * *', ttlMs: HOUR_MS, timeoutMs: 10 * SECOND_MS, retries: 2, enabled: true },
  script(_params, ctx) {
    return [
      sectionScript(ctx.nonce, 'uname', 'uname -srvm'),
      sectionScript(ctx.nonce, 'hostname', 'uname -n'),
      sectionScript(ctx.nonce, 'os', 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null'),
    ].join('\n');
  },
  parse({ stdout }): KernelInfoResult {
    const sections = splitSections(NAME, stdout);
    const kernel = parseUname(okSectionText(NAME, sections, 'uname'));
    const hostnameText = okSectionText(NAME, sections, 'hostname');
    const hostname = hostnameText.trim();
    if (hostname === '' || /\s/.test(hostname)) throw parseError(NAME, 'bad hostname', hostnameText);
    const osSection = sections.find((s) => s.name === 'os');
    let os: KernelInfoResult['os'] = null;
    if (osSection && osSection.exitCode === 0 && osSection.text.trim() !== '') {
      const { fields: _fields, ...wellKnown } = parseOsRelease(osSection.text);
      os = wellKnown;
    }
    return { ...kernel, hostname, os };
  },
};
