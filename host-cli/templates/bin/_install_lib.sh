# shellcheck shell=bash disable=SC2034  # (the variables set here are read by bin/install and bin/uninstall)
# bin/_install_lib.sh: nginx site, ACME certificate (certbot), renewal (cron) and the container's start/stop for
# bin/install and bin/uninstall.
# Sourced after _lib.sh; tls_config runs after nuwa_predicate. Never run on its own.
#
# Configuration keys (nuwa.env for one app, host.env for every app; every path can be moved, so tests run all of it
# in temporary folders on loopback):
#   NUWA_DOMAIN                 the site's names, space-separated (required by bin/install); the first names the
#                               certificate, which covers them all
#   NUWA_TLS                    acme (default): a certificate by ACME, renewed by cron; off: a plain HTTP site (TLS
#                               ends at a load balancer in front, or on a LAN); files: NUWA_TLS_CERT and NUWA_TLS_KEY
#                               (PEM files you renew yourself; the key must be mode 0600 or 0400)
#   NUWA_ACME_EMAIL             the ACME account's contact (empty: register without one)
#   NUWA_ACME_SERVER            ACME directory URL (https://acme-v02.api.letsencrypt.org/directory)
#   NUWA_ACME_CA_BUNDLE         CA file that verifies the ACME server itself (REQUESTS_CA_BUNDLE; empty: system's)
#   NUWA_ACME_WEBROOT           where certbot puts HTTP-01 answers, served by nginx (/var/lib/nuwa/acme-webroot)
#   NUWA_CERTBOT_CONFIG_DIR / _WORK_DIR / _LOGS_DIR   (/etc/letsencrypt, /var/lib/letsencrypt, /var/log/letsencrypt)
#   NUWA_NGINX_CONF             (/etc/nginx/nginx.conf)     NUWA_NGINX_PID   (/run/nginx.pid)
#   NUWA_NGINX_SITES_AVAILABLE  (/etc/nginx/sites-available) NUWA_NGINX_SITES_ENABLED (/etc/nginx/sites-enabled)
#                               (nginx without sites-*, e.g. Rocky Linux: set both to /etc/nginx/conf.d)
#   NUWA_HTTP_PORT / NUWA_HTTPS_PORT (80 / 443)  NUWA_LISTEN_ADDRESS (empty: every address, IPv6 too)
#   NUWA_STATIC_DIR             static files nginx serves itself (default: the volume the image's label nuwa.static
#                               names, e.g. nuwa.static=/app/static -> APPDIR/volumes/app/static)
#   NUWA_STATIC_URL             (/static/)   NUWA_CLIENT_MAX_BODY (20m)
#   NUWA_CHECK_PATH             what bin/install fetches through nginx before declaring success (default: the
#                               image's health URL, label nuwa.health, else /)
#   NUWA_CHECK_CA_BUNDLE        CA file curl trusts for that check (empty: the system's)
#   NUWA_CRON_DIR               where the renewal job goes (/etc/cron.d)

# tls_config domain-required|domain-optional: reads and checks the keys above; sets TLS_* variables.
tls_config() {
  local name
  read -r -a TLS_DOMAINS <<<"${NUWA_DOMAIN:-}"
  TLS_DOMAINS=("${TLS_DOMAINS[@],,}")
  TLS_DOMAIN=${TLS_DOMAINS[0]:-}
  if [ -z "$TLS_DOMAIN" ]; then
    [ "$1" = domain-optional ] ||
      nuwa_die "no domain configured: add NUWA_DOMAIN=www.example.com to $NUWA_DIR/nuwa.env (its DNS must point at this host)"
  fi
  # (nuwa_bad_setting: bin/uninstall needs only the site's and the renewal job's paths, so it goes on without the rest)
  for name in "${TLS_DOMAINS[@]}"; do
    if [[ ! $name =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$ ]]; then
      nuwa_bad_setting "NUWA_DOMAIN '$NUWA_DOMAIN' is not a domain name (like www.example.com; several are separated by spaces): '$name' is not one"
      TLS_DOMAINS=() TLS_DOMAIN=""
      break
    fi
  done
  TLS_MODE=${NUWA_TLS:-acme}
  case $TLS_MODE in
    acme | off | files) ;;
    *)
      nuwa_bad_setting "NUWA_TLS '$TLS_MODE' is not acme (a certificate by ACME), off (plain HTTP) or files (NUWA_TLS_CERT, NUWA_TLS_KEY)"
      TLS_MODE=acme
      ;;
  esac
  TLS_EMAIL=${NUWA_ACME_EMAIL:-}
  if [ -n "$TLS_EMAIL" ] && [[ ! $TLS_EMAIL =~ ^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$ ]]; then
    nuwa_bad_setting "NUWA_ACME_EMAIL '$TLS_EMAIL' is not an e-mail address"
    TLS_EMAIL=""
  fi
  TLS_ACME_SERVER=${NUWA_ACME_SERVER:-https://acme-v02.api.letsencrypt.org/directory}
  if [[ ! $TLS_ACME_SERVER =~ ^https://[A-Za-z0-9._:/@+-]+$ ]]; then
    nuwa_bad_setting "NUWA_ACME_SERVER '$TLS_ACME_SERVER' is not an https:// URL"
    TLS_ACME_SERVER=https://acme-v02.api.letsencrypt.org/directory
  fi
  TLS_ACME_CA_BUNDLE=${NUWA_ACME_CA_BUNDLE:-}
  TLS_CHECK_CA_BUNDLE=${NUWA_CHECK_CA_BUNDLE:-}
  TLS_WEBROOT=${NUWA_ACME_WEBROOT:-/var/lib/nuwa/acme-webroot}
  TLS_CERTBOT_CONFIG=${NUWA_CERTBOT_CONFIG_DIR:-/etc/letsencrypt}
  TLS_CERTBOT_WORK=${NUWA_CERTBOT_WORK_DIR:-/var/lib/letsencrypt}
  TLS_CERTBOT_LOGS=${NUWA_CERTBOT_LOGS_DIR:-/var/log/letsencrypt}
  TLS_NGINX_CONF=${NUWA_NGINX_CONF:-/etc/nginx/nginx.conf}
  TLS_NGINX_PID=${NUWA_NGINX_PID:-/run/nginx.pid}
  TLS_SITES_AVAILABLE=${NUWA_NGINX_SITES_AVAILABLE:-/etc/nginx/sites-available}
  TLS_SITES_ENABLED=${NUWA_NGINX_SITES_ENABLED:-/etc/nginx/sites-enabled}
  TLS_CRON_DIR=${NUWA_CRON_DIR:-/etc/cron.d}
  TLS_STATIC_DIR=${NUWA_STATIC_DIR:-}
  TLS_CERT=${NUWA_TLS_CERT:-} TLS_KEY=${NUWA_TLS_KEY:-}
  if [ "$TLS_MODE" = files ] && { [ -z "$TLS_CERT" ] || [ -z "$TLS_KEY" ]; }; then
    nuwa_bad_setting "NUWA_TLS=files needs NUWA_TLS_CERT (the certificate chain, PEM) and NUWA_TLS_KEY (its private key) in nuwa.env"
  fi
  local static
  if [ -z "$TLS_STATIC_DIR" ] && [ -n "$NUWA_IMAGE" ] && static=$(nuwa_image_label "$NUWA_IMAGE" nuwa.static) && [ -n "$static" ]; then
    nuwa_check_path "$static" "the image's label nuwa.static"
    TLS_STATIC_DIR="$NUWA_DIR/volumes$static" # bin/run copies each volume to volumes/<its path in the container>
  fi
  # Every path goes into nginx's, cron's and certbot's command lines: the same strict check as the app folder's.
  # The first five locate the site and the renewal job (every script needs them); a bad one of the rest is skipped.
  local pair var
  for pair in TLS_NGINX_CONF:NUWA_NGINX_CONF TLS_NGINX_PID:NUWA_NGINX_PID TLS_SITES_AVAILABLE:NUWA_NGINX_SITES_AVAILABLE \
    TLS_SITES_ENABLED:NUWA_NGINX_SITES_ENABLED TLS_CRON_DIR:NUWA_CRON_DIR; do
    var=${pair%%:*}
    if [ -n "${!var}" ]; then nuwa_check_path "${!var}" "${pair#*:}"; fi
  done
  for pair in TLS_WEBROOT:NUWA_ACME_WEBROOT TLS_CERTBOT_CONFIG:NUWA_CERTBOT_CONFIG_DIR TLS_CERTBOT_WORK:NUWA_CERTBOT_WORK_DIR \
    TLS_CERTBOT_LOGS:NUWA_CERTBOT_LOGS_DIR TLS_ACME_CA_BUNDLE:NUWA_ACME_CA_BUNDLE TLS_CHECK_CA_BUNDLE:NUWA_CHECK_CA_BUNDLE \
    TLS_STATIC_DIR:NUWA_STATIC_DIR TLS_CERT:NUWA_TLS_CERT TLS_KEY:NUWA_TLS_KEY; do
    var=${pair%%:*}
    if [ -n "${!var}" ] && [[ ! ${!var} =~ ^/[A-Za-z0-9_./@+-]*$ ]]; then
      nuwa_bad_setting "${pair#*:} '${!var}' is not allowed: an absolute path of letters, digits and '_' '.' '/' '@' '+' '-' only"
      printf -v "$var" '%s' ""
    fi
  done
  TLS_STATIC_URL=${NUWA_STATIC_URL:-/static/}
  if [[ ! $TLS_STATIC_URL =~ ^/([A-Za-z0-9_.-]+/)+$ ]]; then
    nuwa_bad_setting "NUWA_STATIC_URL '$TLS_STATIC_URL' must look like /static/"
    TLS_STATIC_URL=/static/
  fi
  TLS_MAX_BODY=${NUWA_CLIENT_MAX_BODY:-20m}
  if [[ ! $TLS_MAX_BODY =~ ^[0-9]+[kKmMgG]?$ ]]; then
    nuwa_bad_setting "NUWA_CLIENT_MAX_BODY '$TLS_MAX_BODY' is not a size like 20m"
    TLS_MAX_BODY=20m
  fi
  # What bin/install fetches: the image's health URL (label nuwa.health; made to be asked often) or the front page.
  TLS_CHECK_PATH=${NUWA_CHECK_PATH:-}
  if [ -z "$TLS_CHECK_PATH" ] && [ "$1" = domain-required ]; then TLS_CHECK_PATH=$(nuwa_image_label "$NUWA_IMAGE" nuwa.health || true); fi
  TLS_CHECK_PATH=${TLS_CHECK_PATH:-/}
  if [[ ! $TLS_CHECK_PATH =~ ^/[A-Za-z0-9_./?=\&-]*$ ]]; then
    nuwa_bad_setting "NUWA_CHECK_PATH '$TLS_CHECK_PATH' (or the image's label nuwa.health) is not a URL path"
    TLS_CHECK_PATH=/
  fi
  TLS_HTTP_PORT=${NUWA_HTTP_PORT:-80}
  TLS_HTTPS_PORT=${NUWA_HTTPS_PORT:-443}
  nuwa_is_port "$TLS_HTTP_PORT" || { nuwa_bad_setting "NUWA_HTTP_PORT '$TLS_HTTP_PORT' is not a port number (1-65535)" && TLS_HTTP_PORT=80; }
  nuwa_is_port "$TLS_HTTPS_PORT" || { nuwa_bad_setting "NUWA_HTTPS_PORT '$TLS_HTTPS_PORT' is not a port number (1-65535)" && TLS_HTTPS_PORT=443; }
  TLS_LISTEN_ADDRESS=${NUWA_LISTEN_ADDRESS:-}
  if [ -n "$TLS_LISTEN_ADDRESS" ] && [[ ! $TLS_LISTEN_ADDRESS =~ ^([0-9.]+|\[[0-9a-fA-F:]+\])$ ]]; then
    nuwa_bad_setting "NUWA_LISTEN_ADDRESS '$TLS_LISTEN_ADDRESS' is not an IPv4 address or a bracketed IPv6 one"
    TLS_LISTEN_ADDRESS=""
  fi

  # One file name per app: nginx includes sites-enabled/*, and Debian's cron ignores cron.d names with a dot.
  TLS_SITE_FILE="$TLS_SITES_AVAILABLE/nuwa-$NUWA_NAME.conf"
  TLS_SITE_LINK="$TLS_SITES_ENABLED/nuwa-$NUWA_NAME.conf"
  TLS_CRON_FILE="$TLS_CRON_DIR/nuwa-certbot-${NUWA_NAME//./_}"
  TLS_LIVE="$TLS_CERTBOT_CONFIG/live/$TLS_DOMAIN"
  if [ "$TLS_MODE" != files ]; then TLS_CERT="$TLS_LIVE/fullchain.pem" TLS_KEY="$TLS_LIVE/privkey.pem"; fi
  nuwa_check_file_owner "$TLS_SITE_FILE"
  nuwa_check_file_owner "$TLS_CRON_FILE"
  TLS_NGINX_BIN=$(command -v nginx || true)
  [ -n "$TLS_NGINX_BIN" ] || nuwa_die "nginx is not installed: run 'nuwa-host init' (or apt-get install nginx)"
}

tls_nginx() { "$TLS_NGINX_BIN" -c "$TLS_NGINX_CONF" "$@"; }

tls_nginx_running() {
  local pid
  pid=$(cat -- "$TLS_NGINX_PID" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# nginx -t over the whole configuration, its output shown only when it fails.
tls_nginx_test() {
  local out
  if ! out=$(tls_nginx -t 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
}

tls_nginx_reload() {
  local out
  out=$(tls_nginx -s reload 2>&1) || {
    printf '%s\n' "$out" >&2
    return 1
  }
}

# The names of the processes listening on TCP PORT (empty when none).
tls_port_owners() { # PORT
  ss -Hltnp "( sport = :$1 )" | grep -o 'users:(("[^"]*"' | sed 's/users:(("//; s/"$//' | sort -u
}

tls_listen() { # PORT [ssl http2]
  if [ -n "$TLS_LISTEN_ADDRESS" ]; then
    printf '    listen %s:%s%s;\n' "$TLS_LISTEN_ADDRESS" "$1" "${2:+ $2}"
  else
    printf '    listen %s%s;\n' "$1" "${2:+ $2}"
    if [ -e /proc/net/if_inet6 ]; then printf '    listen [::]:%s%s;\n' "$1" "${2:+ $2}"; fi
  fi
}

# The locations of the site's server that serves the app: static files by nginx itself, the rest by the container.
tls_app_locations() {
  local var="\$nuwa_${NUWA_NAME//[.-]/_}_connection"
  if [ -n "$TLS_STATIC_DIR" ]; then
    cat <<EOF
    location $TLS_STATIC_URL {
        alias $TLS_STATIC_DIR/;
        expires 7d;
        access_log off;
    }
EOF
  fi
  cat <<EOF
    location / {
        proxy_pass http://127.0.0.1:$NUWA_PORT;
        proxy_http_version 1.1;
        proxy_set_header Host \$host;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-Host \$host;
        proxy_set_header X-Forwarded-Port \$server_port;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection $var;
        proxy_read_timeout 120s;
    }
}
EOF
}

# A map per app: nginx refuses two maps that define the same variable, and every app has its own file.
tls_connection_map() {
  cat <<EOF
map \$http_upgrade \$nuwa_${NUWA_NAME//[.-]/_}_connection {
    default upgrade;
    ''      close;
}
EOF
}

# tls_render_site http|https|plain: the site's nginx configuration. "http" is the port-80 server alone (it answers
# ACME challenges, which must be reachable before a certificate exists); "https" adds the TLS server that proxies to
# the container; "plain" (NUWA_TLS=off) is one HTTP server that proxies to it.
tls_render_site() {
  local redirect="https://\$host\$request_uri"
  [ "$TLS_HTTPS_PORT" = 443 ] || redirect="https://\$host:$TLS_HTTPS_PORT\$request_uri"
  cat <<EOF
# nuwa: the site of app $NUWA_NAME ($NUWA_DIR), written by bin/install, removed by bin/uninstall.
# Do not edit: change nuwa.env and run bin/install again.
EOF
  if [ "$1" = plain ]; then
    tls_connection_map
    cat <<EOF
server {
$(tls_listen "$TLS_HTTP_PORT")
    server_name ${TLS_DOMAINS[*]};
    client_max_body_size $TLS_MAX_BODY;
EOF
    tls_app_locations
    return 0
  fi
  [ "$1" = http ] || tls_connection_map
  cat <<EOF
server {
$(tls_listen "$TLS_HTTP_PORT")
    server_name ${TLS_DOMAINS[*]};
    location ^~ /.well-known/acme-challenge/ {
        root $TLS_WEBROOT;
        default_type text/plain;
    }
    location / {
        return 301 $redirect;
    }
}
EOF
  [ "$1" = https ] || return 0
  cat <<EOF
server {
$(tls_listen "$TLS_HTTPS_PORT" 'ssl http2')
    server_name ${TLS_DOMAINS[*]};
    ssl_certificate $TLS_CERT;
    ssl_certificate_key $TLS_KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_timeout 1d;
    ssl_session_cache shared:nuwa_tls:10m;
    add_header Strict-Transport-Security "max-age=31536000" always;
    client_max_body_size $TLS_MAX_BODY;
EOF
  tls_app_locations
}

# tls_put_file TARGET MODE < content: written beside the target, then renamed over it (never half-written).
tls_put_file() {
  local tmp
  tmp=$(mktemp "$(dirname -- "$1")/.nuwa-new.XXXXXX")
  if ! cat >"$tmp" || ! chmod "$2" "$tmp" || ! mv -f -- "$tmp" "$1"; then
    rm -f -- "$tmp"
    nuwa_die "could not write $1 (disk full or read-only?)"
  fi
}

# tls_remember FILE: records (with nuwa_undo) how to put FILE back as it is now: its content, its link, or its absence.
# Copies live in TLS_BACKUP, removed at the end of a successful run by tls_forget, or by the last undo step.
tls_remember() {
  if [ -z "${TLS_BACKUP:-}" ]; then
    TLS_BACKUP=$(mktemp -d)
    nuwa_undo rm -rf -- "$TLS_BACKUP"
  fi
  if [ -L "$1" ]; then
    nuwa_undo ln -sfn -- "$(readlink -- "$1")" "$1"
  elif [ -e "$1" ]; then
    local copy
    copy=$(mktemp "$TLS_BACKUP/file.XXXXXX")
    cp -p -- "$1" "$copy"
    nuwa_undo cp -p -- "$copy" "$1"
  else
    nuwa_undo rm -f -- "$1"
  fi
}
tls_forget() {
  nuwa_commit
  if [ -n "${TLS_BACKUP:-}" ]; then rm -rf -- "$TLS_BACKUP"; fi
}

# The command that renews this app's certificate: the cron job runs it, the tests run it with --force-renewal.
# Hooks given to certbot are saved in its renewal configuration too, so a distribution's own certbot timer that
# renews the certificate first still reloads nginx.
tls_deploy_hook() { printf '%q -c %q -t -q && %q -c %q -s reload' "$TLS_NGINX_BIN" "$TLS_NGINX_CONF" "$TLS_NGINX_BIN" "$TLS_NGINX_CONF"; }
tls_certbot_dirs() { printf -- '--config-dir %q --work-dir %q --logs-dir %q' "$TLS_CERTBOT_CONFIG" "$TLS_CERTBOT_WORK" "$TLS_CERTBOT_LOGS"; }

# Undo step for nginx: once the files are back, reload so nginx serves what it served before this run. A
# configuration that fails its test even so (someone else's broken file) is left alone: nginx keeps running its old one.
tls_reload_after_undo() {
  tls_nginx_running || return 0
  if tls_nginx_test 2>/dev/null; then
    tls_nginx_reload || nuwa_warn "nginx did not reload after the undo"
  else
    nuwa_warn "nginx's configuration fails its test even without this run's changes: not reloading (nginx keeps its running configuration)"
  fi
}

# The container's start and stop go through its systemd unit when systemd runs (bin/run registered it), else podman;
# monit's check (bin/run's) is told too, or it would restart a container that bin/uninstall stopped.
# True when a monit daemon runs and has the app's check. (monit's unmonitor/monitor exit 0 even without a daemon.)
tls_monit_knows() { nuwa_monit status "$NUWA_MONIT_CHECK" >/dev/null 2>&1; }

tls_podman_start() { podman start "$NUWA_NAME" >/dev/null 9>&-; } # conmon stays behind: it must not hold our lock

tls_container_start() {
  if nuwa_systemd_running && [ -e "$NUWA_UNIT_FILE" ]; then
    systemctl start "$NUWA_UNIT"
    nuwa_undo systemctl stop "$NUWA_UNIT"
  else
    tls_podman_start
    nuwa_undo podman stop -t 10 "$NUWA_NAME"
  fi
  if [ -e "$NUWA_MONIT_FILE" ]; then
    if tls_monit_knows; then
      nuwa_monit monitor "$NUWA_MONIT_CHECK" >/dev/null
    else
      nuwa_say "monit is not running: its check $NUWA_MONIT_CHECK watches the container when monit starts"
    fi
  fi
}

# Tells monit to stop watching the container (undone with the rest on failure) and waits until it has: the daemon
# carries the request out on its own time, and stopping before it has would race its next check. $1 ends the line
# said when it has not within 30 s.
tls_monit_unmonitor() {
  nuwa_monit unmonitor "$NUWA_MONIT_CHECK" >/dev/null
  nuwa_undo nuwa_monit monitor "$NUWA_MONIT_CHECK"
  local deadline=$((SECONDS + 30))
  until nuwa_monit status "$NUWA_MONIT_CHECK" 2>/dev/null | grep -q '^ *monitoring status *Not monitored'; do
    [ "$SECONDS" -lt "$deadline" ] || nuwa_die "monit did not stop watching $NUWA_MONIT_CHECK within 30s$1"
    sleep 0.2
  done
}

tls_container_stop() {
  if [ -e "$NUWA_MONIT_FILE" ]; then
    if tls_monit_knows; then
      tls_monit_unmonitor '; the container was left running'
    else
      nuwa_warn "monit is not running: when it starts, its check $NUWA_MONIT_CHECK starts the container again unless you run: monit -c $NUWA_MONITRC unmonitor $NUWA_MONIT_CHECK"
    fi
  fi
  if nuwa_systemd_running && [ -e "$NUWA_UNIT_FILE" ]; then
    systemctl stop "$NUWA_UNIT"
    nuwa_undo systemctl start "$NUWA_UNIT"
  else
    podman stop -t 10 "$NUWA_NAME" >/dev/null
    nuwa_undo tls_podman_start
  fi
}
