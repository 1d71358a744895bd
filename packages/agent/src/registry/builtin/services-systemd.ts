/**
 * systemd_services: the services systemd has loaded that are running,
 * failed or have a job (`systemctl list-units --type=service`, without
 * --all, which would add every dead unit), as JSON where systemctl supports
 * `--output=json` (v246+) and from the plain table otherwise: the script
 * falls back when the JSON call fails, and the parser reads whichever shape
 * it got (old systemctl ignores --output for list-units and prints a table).
 *
 * Param `units` names unit files to read and parse: the file systemd uses
 * (the first found in `unitDirs`, default /etc, /run, /usr/local/lib,
 * /usr/lib, /lib; then the template `name@.service` for an instance) plus
 * its `<unit>.d/*.conf` drop-ins (one per file name, highest priority
 * wins), each with a hash.
 *
 * No systemctl (Alpine, containers) or a systemd that is not PID 1 gives
 * `available: false`; any other systemctl failure is EXEC_NONZERO_EXIT.
 */
import type { CommandSpec, ParamValues } from '../command-spec.js';
import { shellQuote } from '../shell-quote.js';
import { sectionScript, splitSections } from '../../parse/sections.js';
import { parseSystemctlUnits, type SystemctlUnit } from '../../parse/systemctl-units.js';
import { parseSystemdUnit, type SystemdUnitFile } from '../../parse/systemd-unit.js';
import { parseError } from '../../parse/parse-error.js';
import {
  SECOND_MS,
  MINUTE_MS,
  ifToolInstalledScript,
  section,
  toolFailed,
  toolInstalled,
  dirsParam,
  integerParam,
  listParam,
  type Availability,
} from './services-support.js';
import { collectCall, collectFunctionScript, fileEntry, filesOfResult, readCollectedFiles, type FileEntry } from './services-file-collect.js';

/** A unit name: letters, digits, `:_.@-` and `\` escapes, with a unit type suffix; never a path. */
export const UNIT_NAME_PATTERN =
  '[A-Za-z0-9_][A-Za-z0-9:_.@\\\\-]*\\.(?:service|socket|timer|mount|automount|path|target|slice|scope|swap)';

/** systemd's system unit search path, highest priority first. */
export const DEFAULT_UNIT_DIRS: readonly string[] = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
];
const NOT_BOOTED_RE = /not been booted with systemd|Host is down/i;

export interface SystemdUnitFileEntry extends FileEntry<SystemdUnitFile> {
  unit: string;
  dropIn: boolean;
}

export interface SystemdServicesResult extends Availability {
  /** Which list-units output was read. */
  source: 'json' | 'plain' | null;
  units: SystemctlUnit[];
  counts: { total: number; active: number; failed: number };
  /** Unit files read for the `units` param. */
  files: SystemdUnitFileEntry[];
  /** Requested units with no unit file found. */
  missingUnits: string[];
}

/** `foo@bar.service` → `foo@.service`; null for a non-instance name. */
export function templateOf(unit: string): string | null {
  const m = /^([^@]+)@[^@]+(\.[a-z]+)$/.exec(unit);
  return m ? `${m[1]}@${m[2]}` : null;
}

function unitFileScript(unit: string, index: number, dirs: readonly string[]): string {
  const template = templateOf(unit);
  const names = template === null ? [unit] : [unit, template];
  const clean = dirs.map((d) => (d.length > 1 ? d.replace(/\/+$/, '') : d));
  const main = names.flatMap((n) => clean.map((d) => shellQuote(`${d}/${n}`)));
  const dropIns = names.flatMap((n) => clean.map((d) => `${shellQuote(`${d}/${n}.d`)}/*.conf`));
  return [collectCall(`u${index}`, main, true), collectCall(`u${index}`, dropIns)].join('\n');
}

export const systemdServicesCommand: CommandSpec = {
  name: 'systemd_services',
  description: 'systemd services that are running, failed or changing state, plus the parsed unit files of the services named in `units`.',
  params: {
    units: {
      type: 'list',
      pattern: UNIT_NAME_PATTERN,
      maxItems: 64,
      maxLength: 200,
      default: [],
      description: 'Unit names whose unit files (and drop-ins) to read and parse, e.g. docker.service.',
    },
    unitDirs: dirsParam('Unit file directories, highest priority first.', DEFAULT_UNIT_DIRS),
    maxFileBytes: { type: 'integer', min: 1024, max: 1024 * 1024, default: 128 * 1024, description: 'Skip unit files larger than this.' },
  },
  defaults: {
    // Every 10 minutes at :04, :14, ...; failed services also show in on-demand reads.
    schedule: '4-59/10 * * * *',
    ttlMs: 10 * MINUTE_MS,
    timeoutMs: 20 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(params: ParamValues, ctx) {
    const units = listParam(params, 'units', []);
    const maxFileBytes = integerParam(params, 'maxFileBytes', 128 * 1024);
    const lines = [
      ifToolInstalledScript(ctx.nonce, 'systemctl', [
        'infra_json_rc=1',
        sectionScript(
          ctx.nonce,
          'units-json',
          'systemctl list-units --type=service --output=json --no-pager; infra_json_rc=$?; (exit $infra_json_rc)',
        ),
        '  if [ "$infra_json_rc" -ne 0 ]; then',
        sectionScript(ctx.nonce, 'units-plain', 'systemctl list-units --type=service --no-legend --no-pager --plain'),
        '  fi',
      ]),
      sectionScript(ctx.nonce, 'requested', units.length === 0 ? ':' : `printf '%s\\n' ${units.map((u) => shellQuote(u)).join(' ')}`),
      collectFunctionScript({ nonce: ctx.nonce, maxFiles: 1000, maxFileBytes }),
      ...units.map((u, i) => unitFileScript(u, i, listParam(params, 'unitDirs', DEFAULT_UNIT_DIRS))),
    ];
    return lines.join('\n');
  },
  parse({ stdout, stderr }): SystemdServicesResult {
    const cmd = 'systemd_services';
    const sections = splitSections(cmd, stdout);
    const requested = section(cmd, sections, 'requested').text.split('\n').filter((l) => l !== '');
    const { files } = readCollectedFiles(cmd, sections);
    const entries: SystemdUnitFileEntry[] = [];
    const dropInNames = new Set<string>();
    for (const f of files) {
      const m = /^u([0-9]+)$/.exec(f.group);
      const unit = m ? requested[Number(m[1])] : undefined;
      if (unit === undefined) throw parseError(cmd, `unit file for unknown request ${f.group}`, f.path);
      const dropIn = /\.d\/[^/]+\.conf$/.test(f.path);
      if (dropIn) {
        // Same drop-in name in a lower-priority dir is overridden (also skips /lib = /usr/lib duplicates).
        const key = `${f.group}/${f.path.slice(f.path.lastIndexOf('/') + 1)}`;
        if (dropInNames.has(key)) continue;
        dropInNames.add(key);
      }
      entries.push({ ...fileEntry(f, parseSystemdUnit), unit, dropIn });
    }
    const missingUnits = requested.filter((u) => !entries.some((e) => e.unit === u && !e.dropIn));
    const empty = { units: [], counts: { total: 0, active: 0, failed: 0 }, files: entries, missingUnits };
    if (!toolInstalled(cmd, sections, 'systemctl')) {
      return { available: false, reason: 'systemctl is not installed (no systemd on this host)', source: null, ...empty };
    }
    const json = section(cmd, sections, 'units-json');
    const plain = sections.find((s) => s.name === 'units-plain');
    const used = json.exitCode === 0 ? json : plain;
    if (!used || used.exitCode !== 0) {
      const failed = used ?? json;
      if (NOT_BOOTED_RE.test(stderr)) {
        return { available: false, reason: `systemd is not running as init here: ${stderr.trim().split('\n')[0] ?? ''}`, source: null, ...empty };
      }
      throw toolFailed(cmd, failed, stderr);
    }
    const units = parseSystemctlUnits(used.text);
    return {
      available: true,
      reason: null,
      source: used.text.trim().startsWith('[') ? 'json' : 'plain',
      units,
      counts: {
        total: units.length,
        active: units.filter((u) => u.active === 'active').length,
        failed: units.filter((u) => u.active === 'failed').length,
      },
      files: entries,
      missingUnits,
    };
  },
  files(parsed) {
    return filesOfResult(parsed);
  },
};
