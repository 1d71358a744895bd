# shellcheck shell=sh
# The steps install-agent.sh and install-hub.sh share: option parsing, the
# "run or print" plumbing (--dry-run, --root), the system user, folders and
# files, the systemd unit, and uninstall/purge. Not a program: both scripts
# source it from their own folder, so it stays beside them in deploy/.
#
# Plain POSIX sh (the scripts run under /bin/sh, e.g. dash): no arrays, no
# `local`; every variable below is global, as it was in the scripts.
#
# The sourcing script sets, before it calls anything here:
#   SCRIPT        its own name, for messages (install-agent.sh)
#   HERE          the folder it lives in (holds NAME.service)
#   NAME          unit and program name (infra-agent); the unit is NAME.service
#   USER_NAME     the system user and group the service runs as
#   USER_COMMENT  the user's GECOS comment ('Infrastructor agent')
#   ETC_DIR       configuration folder (kept by --uninstall, deleted by --purge)
#   STATE_DIR     database folder, the user's home (same)
#   CONFIG_FILE   the configuration file, written once
#   UNIT_FILE     where the unit is installed
#   BIN_REL       the CLI below --prefix (packages/agent/bin/infra-agent.js);
#                 its package is built when ../dist/main.js exists
#   ROLE_FLAGS    its own options without a value, space-separated (--insecure)
#   ROLE_OPTIONS  its own options with a value (--site --hub-url ...)
# and defines usage(). An option --foo-bar sets the variable foo_bar (a flag
# sets it to 1); the script gives each one its default before setup "$@".

DEFAULT_PREFIX=/opt/infrastructor
DEFAULT_NODE=/usr/bin/node

die() {
  printf '%s: %s\n' "$SCRIPT" "$*" >&2
  exit 2
}

# ---- --help ----
# The parts of the usage text that both scripts print.
usage_header() {
  role=${NAME#infra-}
  cat <<EOF
usage: $SCRIPT [options]              install or update the $role service
       $SCRIPT --uninstall [--purge]  remove it

Install (as root):
EOF
}
usage_install_options() {
  cat <<EOF
  --prefix DIR           where the built source lives (default: $DEFAULT_PREFIX)
  --node PATH            the node binary (default: $DEFAULT_NODE)
  --no-start             install and enable, but do not start (edit the config first)
EOF
}
# usage_remove_options WHAT_ETC_HOLDS  (e.g. "config, SSH key")
usage_remove_options() {
  cat <<EOF

Remove:
  --uninstall            stop, disable and remove the unit and the $USER_NAME user;
                         keeps $STATE_DIR (database) and $ETC_DIR ($1)
  --purge                with --uninstall: also delete $STATE_DIR and $ETC_DIR

Both:
  --root DIR             operate on a scratch root: every path is prefixed with DIR;
                         useradd, chown and systemctl are printed, not run
  --dry-run              print every action without doing anything (as root, so
                         that the checks can read everything)
  -h, --help             this text
EOF
}

# ---- options ----
# is_listed WORD LIST: WORD is one of the space-separated words of LIST.
is_listed() {
  case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}
need_arg() {
  [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}
# set_option --foo-bar VALUE: foo_bar=VALUE (only for listed options, so the
# name is always a plain identifier).
set_option() {
  eval "$(printf '%s' "${1#--}" | tr - _)=\$2"
}
# parse_args "$@": the shared options, then ROLE_FLAGS and ROLE_OPTIONS (also
# as --opt=value). Sets root, dry_run, uninstall, purge, no_start, prefix,
# node and host_mode.
parse_args() {
  root=''
  dry_run=0
  uninstall=0
  purge=0
  no_start=0
  prefix=$DEFAULT_PREFIX
  node=$DEFAULT_NODE
  flags="--dry-run --uninstall --purge --no-start $ROLE_FLAGS"
  options="--root $ROLE_OPTIONS --prefix --node"
  while [ $# -gt 0 ]; do
    if [ "$1" = -h ] || [ "$1" = --help ]; then
      usage
      exit 0
    elif is_listed "$1" "$flags"; then
      set_option "$1" 1
    elif is_listed "$1" "$options"; then
      need_arg "$1" $#
      set_option "$1" "$2"
      shift
    else
      case $1 in
        --*=*)
          if is_listed "${1%%=*}" "$options"; then
            opt=${1%%=*}
            val=${1#*=}
            shift
            set -- "$opt" "$val" "$@"
            continue
          fi
          ;;
      esac
      die "unknown option $1 (see --help)"
    fi
    shift
  done

  [ "$purge" -eq 0 ] || [ "$uninstall" -eq 1 ] || die "--purge only goes with --uninstall"
  if [ -n "$root" ]; then
    case $root in /*) ;; *) root=$(pwd)/$root ;; esac
    root=${root%/}
    [ -n "$root" ] || die "--root / is the real system: leave --root out"
  fi

  # Host-level commands (useradd, chown, systemctl) are only run for real.
  host_mode=1
  if [ -n "$root" ] || [ "$dry_run" -eq 1 ]; then host_mode=0; fi
}

# ---- output and actions ----
changes=0
# Folders a dry run would have created.
planned=''
# Files written or replaced (a restart picks them up).
written=''
# Single-quote a word for display when it needs it.
q() {
  case $1 in
    '' | *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}
show() {
  out=''
  for w in "$@"; do out="$out${out:+ }$(q "$w")"; done
  printf '%s' "$out"
}
note() { printf '  %s\n' "$*"; }
change() {
  changes=$((changes + 1))
  if [ "$dry_run" -eq 1 ]; then printf 'would %s\n' "$*"; else printf '%s\n' "$*"; fi
}
# A file-system action inside the (possibly --root) tree.
fs() {
  if [ "$dry_run" -eq 1 ]; then printf '  would run: %s\n' "$(show "$@")"; else "$@"; fi
}
# An action on the host itself (users, ownership, systemd).
host() {
  if [ "$host_mode" -eq 1 ]; then
    "$@"
  elif [ -n "$root" ]; then
    printf '  would run (not under --root): %s\n' "$(show "$@")"
  else
    printf '  would run: %s\n' "$(show "$@")"
  fi
}
# Path inside the target root.
p() { printf '%s%s' "$root" "$1"; }

mode_of() { stat -c %a "$1"; }
owner_of() { stat -c %U:%G "$1" 2>/dev/null || echo '?'; }

# ensure_mode PATH MODE
ensure_mode() {
  [ -e "$(p "$1")" ] || return 0
  cur=$(mode_of "$(p "$1")")
  if [ "$cur" != "${2#0}" ]; then
    change "chmod $2 $1 (was $cur)"
    fs chmod "$2" "$(p "$1")"
  fi
}
# ensure_owner PATH USER:GROUP JUST_CREATED [-R]
# For real: chown when it differs. Under --root the users are not those of
# the target system: the chown is printed with the step that created the file.
ensure_owner() {
  if [ "$host_mode" -eq 1 ]; then
    cur=$(owner_of "$1")
    if [ "$cur" != "$2" ]; then
      [ "$3" -eq 1 ] || change "chown ${4:+-R }$2 $1 (was $cur)"
      chown ${4:+-R} "$2" "$1"
    fi
  elif [ "$3" -eq 1 ]; then
    host chown "$2" "$(p "$1")"
  elif [ -z "$root" ] && [ -e "$1" ] && [ "$(owner_of "$1")" != "$2" ]; then
    change "chown ${4:+-R }$2 $1 (was $(owner_of "$1"))"
    host chown ${4:+-R} "$2" "$1"
  fi
}
# Parent folders that do not exist yet (only under --root, in practice) get
# the usual 0755.
mkparent() {
  parent=$(dirname -- "$(p "$1")")
  case " $planned " in *" $parent "*) return 0 ;; esac
  if [ ! -d "$parent" ]; then
    umask 022
    fs mkdir -p "$parent"
    umask 027
  fi
}
# ensure_dir PATH MODE USER:GROUP [-R]  (-R: a wrong owner is fixed recursively,
# e.g. the database after the user was removed and created again)
ensure_dir() {
  created=0
  if [ ! -d "$(p "$1")" ]; then
    change "create $1/ (mode $2, owner $3)"
    mkparent "$1"
    fs mkdir "$(p "$1")"
    planned="$planned $(p "$1")"
    fs chmod "$2" "$(p "$1")"
    created=1
  else
    ensure_mode "$1" "$2"
  fi
  ensure_owner "$1" "$3" "$created" "${4:-}"
}
# put_file PATH MODE USER:GROUP CONTENT_FILE REPLACE(0|1) LABEL
# Writes CONTENT_FILE to PATH when PATH is missing, or (REPLACE=1) differs.
put_file() {
  created=0
  if [ ! -e "$(p "$1")" ]; then
    change "write $1 ($6)"
    mkparent "$1"
    fs cp "$4" "$(p "$1")"
    fs chmod "$2" "$(p "$1")"
    created=1
  elif [ "$5" -eq 1 ] && ! cmp -s "$4" "$(p "$1")"; then
    change "update $1 ($6)"
    fs cp "$4" "$(p "$1")"
    created=1
    ensure_mode "$1" "$2"
  else
    ensure_mode "$1" "$2"
  fi
  ensure_owner "$1" "$3" "$created"
  [ "$created" -eq 0 ] || written="$written $1"
}

# report NOTHING DONE: the closing line of a run: "nothing to do: NOTHING"
# when nothing had to change, else what a dry run would do, or "done: DONE".
report() {
  if [ "$changes" -eq 0 ]; then
    echo "nothing to do: $1"
  elif [ "$dry_run" -eq 1 ]; then
    echo "dry run: $changes change(s) would be made; nothing was changed"
  else
    echo "done: $2"
  fi
}

user_exists() { getent passwd "$USER_NAME" >/dev/null 2>&1; }
group_exists() { getent group "$USER_NAME" >/dev/null 2>&1; }
unit_known() { systemctl cat "$NAME.service" >/dev/null 2>&1; }

# ---- start ----
# begin_run: the scratch folder $tmp (removed on exit), umask 027, the root
# check, and what kind of run this is.
begin_run() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/${SCRIPT%.sh}.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  umask 027

  if [ "$host_mode" -eq 1 ] && [ "$(id -u)" -ne 0 ]; then
    die "run as root (or try --dry-run, or --root DIR for a scratch tree)"
  fi
  if [ "$dry_run" -eq 1 ]; then echo "dry run: nothing is changed"; fi
  if [ -n "$root" ]; then echo "scratch root $root: users, ownership and systemd are left alone"; fi
}

# ---- uninstall ----
# uninstall_service: stop, disable and remove the unit and the user; keep
# STATE_DIR and ETC_DIR (owned by root) unless --purge. Exits.
uninstall_service() {
  unit_present=0
  if [ -e "$(p "$UNIT_FILE")" ]; then unit_present=1; fi
  if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1 && unit_known; then
    if systemctl is-active --quiet "$NAME.service" || systemctl is-enabled --quiet "$NAME.service" 2>/dev/null; then
      change "stop and disable $NAME.service"
      host systemctl disable --now "$NAME.service"
    fi
  elif [ -n "$root" ] && [ "$unit_present" -eq 1 ]; then
    host systemctl disable --now "$NAME.service"
  fi
  if [ "$unit_present" -eq 1 ]; then
    change "remove $UNIT_FILE"
    fs rm -f "$(p "$UNIT_FILE")"
    host systemctl daemon-reload
  fi
  if [ "$purge" -eq 1 ] && [ -d "$(p "$UNIT_FILE.d")" ]; then
    change "remove $UNIT_FILE.d/ (drop-ins)"
    fs rm -rf "$(p "$UNIT_FILE.d")"
  fi
  if [ -z "$root" ]; then
    # Kept files go to root first: a user created later could get the same ids.
    if [ "$purge" -eq 0 ] && user_exists; then
      for d in "$STATE_DIR" "$ETC_DIR"; do
        if [ -e "$d" ]; then
          change "chown -R root:root $d/ (kept without its user)"
          host chown -R root:root "$d"
        fi
      done
    fi
    if user_exists; then
      change "remove the user $USER_NAME"
      host userdel "$USER_NAME"
    fi
    # userdel removes the user's own group unless the system keeps it.
    if group_exists && ! user_exists && [ "$dry_run" -eq 0 ]; then
      change "remove the group $USER_NAME"
      groupdel "$USER_NAME"
    fi
  elif [ "$unit_present" -eq 1 ]; then
    host userdel "$USER_NAME"
  fi
  if [ "$purge" -eq 1 ]; then
    for d in "$STATE_DIR" "$ETC_DIR"; do
      if [ -e "$(p "$d")" ]; then
        change "delete $d/"
        fs rm -rf "$(p "$d")"
      fi
    done
  else
    for d in "$STATE_DIR" "$ETC_DIR"; do
      [ ! -e "$(p "$d")" ] || note "kept $d/ (--uninstall --purge deletes it)"
    done
  fi
  report "$NAME is not installed" "$NAME removed ($changes change(s))"
  exit 0
}

# ---- the entry point ----
# setup "$@": parse the options and start the run. --uninstall is carried
# out here (and exits); an install goes on with check_install_paths done.
setup() {
  parse_args "$@"
  begin_run
  if [ "$uninstall" -eq 1 ]; then uninstall_service; fi
  check_install_paths
}

# ---- install ----
# check_install_paths: the unit source, --prefix and --node. Sets unit_src,
# prefix (no trailing /), bin_file and config_exists.
check_install_paths() {
  unit_src=$HERE/$NAME.service
  [ -r "$unit_src" ] || die "cannot read $unit_src (run the script from its deploy/ folder)"
  case $prefix in /*) ;; *) die "--prefix must be an absolute path" ;; esac
  case $node in /*) ;; *) die "--node must be an absolute path" ;; esac
  prefix=${prefix%/}
  bin_file=$prefix/$BIN_REL

  # shellcheck disable=SC2034 # for the calling script
  if [ -e "$(p "$CONFIG_FILE")" ]; then config_exists=1; else config_exists=0; fi
}
# check_runtime: for real, node and the built source must be there.
check_runtime() {
  if [ "$host_mode" -eq 1 ]; then
    [ -x "$node" ] || die "$node not found: install Node.js 20 or pass --node PATH"
    if [ ! -r "$bin_file" ] || [ ! -e "$prefix/${BIN_REL%/bin/*}/dist/main.js" ]; then
      die "$bin_file or its build (dist/) is missing: put the source in $prefix and run pnpm install && pnpm build, or pass --prefix"
    fi
  fi
}
# ensure_user: the system user and its group (home = STATE_DIR; no login
# shell). Sets owner (USER:USER) and conf_owner (root:USER).
ensure_user() {
  # shellcheck disable=SC2034 # for the calling script
  owner=$USER_NAME:$USER_NAME
  conf_owner=root:$USER_NAME
  if [ -z "$root" ]; then
    if ! user_exists; then
      nologin=/usr/sbin/nologin
      [ -x "$nologin" ] || nologin=/sbin/nologin
      [ -x "$nologin" ] || nologin=/bin/false
      change "create the system user $USER_NAME"
      host useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell "$nologin" --comment "$USER_COMMENT" "$USER_NAME"
    fi
  elif [ ! -e "$(p "$UNIT_FILE")" ]; then
    host useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin --comment "$USER_COMMENT" "$USER_NAME"
  fi
}
# ensure_conf_group FILE...: files kept from an earlier install must still
# belong to the service's group (its ids change when the user is removed and
# created again).
ensure_conf_group() {
  for f in "$@"; do
    if [ -e "$(p "$f")" ]; then ensure_owner "$f" "$conf_owner" 0; fi
  done
}
# install_unit: the unit file (ours: replaced when it differs; local changes
# go in drop-ins), with --node and --prefix put in. Sets unit_changed and
# restart_needed.
install_unit() {
  sed -e "s#^ExecStart=$DEFAULT_NODE $DEFAULT_PREFIX/#ExecStart=$node $prefix/#" -e "s#file://$DEFAULT_PREFIX/#file://$prefix/#g" "$unit_src" >"$tmp/unit"
  unit_before=$written
  put_file "$UNIT_FILE" 0644 root:root "$tmp/unit" 1 "the systemd unit"
  unit_changed=0
  [ "$written" = "$unit_before" ] || unit_changed=1
  # Anything the running service reads at start changed?
  restart_needed=0
  [ -z "$written" ] || restart_needed=1
}
# start_service: systemd: reload, enable, start (or restart to pick up changes).
start_service() {
  if [ -z "$root" ]; then
    if [ "$unit_changed" -eq 1 ]; then
      change "reload systemd"
      host systemctl daemon-reload
    fi
    if ! systemctl is-enabled --quiet "$NAME.service" 2>/dev/null; then
      if [ "$no_start" -eq 1 ]; then
        change "enable $NAME.service (not started: --no-start)"
        host systemctl enable "$NAME.service"
      else
        change "enable and start $NAME.service"
        host systemctl enable --now "$NAME.service"
      fi
    elif [ "$no_start" -eq 0 ]; then
      if ! systemctl is-active --quiet "$NAME.service" 2>/dev/null; then
        change "start $NAME.service"
        host systemctl start "$NAME.service"
      elif [ "$restart_needed" -eq 1 ]; then
        change "restart $NAME.service (its files changed)"
        host systemctl restart "$NAME.service"
      fi
    fi
  elif [ "$unit_changed" -eq 1 ]; then
    host systemctl daemon-reload
    if [ "$no_start" -eq 1 ]; then host systemctl enable "$NAME.service"; else host systemctl enable --now "$NAME.service"; fi
  fi
}
# install_summary: how many changes were (or would be) made.
install_summary() {
  report "$NAME is installed and up to date" "$changes change(s)"
}
