#!/bin/sh
# Install, update or remove the Infrastructor agent as a systemd service.
# See docs/deploy.md. Run `deploy/install-agent.sh --help` for the options.
#
# Idempotent: every step checks first and only acts when something differs;
# a second run with the same options changes nothing and says so. An existing
# /etc/infra-agent/agent.yaml is never overwritten.
#
# This file holds what is the agent's own; the steps it shares with
# install-hub.sh are in install-common.sh, which must sit beside it.
set -eu

SCRIPT=install-agent.sh
# The shared steps: install-common.sh, from this script's own folder.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ ! -r "$HERE/install-common.sh" ]; then
  printf '%s: %s is missing: it belongs beside this script (copy all of deploy/)\n' "$SCRIPT" "$HERE/install-common.sh" >&2
  exit 2
fi
# shellcheck source=install-common.sh
. "$HERE/install-common.sh"

NAME=infra-agent
USER_NAME=infra-agent
USER_COMMENT='Infrastructor agent'
ETC_DIR=/etc/infra-agent
SSH_DIR=$ETC_DIR/ssh
KEY_FILE=$SSH_DIR/id_ed25519
CONFIG_FILE=$ETC_DIR/agent.yaml
TOKEN_FILE=$ETC_DIR/hub-token
CA_FILE=$ETC_DIR/hub-ca.pem
STATE_DIR=/var/lib/infra-agent
UNIT_FILE=/etc/systemd/system/$NAME.service
BIN_REL=packages/agent/bin/infra-agent.js

usage() {
  usage_header
  cat <<EOF
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
EOF
  usage_install_options
  usage_remove_options 'config, SSH key'
  cat <<EOF

Files: $UNIT_FILE, $CONFIG_FILE, $KEY_FILE (0600),
$TOKEN_FILE, $CA_FILE, $STATE_DIR.
EOF
}

# ---- options (the shared ones: install-common.sh) ----
ROLE_FLAGS=''
ROLE_OPTIONS='--site --hub-url --hub-token --hub-token-file --hub-ca --agent-id --host-name'
site=''
hub_url=''
hub_token=''
hub_token_file=''
hub_ca=''
agent_id=''
host_name=''
# Parse the options and start; --uninstall is carried out here (and exits).
setup "$@"

# ---------------------------------------------------------------- install
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

check_runtime
command -v ssh-keygen >/dev/null 2>&1 || [ -e "$(p "$KEY_FILE")" ] || die "ssh-keygen not found (package openssh-client)"

# 1. The system user (home = the state dir; no login shell).
ensure_user

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
#   sudo -u $USER_NAME $node $bin_file check-config --config $CONFIG_FILE
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

# Kept files still belong to the service's group.
ensure_conf_group "$CONFIG_FILE" "$TOKEN_FILE" "$CA_FILE"

# 6. The unit file; 7. systemd: reload, enable, start (or restart).
install_unit
start_service
install_summary

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
