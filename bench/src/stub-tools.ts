/**
 * Stub `docker`, `smartctl`, `zpool`, `zfs` and `systemctl` for the sshd
 * hosts of a benchmark (as test/integration/stub-tools.ts does for the
 * tests): each prints a captured fixture from packages/agent/test/fixtures,
 * embedded as a here-document so the login user needs no repository access.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root from bench/dist/bench/src (compiled) — four levels up. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const FIXTURES = join(REPO_ROOT, 'packages/agent/test/fixtures');

function heredoc(file: string): string {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const marker = 'INFRA_FIXTURE_EOF';
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
