#!/bin/sh
# Install, update or remove the Infrastructor hub as a systemd service.
# See docs/deploy.md. Run `deploy/install-hub.sh --help` for the options.
#
# Idempotent: every step checks first and only acts when something differs;
# a second run with the same options changes nothing and says so. An existing
# /etc/infra-hub/hub.yaml is never overwritten.
set -eu

NAME=infra-hub
USER_NAME=infra-hub
ETC_DIR=/etc/infra-hub
TLS_DIR=$ETC_DIR/tls
CERT_FILE=$TLS_DIR/hub.crt
KEY_FILE=$TLS_DIR/hub.key
CONFIG_FILE=$ETC_DIR/hub.yaml
STATE_DIR=/var/lib/infra-hub
UNIT_FILE=/etc/systemd/system/$NAME.service
DEFAULT_PREFIX=/opt/infrastructor
DEFAULT_NODE=/usr/bin/node

usage() {
  cat <<EOF
usage: install-hub.sh [options]              install or update the hub service
       install-hub.sh --uninstall [--purge]  remove it

Install (as root):
  --tls-cert FILE        copy the hub's PEM certificate (chain) to $CERT_FILE
  --tls-key FILE         copy its private key to $KEY_FILE (0640 root:$USER_NAME)
                         (both replace the installed ones when they differ: renewal)
  --self-signed NAMES    no certificate yet: generate a self-signed one (EC P-256,
                         825 days) for NAMES, comma-separated DNS names or IPs, e.g.
                         hub.lan,192.168.1.5; agents then use it as hub.caFile
  --insecure             no TLS: plain ws:// (tokens in clear text; tests only)
  --listen-host HOST     listen address for a new config (default: 0.0.0.0)
  --port PORT            port for a new config (default: 7400)
  --prefix DIR           where the built source lives (default: $DEFAULT_PREFIX)
  --node PATH            the node binary (default: $DEFAULT_NODE)
  --no-start             install and enable, but do not start (edit the config first)

  A new $CONFIG_FILE needs a certificate (--tls-cert/--tls-key or
  --self-signed, or files already in $TLS_DIR) or --insecure. It starts with
  no agents and no subscribers; add them as docs/deploy.md shows.

Remove:
  --uninstall            stop, disable and remove the unit and the $USER_NAME user;
                         keeps $STATE_DIR (database) and $ETC_DIR (config, TLS)
  --purge                with --uninstall: also delete $STATE_DIR and $ETC_DIR

Both:
  --root DIR             operate on a scratch root: every path is prefixed with DIR;
                         useradd, chown and systemctl are printed, not run
  --dry-run              print every action without doing anything (as root, so
                         that the checks can read everything)
  -h, --help             this text
EOF
}

die() {
  printf 'install-hub.sh: %s\n' "$*" >&2
  exit 2
}

# ---- options ----
root=''
dry_run=0
uninstall=0
purge=0
no_start=0
tls_cert=''
tls_key=''
self_signed=''
insecure=0
listen_host=0.0.0.0
port=7400
prefix=$DEFAULT_PREFIX
node=$DEFAULT_NODE

need_arg() {
  [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=1 ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    --no-start) no_start=1 ;;
    --insecure) insecure=1 ;;
    --root) need_arg "$1" $#; root=$2; shift ;;
    --tls-cert) need_arg "$1" $#; tls_cert=$2; shift ;;
    --tls-key) need_arg "$1" $#; tls_key=$2; shift ;;
    --self-signed) need_arg "$1" $#; self_signed=$2; shift ;;
    --listen-host) need_arg "$1" $#; listen_host=$2; shift ;;
    --port) need_arg "$1" $#; port=$2; shift ;;
    --prefix) need_arg "$1" $#; prefix=$2; shift ;;
    --node) need_arg "$1" $#; node=$2; shift ;;
    --root=* | --tls-cert=* | --tls-key=* | --self-signed=* | --listen-host=* | --port=* | --prefix=* | --node=*)
      opt=${1%%=*}
      val=${1#*=}
      shift
      set -- "$opt" "$val" "$@"
      continue
      ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
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
[ -z "$root" ] && [ "$dry_run" -eq 0 ] || host_mode=0

# ---- output and actions ----
changes=0
# Folders a dry run would have created.
planned=''
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/install-hub.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
umask 027

if [ "$host_mode" -eq 1 ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (or try --dry-run, or --root DIR for a scratch tree)"
fi
if [ "$dry_run" -eq 1 ]; then echo "dry run: nothing is changed"; fi
if [ -n "$root" ]; then echo "scratch root $root: users, ownership and systemd are left alone"; fi

user_exists() { getent passwd "$USER_NAME" >/dev/null 2>&1; }
group_exists() { getent group "$USER_NAME" >/dev/null 2>&1; }
unit_known() { systemctl cat "$NAME.service" >/dev/null 2>&1; }

# ---------------------------------------------------------------- uninstall
if [ "$uninstall" -eq 1 ]; then
  unit_present=0
  [ -e "$(p "$UNIT_FILE")" ] && unit_present=1
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
  if [ "$changes" -eq 0 ]; then
    echo "nothing to do: $NAME is not installed"
  elif [ "$dry_run" -eq 1 ]; then
    echo "dry run: $changes change(s) would be made; nothing was changed"
  else
    echo "done: $NAME removed ($changes change(s))"
  fi
  exit 0
fi

# ---------------------------------------------------------------- install
unit_src=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)/$NAME.service
[ -r "$unit_src" ] || die "cannot read $unit_src (run the script from its deploy/ folder)"
case $prefix in /*) ;; *) die "--prefix must be an absolute path" ;; esac
case $node in /*) ;; *) die "--node must be an absolute path" ;; esac
prefix=${prefix%/}
hub_bin=$prefix/packages/hub/bin/infra-hub.js

config_exists=0
[ -e "$(p "$CONFIG_FILE")" ] && config_exists=1

if [ -n "$tls_cert$tls_key" ]; then
  [ -n "$tls_cert" ] && [ -n "$tls_key" ] || die "give --tls-cert and --tls-key together"
  [ -r "$tls_cert" ] || die "--tls-cert: cannot read $tls_cert"
  [ -r "$tls_key" ] || die "--tls-key: cannot read $tls_key"
  grep -q 'BEGIN CERTIFICATE' "$tls_cert" || die "--tls-cert: $tls_cert is not a PEM certificate"
  grep -q 'PRIVATE KEY' "$tls_key" || die "--tls-key: $tls_key is not a PEM private key"
  [ -z "$self_signed" ] || die "--self-signed and --tls-cert/--tls-key exclude each other"
fi
if [ -n "$self_signed" ]; then
  printf '%s' "$self_signed" | grep -Eq '^[A-Za-z0-9.:-]+(,[A-Za-z0-9.:-]+)*$' ||
    die "--self-signed: comma-separated DNS names or IP addresses"
  command -v openssl >/dev/null 2>&1 || die "openssl not found (needed by --self-signed)"
fi
tls_given=0
[ -z "$tls_cert$self_signed" ] || tls_given=1
[ -e "$(p "$CERT_FILE")" ] && [ -e "$(p "$KEY_FILE")" ] && tls_given=1
if [ "$insecure" -eq 1 ] && [ -n "$tls_cert$self_signed" ]; then die "--insecure means no TLS: leave out --tls-cert/--self-signed"; fi
if [ "$config_exists" -eq 0 ]; then
  [ "$tls_given" -eq 1 ] || [ "$insecure" -eq 1 ] ||
    die "a new $CONFIG_FILE needs TLS: --tls-cert FILE --tls-key FILE, or --self-signed NAMES (or --insecure for a test hub)"
  printf '%s' "$listen_host" | grep -Eq '^[^[:space:]/]{1,255}$' || die "--listen-host: a hostname or IP address"
  printf '%s' "$port" | grep -Eq '^[0-9]{1,5}$' && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "--port: 1-65535"
  [ "$port" -ge 1024 ] || note "port $port is below 1024: the unit needs CAP_NET_BIND_SERVICE (docs/deploy.md)"
elif [ "$insecure" -eq 1 ] || [ "$listen_host" != 0.0.0.0 ] || [ "$port" != 7400 ]; then
  note "$CONFIG_FILE exists and is left as it is: --listen-host/--port/--insecure only shape a new one"
fi

if [ "$host_mode" -eq 1 ]; then
  [ -x "$node" ] || die "$node not found: install Node.js 20 or pass --node PATH"
  [ -r "$hub_bin" ] && [ -e "$prefix/packages/hub/dist/main.js" ] ||
    die "$hub_bin or its build (dist/) is missing: put the source in $prefix and run pnpm install && pnpm build, or pass --prefix"
fi

written=''
owner=$USER_NAME:$USER_NAME
conf_owner=root:$USER_NAME

# 1. The system user (home = the state dir; no login shell).
if [ -z "$root" ]; then
  if ! user_exists; then
    nologin=/usr/sbin/nologin
    [ -x "$nologin" ] || nologin=/sbin/nologin
    [ -x "$nologin" ] || nologin=/bin/false
    change "create the system user $USER_NAME"
    host useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell "$nologin" --comment 'Infrastructor hub' "$USER_NAME"
  fi
elif [ ! -e "$(p "$UNIT_FILE")" ]; then
  host useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin --comment 'Infrastructor hub' "$USER_NAME"
fi

# 2. Folders.
ensure_dir "$ETC_DIR" 0750 "$conf_owner"
[ "$insecure" -eq 1 ] && [ "$tls_given" -eq 0 ] || ensure_dir "$TLS_DIR" 0750 "$conf_owner"
ensure_dir "$STATE_DIR" 0750 "$owner" -R

# 3. TLS: copied (replaced when different: renewal) or generated once.
if [ -n "$tls_cert" ]; then
  put_file "$CERT_FILE" 0644 "$conf_owner" "$tls_cert" 1 "the TLS certificate"
  put_file "$KEY_FILE" 0640 "$conf_owner" "$tls_key" 1 "the TLS private key"
elif [ -n "$self_signed" ] && [ ! -e "$(p "$CERT_FILE")" ]; then
  first=${self_signed%%,*}
  san=''
  old_ifs=$IFS
  IFS=,
  for n in $self_signed; do
    case $n in
      *[!0-9.]* ) case $n in *:*) kind=IP ;; *) kind=DNS ;; esac ;;
      *) kind=IP ;;
    esac
    san="$san${san:+,}$kind:$n"
  done
  IFS=$old_ifs
  change "generate a self-signed certificate $CERT_FILE for $self_signed (825 days)"
  fs openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=$first" -addext "subjectAltName=$san" \
    -keyout "$(p "$KEY_FILE")" -out "$(p "$CERT_FILE")"
  fs chmod 0640 "$(p "$KEY_FILE")"
  fs chmod 0644 "$(p "$CERT_FILE")"
  ensure_owner "$KEY_FILE" "$conf_owner" 1
  ensure_owner "$CERT_FILE" "$conf_owner" 1
  written="$written $CERT_FILE"
else
  ensure_mode "$KEY_FILE" 0640
  ensure_mode "$CERT_FILE" 0644
fi

# 4. The configuration (written once; never overwritten).
if [ "$config_exists" -eq 0 ]; then
  {
    cat <<EOF
# Infrastructor hub configuration, written by deploy/install-hub.sh.
# Every key: /opt/infrastructor/docs/hub-configuration.md. Check it with
#   sudo -u $USER_NAME $node $hub_bin check-config --config $CONFIG_FILE
# and apply changes with: systemctl restart $NAME

listen:
  host: $listen_host
  port: $port
EOF
    if [ "$tls_given" -eq 1 ]; then
      cat <<EOF

tls:
  certFile: $CERT_FILE
  keyFile: $KEY_FILE
EOF
    else
      cat <<EOF

# No TLS: plain ws://, tokens and data travel in clear text.
insecure: true
EOF
    fi
    cat <<EOF

storage:
  # The StateDirectory of the unit: the only place the service can write.
  path: $STATE_DIR/infra-hub.db

# One entry per agent. Make a token with: openssl rand -hex 32
# give it to the agent (its hub.tokenFile) and keep only its digest here:
#   printf '%s' "\$TOKEN" | sha256sum
agents: []
#  - id: home-lab
#    site: home-lab
#    tokenSha256: 0123...(64 hex digits)

# Dashboards, \`infra-hub watch\`, scripts. role: viewer or operator
# (operators may also request collections); sites: names, or ['*'].
subscribers: []
#  - name: dashboard
#    role: viewer
#    sites: ['*']
#    tokenSha256: 4567...(64 hex digits)
EOF
  } >"$tmp/hub.yaml"
  put_file "$CONFIG_FILE" 0640 "$conf_owner" "$tmp/hub.yaml" 0 "a starting configuration"
fi

# Files kept from an earlier install must still belong to the service's group
# (its ids change when the user is removed and created again).
for f in "$CONFIG_FILE" "$CERT_FILE" "$KEY_FILE"; do
  if [ -e "$(p "$f")" ]; then ensure_owner "$f" "$conf_owner" 0; fi
done

# 5. The unit file (ours: replaced when it differs; local changes go in drop-ins).
sed -e "s#^ExecStart=$DEFAULT_NODE $DEFAULT_PREFIX/#ExecStart=$node $prefix/#" -e "s#file://$DEFAULT_PREFIX/#file://$prefix/#g" "$unit_src" >"$tmp/unit"
unit_before=$written
put_file "$UNIT_FILE" 0644 root:root "$tmp/unit" 1 "the systemd unit"
unit_changed=0
[ "$written" = "$unit_before" ] || unit_changed=1
restart_needed=0
[ -z "$written" ] || restart_needed=1

# 6. systemd: reload, enable, start (or restart to pick up changes).
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

# ---- summary ----
if [ "$changes" -eq 0 ]; then
  echo "nothing to do: $NAME is installed and up to date"
elif [ "$dry_run" -eq 1 ]; then
  echo "dry run: $changes change(s) would be made; nothing was changed"
else
  echo "done: $changes change(s)"
fi
echo
echo "Add an agent (docs/deploy.md, \"Enroll an agent\"):"
echo "  token=\$(openssl rand -hex 32); printf '%s' \"\$token\" | sha256sum"
echo "  put the digest under agents: in $CONFIG_FILE, then: systemctl restart $NAME"
if [ -n "$self_signed" ] || { [ -e "$(p "$CERT_FILE")" ] && [ -z "$tls_cert" ] && [ "$insecure" -eq 0 ]; }; then
  echo "Agents trust the hub with hub.caFile = a copy of $CERT_FILE"
  echo "(or of the CA that signed it)."
fi
echo "Logs: journalctl -u $NAME -f"
