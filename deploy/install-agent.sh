#!/bin/sh
# Install, update or remove the Infrastructor agent as a systemd service.
# See docs/deploy.md. Run `deploy/install-agent.sh --help` for the options.
#
# Idempotent: every step checks first and only acts when something differs;
# a second run with the same options changes nothing and says so. An existing
# /etc/infra-agent/agent.yaml is never overwritten.
set -eu

NAME=infra-agent
USER_NAME=infra-agent
ETC_DIR=/etc/infra-agent
SSH_DIR=$ETC_DIR/ssh
KEY_FILE=$SSH_DIR/id_ed25519
CONFIG_FILE=$ETC_DIR/agent.yaml
TOKEN_FILE=$ETC_DIR/hub-token
CA_FILE=$ETC_DIR/hub-ca.pem
STATE_DIR=/var/lib/infra-agent
UNIT_FILE=/etc/systemd/system/$NAME.service
DEFAULT_PREFIX=/opt/infrastructor
DEFAULT_NODE=/usr/bin/node

usage() {
  cat <<EOF
usage: install-agent.sh [options]              install or update the agent service
       install-agent.sh --uninstall [--purge]  remove it

Install (as root):
  --site NAME            site name for a new $CONFIG_FILE (required when it
                         does not exist yet; ignored when it does)
  --hub-url URL          the hub's agent endpoint, wss://HOST:PORT/agent
  --hub-token-file FILE  copy this agent's hub token from FILE to $TOKEN_FILE
  --hub-token TOKEN      the same, given inline (visible in ps and shell history;
                         prefer --hub-token-file)
  --hub-ca FILE          copy the PEM CA certificate of the hub to $CA_FILE
  --agent-id ID          agent id for the hub (default: the site name)
  --host-name NAME       name of this machine's transport: local host in a new
                         config (default: the short hostname)
  --prefix DIR           where the built source lives (default: $DEFAULT_PREFIX)
  --node PATH            the node binary (default: $DEFAULT_NODE)
  --no-start             install and enable, but do not start (edit the config first)

Remove:
  --uninstall            stop, disable and remove the unit and the $USER_NAME user;
                         keeps $STATE_DIR (database) and $ETC_DIR (config, SSH key)
  --purge                with --uninstall: also delete $STATE_DIR and $ETC_DIR

Both:
  --root DIR             operate on a scratch root: every path is prefixed with DIR;
                         useradd, chown and systemctl are printed, not run
  --dry-run              print every action without doing anything (as root, so
                         that the checks can read everything)
  -h, --help             this text

Files: $UNIT_FILE, $CONFIG_FILE, $KEY_FILE (0600),
$TOKEN_FILE, $CA_FILE, $STATE_DIR.
EOF
}

die() {
  printf 'install-agent.sh: %s\n' "$*" >&2
  exit 2
}

# ---- options ----
root=''
dry_run=0
uninstall=0
purge=0
no_start=0
site=''
hub_url=''
hub_token=''
hub_token_file=''
hub_ca=''
agent_id=''
host_name=''
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
    --root) need_arg "$1" $#; root=$2; shift ;;
    --site) need_arg "$1" $#; site=$2; shift ;;
    --hub-url) need_arg "$1" $#; hub_url=$2; shift ;;
    --hub-token) need_arg "$1" $#; hub_token=$2; shift ;;
    --hub-token-file) need_arg "$1" $#; hub_token_file=$2; shift ;;
    --hub-ca) need_arg "$1" $#; hub_ca=$2; shift ;;
    --agent-id) need_arg "$1" $#; agent_id=$2; shift ;;
    --host-name) need_arg "$1" $#; host_name=$2; shift ;;
    --prefix) need_arg "$1" $#; prefix=$2; shift ;;
    --node) need_arg "$1" $#; node=$2; shift ;;
    --root=* | --site=* | --hub-url=* | --hub-token=* | --hub-token-file=* | --hub-ca=* | --agent-id=* | --host-name=* | --prefix=* | --node=*)
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/install-agent.XXXXXX")
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
agent_bin=$prefix/packages/agent/bin/infra-agent.js

config_exists=0
[ -e "$(p "$CONFIG_FILE")" ] && config_exists=1

# Validate what a new config would need.
if [ -n "$site" ]; then
  printf '%s' "$site" | grep -Eq '^[a-z0-9][a-z0-9_.-]{0,63}$' ||
    die "--site: lowercase letters, digits, - _ . (at most 64), starting with a letter or digit"
fi
if [ -n "$agent_id" ]; then
  printf '%s' "$agent_id" | grep -Eq '^[A-Za-z0-9_.-]{1,128}$' || die "--agent-id: letters, digits, _ . - (at most 128)"
fi
if [ -n "$hub_token" ] && [ -n "$hub_token_file" ]; then die "give --hub-token or --hub-token-file, not both"; fi
if [ -n "$hub_token_file" ]; then
  [ -r "$hub_token_file" ] || die "--hub-token-file: cannot read $hub_token_file"
  hub_token=$(tr -d ' \t\r\n' <"$hub_token_file")
  [ -n "$hub_token" ] || die "--hub-token-file: $hub_token_file is empty"
fi
if [ -n "$hub_token" ]; then
  case $hub_token in *[!A-Za-z0-9._~+/=-]*) die "the hub token may only hold letters, digits and . _ ~ + / = -" ;; esac
  [ "${#hub_token}" -ge 16 ] || die "the hub token is too short (the hub wants at least 16 characters; try: openssl rand -hex 32)"
fi
if [ -n "$hub_ca" ]; then
  [ -r "$hub_ca" ] || die "--hub-ca: cannot read $hub_ca"
  grep -q 'BEGIN CERTIFICATE' "$hub_ca" || die "--hub-ca: $hub_ca is not a PEM certificate"
fi
if [ -n "$hub_url" ]; then
  case $hub_url in
    wss://?*) ;;
    ws://?*) echo "warning: $hub_url is unencrypted ws://; the config gets hub.insecure: true" >&2 ;;
    *) die "--hub-url must be wss://HOST:PORT/agent (or ws:// for a test hub)" ;;
  esac
  case $hub_url in *[[:space:]\'\"\\]* | *@*) die "--hub-url: no spaces, quotes or credentials in the URL" ;; esac
fi
if [ "$config_exists" -eq 0 ]; then
  [ -n "$site" ] || die "--site NAME is required for a new $CONFIG_FILE"
  if [ -n "$hub_url" ] && [ -z "$hub_token" ]; then die "--hub-url needs --hub-token-file (or --hub-token)"; fi
  if [ -z "$hub_url" ] && { [ -n "$hub_token" ] || [ -n "$hub_ca" ]; }; then die "--hub-token/--hub-ca need --hub-url"; fi
  if [ -z "$host_name" ]; then
    host_name=$(hostname 2>/dev/null | cut -d. -f1 | tr -c 'A-Za-z0-9_.\n-' '-')
    [ -n "$host_name" ] || host_name=local
  fi
  printf '%s' "$host_name" | grep -Eq '^[A-Za-z0-9_.-]{1,64}$' || die "--host-name: letters, digits, _ . - (at most 64)"
elif [ -n "$site$hub_url$agent_id$host_name" ]; then
  note "$CONFIG_FILE exists and is left as it is: --site/--hub-url/--agent-id/--host-name only shape a new one"
fi

if [ "$host_mode" -eq 1 ]; then
  [ -x "$node" ] || die "$node not found: install Node.js 20 or pass --node PATH"
  [ -r "$agent_bin" ] && [ -e "$prefix/packages/agent/dist/main.js" ] ||
    die "$agent_bin or its build (dist/) is missing: put the source in $prefix and run pnpm install && pnpm build, or pass --prefix"
fi
command -v ssh-keygen >/dev/null 2>&1 || [ -e "$(p "$KEY_FILE")" ] || die "ssh-keygen not found (package openssh-client)"

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
    host useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell "$nologin" --comment 'Infrastructor agent' "$USER_NAME"
  fi
elif [ ! -e "$(p "$UNIT_FILE")" ]; then
  host useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin --comment 'Infrastructor agent' "$USER_NAME"
fi

# 2. Folders.
ensure_dir "$ETC_DIR" 0750 "$conf_owner"
ensure_dir "$SSH_DIR" 0700 "$owner"
ensure_dir "$STATE_DIR" 0750 "$owner" -R

# 3. The SSH key the agent logs in to hosts with (ed25519, no passphrase).
key_comment="$NAME@${site:-$(hostname 2>/dev/null || echo agent)}"
if [ ! -e "$(p "$KEY_FILE")" ]; then
  change "generate the SSH key $KEY_FILE (ed25519)"
  fs rm -f "$(p "$KEY_FILE.pub")"
  fs ssh-keygen -q -t ed25519 -N '' -C "$key_comment" -f "$(p "$KEY_FILE")"
  fs chmod 0600 "$(p "$KEY_FILE")"
  fs chmod 0644 "$(p "$KEY_FILE.pub")"
  ensure_owner "$KEY_FILE" "$owner" 1
  ensure_owner "$KEY_FILE.pub" "$owner" 1
  written="$written $KEY_FILE"
else
  ensure_mode "$KEY_FILE" 0600
  ensure_owner "$KEY_FILE" "$owner" 0
fi
if [ -e "$(p "$KEY_FILE")" ] && [ ! -e "$(p "$KEY_FILE.pub")" ]; then
  change "write $KEY_FILE.pub (from the private key)"
  if [ "$dry_run" -eq 1 ]; then
    printf '  would run: %s > %s\n' "$(show ssh-keygen -y -f "$(p "$KEY_FILE")")" "$(q "$(p "$KEY_FILE.pub")")"
  else
    ssh-keygen -y -f "$(p "$KEY_FILE")" >"$(p "$KEY_FILE.pub")"
  fi
  fs chmod 0644 "$(p "$KEY_FILE.pub")"
  ensure_owner "$KEY_FILE.pub" "$owner" 1
else
  ensure_mode "$KEY_FILE.pub" 0644
  if [ -e "$(p "$KEY_FILE.pub")" ]; then ensure_owner "$KEY_FILE.pub" "$owner" 0; fi
fi

# 4. Hub token and CA (only when given; a new token replaces the old one).
if [ -n "$hub_token" ]; then
  printf '%s\n' "$hub_token" >"$tmp/token"
  put_file "$TOKEN_FILE" 0640 "$conf_owner" "$tmp/token" 1 "the hub token"
fi
if [ -n "$hub_ca" ]; then
  put_file "$CA_FILE" 0640 "$conf_owner" "$hub_ca" 1 "the hub's CA certificate"
fi

# 5. The configuration (written once; never overwritten).
if [ "$config_exists" -eq 0 ]; then
  {
    cat <<EOF
# Infrastructor agent configuration, written by deploy/install-agent.sh.
# Every key: /opt/infrastructor/docs/configuration.md (full example:
# examples/agent.yaml). Check it with
#   sudo -u $USER_NAME $node $agent_bin check-config --config $CONFIG_FILE
# and apply changes with: systemctl restart $NAME

site: $site

ssh:
  # Login name on the hosts (create it there; see docs/deploy.md, "Add a host").
  defaultUser: infra
  # Generated by the install script; its public key goes into each host's
  # ~/.ssh/authorized_keys.
  defaultPrivateKeyPath: $KEY_FILE

hosts:
  # This machine: commands run through /bin/sh as $USER_NAME, no SSH.
  - name: $host_name
    transport: local
    commands:
      # SMART needs privileges the service does not have (NoNewPrivileges,
      # no capabilities): see docs/deploy.md, "drive_health on the agent's
      # own machine", before enabling it here.
      drive_health:
        enabled: false

  # A host over SSH. Pin its key: ssh-keyscan -t ed25519 HOST | ssh-keygen -lf -
  # - name: nas
  #   address: 192.168.1.10
  #   hostKey: "SHA256:..."
  #   # or, instead of hostKey: hostKeyPolicy: tofu

storage:
  # The StateDirectory of the unit: the only place the service can write.
  path: $STATE_DIR/infra-agent.db
EOF
    if [ -n "$hub_url" ]; then
      cat <<EOF

hub:
  url: $hub_url
  tokenFile: $TOKEN_FILE
EOF
      [ -z "$agent_id" ] || printf '  agentId: %s\n' "$agent_id"
      [ -z "$hub_ca" ] || printf '  caFile: %s\n' "$CA_FILE"
      case $hub_url in ws://*) printf '  insecure: true   # plain ws://: the token travels in clear text\n' ;; esac
    else
      cat <<EOF

# No hub yet: records wait in the outbox (storage.outboxMaxBytes). To stream:
# hub:
#   url: wss://hub.example.lan:7443/agent
#   tokenFile: $TOKEN_FILE
#   caFile: $CA_FILE     # a hub with a private CA
EOF
    fi
  } >"$tmp/agent.yaml"
  put_file "$CONFIG_FILE" 0640 "$conf_owner" "$tmp/agent.yaml" 0 "a starting configuration for site $site"
fi

# Files kept from an earlier install must still belong to the service's group
# (its ids change when the user is removed and created again).
for f in "$CONFIG_FILE" "$TOKEN_FILE" "$CA_FILE"; do
  if [ -e "$(p "$f")" ]; then ensure_owner "$f" "$conf_owner" 0; fi
done

# 6. The unit file (ours: replaced when it differs; local changes go in drop-ins).
sed -e "s#^ExecStart=$DEFAULT_NODE $DEFAULT_PREFIX/#ExecStart=$node $prefix/#" -e "s#file://$DEFAULT_PREFIX/#file://$prefix/#g" "$unit_src" >"$tmp/unit"
unit_before=$written
put_file "$UNIT_FILE" 0644 root:root "$tmp/unit" 1 "the systemd unit"
unit_changed=0
[ "$written" = "$unit_before" ] || unit_changed=1
# Anything the running service reads at start changed?
restart_needed=0
[ -z "$written" ] || restart_needed=1

# 7. systemd: reload, enable, start (or restart to pick up changes).
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

pub=$(p "$KEY_FILE.pub")
echo
if [ -r "$pub" ]; then
  echo "The agent's public key ($KEY_FILE.pub):"
  echo
  echo "  $(cat "$pub")"
  echo
  echo "On each host, as the login user (ssh.defaultUser, 'infra' by default), add"
  echo "this line to ~/.ssh/authorized_keys ('restrict' forbids forwarding and ptys;"
  echo "the agent needs neither; prefix from=\"AGENT-IP\", to pin the source address):"
  echo
  echo "  restrict $(cat "$pub")"
else
  echo "The public key is printed here once the key exists (run without --dry-run)."
fi
echo
echo "Next: docs/deploy.md, \"Add a host\"; then: journalctl -u $NAME -f"
