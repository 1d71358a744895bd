#!/bin/sh
# Install, update or remove the Infrastructor hub as a systemd service.
# See docs/deploy.md. Run `deploy/install-hub.sh --help` for the options.
#
# Idempotent: every step checks first and only acts when something differs;
# a second run with the same options changes nothing and says so. An existing
# /etc/infra-hub/hub.yaml is never overwritten.
#
# This file holds what is the hub's own; the steps it shares with
# install-agent.sh are in install-common.sh, which must sit beside it.
set -eu

SCRIPT=install-hub.sh
# The shared steps: install-common.sh, from this script's own folder.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ ! -r "$HERE/install-common.sh" ]; then
  printf '%s: %s is missing: it belongs beside this script (copy all of deploy/)\n' "$SCRIPT" "$HERE/install-common.sh" >&2
  exit 2
fi
# shellcheck source=install-common.sh
. "$HERE/install-common.sh"

NAME=infra-hub
USER_NAME=infra-hub
USER_COMMENT='Infrastructor hub'
ETC_DIR=/etc/infra-hub
TLS_DIR=$ETC_DIR/tls
CERT_FILE=$TLS_DIR/hub.crt
KEY_FILE=$TLS_DIR/hub.key
CONFIG_FILE=$ETC_DIR/hub.yaml
STATE_DIR=/var/lib/infra-hub
UNIT_FILE=/etc/systemd/system/$NAME.service
BIN_REL=packages/hub/bin/infra-hub.js

usage() {
  usage_header
  cat <<EOF
  --tls-cert FILE        copy the hub's PEM certificate (chain) to $CERT_FILE
  --tls-key FILE         copy its private key to $KEY_FILE (0640 root:$USER_NAME)
                         (both replace the installed ones when they differ: renewal)
  --self-signed NAMES    no certificate yet: generate a self-signed one (EC P-256,
                         825 days) for NAMES, comma-separated DNS names or IPs, e.g.
                         hub.lan,192.168.1.5; agents then use it as hub.caFile
  --insecure             no TLS: plain ws:// (tokens in clear text; tests only)
  --listen-host HOST     listen address for a new config (default: 0.0.0.0)
  --port PORT            port for a new config (default: 7400)
EOF
  usage_install_options
  cat <<EOF

  A new $CONFIG_FILE needs a certificate (--tls-cert/--tls-key or
  --self-signed, or files already in $TLS_DIR) or --insecure. It starts with
  no agents and no subscribers; add them as docs/deploy.md shows.
EOF
  usage_remove_options 'config, TLS'
  cat <<EOF

Files: $UNIT_FILE, $CONFIG_FILE,
$CERT_FILE, $KEY_FILE (0640), $STATE_DIR.
EOF
}

# ---- options (the shared ones: install-common.sh) ----
ROLE_FLAGS='--insecure'
ROLE_OPTIONS='--tls-cert --tls-key --self-signed --listen-host --port'
tls_cert=''
tls_key=''
self_signed=''
insecure=0
listen_host=0.0.0.0
port=7400
# Parse the options and start; --uninstall is carried out here (and exits).
setup "$@"

# ---------------------------------------------------------------- install
# Validate the TLS options and what a new config would need.
if [ -n "$tls_cert$tls_key" ]; then
  if [ -z "$tls_cert" ] || [ -z "$tls_key" ]; then die "give --tls-cert and --tls-key together"; fi
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
  if ! printf '%s' "$port" | grep -Eq '^[0-9]{1,5}$' || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "--port: 1-65535"; fi
  [ "$port" -ge 1024 ] || note "port $port is below 1024: the unit needs CAP_NET_BIND_SERVICE (docs/deploy.md)"
elif [ "$insecure" -eq 1 ] || [ "$listen_host" != 0.0.0.0 ] || [ "$port" != 7400 ]; then
  note "$CONFIG_FILE exists and is left as it is: --listen-host/--port/--insecure only shape a new one"
fi

check_runtime

# 1. The system user (home = the state dir; no login shell).
ensure_user

# 2. Folders (no tls/ for a hub without TLS).
ensure_dir "$ETC_DIR" 0750 "$conf_owner"
if [ "$insecure" -eq 0 ] || [ "$tls_given" -eq 1 ]; then ensure_dir "$TLS_DIR" 0750 "$conf_owner"; fi
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
#   sudo -u $USER_NAME $node $bin_file check-config --config $CONFIG_FILE
# and apply changes with: systemctl reload $NAME (agents, subscribers, tokens,
# the certificate; other sections: systemctl restart $NAME)

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

# Kept files still belong to the service's group.
ensure_conf_group "$CONFIG_FILE" "$CERT_FILE" "$KEY_FILE"

# 5. The unit file; 6. systemd: reload, enable, start (or restart).
install_unit
start_service
install_summary
echo
echo "Add an agent (docs/deploy.md, \"Enroll an agent\"):"
echo "  token=\$(openssl rand -hex 32); printf '%s' \"\$token\" | sha256sum"
echo "  put the digest under agents: in $CONFIG_FILE, then: systemctl reload $NAME"
if [ -n "$self_signed" ] || { [ -e "$(p "$CERT_FILE")" ] && [ -z "$tls_cert" ] && [ "$insecure" -eq 0 ]; }; then
  echo "Agents trust the hub with hub.caFile = a copy of $CERT_FILE"
  echo "(or of the CA that signed it)."
fi
echo "Logs: journalctl -u $NAME -f"
