/**
 * Stub `docker`, `smartctl`, `zpool`, `zfs` and `systemctl` executables for
 * a real sshd test host: each replays a captured-format fixture. The
 * fixture text is embedded in the script (here-document), so the login user
 * needs no access to the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found upward from this file: also right when the benchmarks compile this file into bench/dist/. */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no pnpm-workspace.yaml above ${import.meta.dirname}`);
    dir = up;
  }
  return dir;
}
export const REPO_ROOT = repoRoot();
const FIXTURES = join(REPO_ROOT, 'packages/agent/test/fixtures');

function heredoc(file: string): string {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const marker = 'INFRA_FIXTURE_EOF';
  if (text.includes(marker)) throw new Error(`fixture ${file} contains the here-doc marker`);
  return `cat <<'${marker}'\n${text}${text.endsWith('\n') ? '' : '\n'}${marker}\n`;
}

export function stubTools(): Record<string, string> {
  return {
    docker: `case "$1" in
  ps) ${heredoc('docker/ps-homelab.jsonl')}
  ;;
  stats) ${heredoc('docker/stats-homelab.jsonl')}
  ;;
  *) echo "stub docker: unexpected $*" >&2; exit 2 ;;
esac`,
    smartctl: `${heredoc('smartctl/sata-hdd-reallocated.json')}
exit 0`,
    zpool: `case "$1" in
  list) ${heredoc('zfs/list-Hp-4pools.txt')}
  ;;
  status) ${heredoc('zfs/status-nas-4pools.txt')}
  ;;
  *) echo "stub zpool: unexpected $*" >&2; exit 2 ;;
esac`,
    zfs: `case "$1" in
  list) ${heredoc('zfs/zfs-list-Hp.txt')}
  ;;
  *) echo "stub zfs: unexpected $*" >&2; exit 2 ;;
esac`,
    systemctl: `case " $* " in
  *" --output=json "*) ${heredoc('systemd/list-units.json')}
  ;;
  *) ${heredoc('systemd/list-units-plain.txt')}
  ;;
esac`,
  };
}

export function fixtureText(file: string): string {
  return readFileSync(join(FIXTURES, file), 'utf8');
}
