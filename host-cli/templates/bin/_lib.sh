# shellcheck shell=bash disable=SC2034  # (the variables set here are read by the scripts that source this file)
# bin/_lib.sh: the library every bin/ script sources (never run on its own).
# The image's Setup label unpacks it with the scripts into APPDIR/bin/; the scripts run from APPDIR ("bin/run").
#
# Two configuration files, both plain KEY=value lines (no quoting: a value is taken literally, '#' starts a comment
# line only). They are parsed here, never sourced, so a value cannot run code:
#   host  ${NUWA_HOST_CONF:-/etc/nuwa/host.env}   written by `nuwa-host init`; its presence means "host initialised".
#         NUWA_SYSTEMD_DIR (/etc/systemd/system), NUWA_MONIT_DIR (/etc/monit/conf.d), NUWA_MONITRC (/etc/monit/monitrc),
#         NUWA_CONTAINERS_CONF (exported as CONTAINERS_CONF for podman when the environment does not set it).
#   app   APPDIR/nuwa.env                          written by Setup, edited by the user.
#         NUWA_IMAGE (image id), NUWA_NAME (container name; default: the folder's name), NUWA_PORT (host port on
#         127.0.0.1). Every key that does not start with NUWA_ is passed to the container as an environment
#         variable (DATABASE_URL=..., the database connection); those in NUWA_SECRETS or starting with SECRET_ as
#         podman secrets (type=env), which podman inspect does not show.
# Keys of the app file override the host file's.
#
# After nuwa_predicate these are set: NUWA_DIR NUWA_NAME NUWA_IMAGE NUWA_PORT NUWA_UNIT NUWA_UNIT_FILE
# NUWA_MONIT_CHECK NUWA_MONIT_FILE NUWA_SYSTEMD_DIR NUWA_MONIT_DIR NUWA_MONITRC, and the array NUWA_CONTAINER_ENV.

NUWA_SCRIPT="bin/${0##*/}"
NUWA_HOST_CONF="${NUWA_HOST_CONF:-/etc/nuwa/host.env}"
NUWA_CONTAINER_ENV=()
NUWA_UNDO=()

nuwa_say() { printf '%s: %s\n' "$NUWA_SCRIPT" "$*" >&2; }
nuwa_warn() { printf '%s: warning: %s\n' "$NUWA_SCRIPT" "$*" >&2; }
nuwa_die() {
  printf '%s: %s\n' "$NUWA_SCRIPT" "$*" >&2
  exit 1
}

# --help and -h: every script answers with its usage (its header comment) and exit 0, before it reads or touches
# anything; a script that takes no arguments refuses any with a usage error (exit 100), so a typo never acts.
nuwa_usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }
nuwa_usage_error() {
  printf '%s: %s (%s --help shows the usage)\n' "$NUWA_SCRIPT" "$*" "$NUWA_SCRIPT" >&2
  exit 100
}
nuwa_help() { # "$@": any --help or -h before a "--" is a request for the usage
  local a
  for a in "$@"; do
    case $a in
      --) return 0 ;;
      -h | --help)
        nuwa_usage
        exit 0
        ;;
    esac
  done
}
nuwa_no_args() {
  nuwa_help "$@"
  [ $# -eq 0 ] || nuwa_usage_error "takes no arguments, got '$1'"
}

# A name used for the container, the systemd unit, the monit check and (issue 8) nginx: letters, digits, '_', '.',
# '-', starting with a letter or digit. Refusing everything else keeps quotes, spaces, ';' and $(...) out of every
# file and command line the scripts write.
nuwa_check_name() { # VALUE WHAT
  if [[ ! $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$ ]]; then
    nuwa_die "$2 '$1' is not allowed: use letters, digits, '_', '.', '-' (at most 63, starting with a letter or digit)"
  fi
}

# A path written into podman -v (':' separates fields), systemd units and monit checks (spaces split words).
nuwa_check_path() { # VALUE WHAT
  if [[ ! $1 =~ ^/[A-Za-z0-9_./@+-]*$ ]]; then
    nuwa_die "$2 '$1' is not allowed: an absolute path of letters, digits and '_' '.' '/' '@' '+' '-' only"
  fi
}

nuwa_is_port() { [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && [ "$1" -le 65535 ]; }
nuwa_check_port() { # VALUE WHAT
  nuwa_is_port "$1" || nuwa_die "$2 '$1' is not a port number (1-65535)"
}

# Keys computed here; a configuration file must not set them.
_nuwa_reserved_key() {
  case $1 in
    NUWA_DIR | NUWA_SCRIPT | NUWA_UNDO | NUWA_CONTAINER_ENV | NUWA_HOST_CONF | NUWA_UNIT | NUWA_UNIT_FILE | \
      NUWA_MONIT_CHECK | NUWA_MONIT_FILE) return 0 ;;
  esac
  return 1
}

_nuwa_env_unset() { # KEY: drops KEY from NUWA_CONTAINER_ENV
  local kept=() e
  for e in "${NUWA_CONTAINER_ENV[@]}"; do [[ $e == "$1="* ]] || kept+=("$e"); done
  NUWA_CONTAINER_ENV=("${kept[@]}")
}

# A bad setting stops a script that would use it. The scripts that take an app down (bin/stop, bin/uninstall,
# bin/kill: nuwa_predicate_cleanup) say it in one line and go on without it: a typo in nuwa.env must never keep an app
# from being stopped and removed. The caller resets the value it was given when this returns.
NUWA_CLEANING=0
nuwa_bad_setting() { # MESSAGE
  [ "$NUWA_CLEANING" = 1 ] || nuwa_die "$*"
  nuwa_warn "$*; ignored: $NUWA_SCRIPT does not need it"
}

# nuwa_read_conf FILE KIND: KIND "host" accepts NUWA_* keys only; "app" also collects container variables.
nuwa_read_conf() {
  local file=$1 kind=$2 line key value n=0
  [ -r "$file" ] || nuwa_die "cannot read $file"
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ ! $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      nuwa_bad_setting "$file line $n: expected KEY=value, got '$line'"
      continue
    fi
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ $key == NUWA_* ]]; then
      if _nuwa_reserved_key "$key"; then
        nuwa_bad_setting "$file line $n: $key is computed by the scripts and cannot be set"
        continue
      fi
      printf -v "$key" '%s' "$value"
    elif [ "$kind" = app ]; then
      _nuwa_env_unset "$key" # a later line for the same key wins, as in a shell
      NUWA_CONTAINER_ENV+=("$key=$value")
    else
      nuwa_bad_setting "$file line $n: only NUWA_* keys belong in the host configuration, got $key"
    fi
  done <"$file"
}

# nuwa_conf_set FILE KEY VALUE: sets KEY in a configuration file (replacing its line or appending one), atomically.
nuwa_conf_set() {
  local file=$1 key=$2 value=$3 tmp line done=0
  tmp=$(mktemp "$file.XXXXXX")
  if [ -e "$file" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      if [[ $line == "$key="* ]]; then
        [ "$done" = 1 ] && continue
        line="$key=$value"
        done=1
      fi
      printf '%s\n' "$line"
    done <"$file" >"$tmp"
    chmod --reference="$file" "$tmp"
  fi
  [ "$done" = 1 ] || printf '%s=%s\n' "$key" "$value" >>"$tmp"
  mv -f "$tmp" "$file"
}

# Rollback: a script records how to undo each step it completes; if it then exits non-zero (an error, set -e, a
# signal), the recorded commands run newest first, so a failed run leaves nothing half-done behind.
# nuwa_cleanup records a step the same way, but one that changes nothing the user sees (a lock, a backup copy): a
# refusal before any real step then stays one line.
NUWA_UNDO_SAY=0
nuwa_undo() {
  NUWA_UNDO+=("$(printf '%q ' "$@")")
  NUWA_UNDO_SAY=1
}
nuwa_cleanup() { NUWA_UNDO+=("$(printf '%q ' "$@")"); }
nuwa_commit() {
  NUWA_UNDO=()
  NUWA_UNDO_SAY=0
}
_nuwa_on_exit() {
  local status=$? i
  if [ "$status" -ne 0 ] && [ "${#NUWA_UNDO[@]}" -gt 0 ]; then
    [ "$NUWA_UNDO_SAY" = 0 ] || nuwa_say "failed; undoing the steps already done"
    for ((i = ${#NUWA_UNDO[@]} - 1; i >= 0; i--)); do
      eval "${NUWA_UNDO[i]}" >/dev/null || nuwa_warn "undo step failed: ${NUWA_UNDO[i]}" # (podman prints names)
    done
  fi
  exit "$status"
}
trap _nuwa_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One bin/ script at a time per app folder (a second one fails at once instead of racing the first).
# The lock is file descriptor 9: a process that outlives the script must not inherit it, or the folder stays
# locked, so start such processes with 9>&- (podman start and podman run leave conmon behind).
nuwa_lock() {
  exec 9>>"$NUWA_DIR/.nuwa.lock"
  flock -n 9 || nuwa_die "another bin/ script is running in $NUWA_DIR; wait for it to finish"
}

# systemd is the service manager only when it is PID 1 (sd_booted(3) tests exactly this directory).
nuwa_systemd_running() { [ -d /run/systemd/system ]; }

nuwa_monit() { monit -c "$NUWA_MONITRC" "$@"; }
# Asks a running monit daemon to re-read its checks; fails quietly when none runs (it reads them when it starts).
nuwa_monit_reload() { nuwa_monit reload >/dev/null 2>&1; }

# The container's state as podman reports it (created, running, exited, ...), or "absent".
nuwa_container_state() {
  podman container inspect -f '{{.State.Status}}' "$NUWA_NAME" 2>/dev/null || echo absent
}

# Each app is its own by identity, not by name: the folder that made a container is its label nuwa.dir, and a
# file the scripts write names the folder as "(APPDIR)". A container or file of this name made for another folder
# (/srv/a/web and /srv/b/web both default to "web") is refused, never touched.
nuwa_check_container_owner() { # NAME
  local name=$1 owner
  owner=$(podman container inspect -f '{{index .Config.Labels "nuwa.dir"}}' "$name" 2>/dev/null) || return 0
  [ "$owner" != "$NUWA_DIR" ] || return 0
  [ -n "$owner" ] && [ "$owner" != "<no value>" ] || owner="no app folder (it has no label nuwa.dir: not made by bin/run)"
  nuwa_die "container $name belongs to $owner, not to $NUWA_DIR: nothing done; give this app another name (NUWA_NAME=... in nuwa.env)"
}
nuwa_check_file_owner() { # FILE
  [ -e "$1" ] || return 0
  grep -q -F "($NUWA_DIR)" -- "$1" ||
    nuwa_die "$1 belongs to another app named $NUWA_NAME (it does not name $NUWA_DIR): nothing done; give this app another name (NUWA_NAME=... in nuwa.env)"
}

# A host port on 127.0.0.1 that nothing listens on and no container publishes (kept releases' ports included), from
# NUWA_PORT_RANGE (FIRST-LAST, default 8001-8999); arguments are ports to skip as well.
nuwa_free_port() { # [SKIP...]
  local range=${NUWA_PORT_RANGE:-8001-8999} port published first last
  [[ $range =~ ^([0-9]+)-([0-9]+)$ ]] || nuwa_die "NUWA_PORT_RANGE '$range' is not FIRST-LAST (like 8001-8999)"
  first=${BASH_REMATCH[1]} last=${BASH_REMATCH[2]}
  published=$(podman ps -a --format '{{.Ports}}' 2>/dev/null || true)
  for ((port = first; port <= last; port++)); do
    [[ $published == *":$port->"* ]] && continue
    [[ " $* " == *" $port "* ]] && continue
    (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    echo "$port"
    return 0
  done
  nuwa_die "no free port in $range on 127.0.0.1 (every one is listened on or published by a container): set NUWA_PORT_RANGE, or prune kept releases"
}

# The systemd unit that keeps container NUWA_NAME running (podman generate systemd), as bin/run and bin/deploy write it.
nuwa_unit_text() {
  podman generate systemd --name --container-prefix nuwa --separator - --restart-policy on-failure \
    --stop-timeout 10 "$NUWA_NAME" | sed -e '/^# autogenerated by Podman/d' \
    -e "1i # nuwa: keeps container $NUWA_NAME ($NUWA_DIR) running. Written by bin/run, removed by bin/kill." \
    -e "s|^Description=.*|Description=nuwa app $NUWA_NAME (podman container, $NUWA_DIR)|" |
    if [ -n "${CONTAINERS_CONF:-}" ]; then # this host's podman needs it, so the unit's podman does too
      sed "s|^\[Service\]\$|[Service]\nEnvironment=CONTAINERS_CONF=$CONTAINERS_CONF|"
    else
      cat
    fi
}

# The monit check of container NUWA_NAME: its conmon PIDFILE, and the health URL PATH on host PORT when there is one.
# Its start and stop programs go through systemd when systemd is PID 1, else through podman.
nuwa_monit_text() { # PIDFILE PORT [HEALTH]
  local start stop envp="" podman_bin
  if nuwa_systemd_running; then
    start="/usr/bin/systemctl start $NUWA_UNIT"
    stop="/usr/bin/systemctl stop $NUWA_UNIT"
  else
    podman_bin=$(command -v podman)
    [ -z "${CONTAINERS_CONF:-}" ] || envp="/usr/bin/env CONTAINERS_CONF=$CONTAINERS_CONF "
    start="$envp$podman_bin start $NUWA_NAME"
    stop="$envp$podman_bin stop -t 10 $NUWA_NAME"
  fi
  echo "# nuwa: restarts container $NUWA_NAME ($NUWA_DIR) when it stops. Written by bin/run, removed by bin/kill."
  echo "check process $NUWA_MONIT_CHECK with pidfile \"$1\""
  echo "  start program = \"$start\" with timeout 120 seconds"
  echo "  stop program = \"$stop\" with timeout 60 seconds"
  if [ -n "${3:-}" ]; then
    echo "  if failed host 127.0.0.1 port $2 protocol http request \"$3\" with timeout 10 seconds for 3 cycles then restart"
  fi
  echo "  if 5 restarts within 20 cycles then unmonitor"
}

# What bin/run and bin/deploy need to know of IMAGE: NUWA_IMG_PORT (label nuwa.port, else its only EXPOSEd port),
# NUWA_IMG_HEALTH (label nuwa.health, a URL path, or ""), NUWA_IMG_VOLS (its VOLUMEs).
nuwa_image_facts() { # IMAGE
  NUWA_IMG_PORT=$(nuwa_image_label "$1" nuwa.port)
  if [ -z "$NUWA_IMG_PORT" ]; then
    NUWA_IMG_PORT=$(podman image inspect -f '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' "$1" | tr ' ' '\n' | sed -n 's,/tcp$,,p')
    [ "$(printf '%s\n' "$NUWA_IMG_PORT" | grep -c .)" = 1 ] || nuwa_die "image $1 has no label nuwa.port and not exactly one EXPOSEd port: which port does it serve?"
  fi
  nuwa_check_port "$NUWA_IMG_PORT" "the image's port (label nuwa.port)"
  NUWA_IMG_HEALTH=$(nuwa_image_label "$1" nuwa.health)
  [ -z "$NUWA_IMG_HEALTH" ] || [[ $NUWA_IMG_HEALTH =~ ^/[A-Za-z0-9_./?=-]*$ ]] || nuwa_die "the image's label nuwa.health '$NUWA_IMG_HEALTH' is not a URL path"
  mapfile -t NUWA_IMG_VOLS < <(podman image inspect -f '{{range $p, $v := .Config.Volumes}}{{$p}}{{"\n"}}{{end}}' "$1" | grep .)
  local v
  for v in "${NUWA_IMG_VOLS[@]}"; do nuwa_check_path "$v" "the image's volume"; done
}

# Creates (does not start) container NAME of IMAGE for this app, published on 127.0.0.1:PORT, labelled with its app
# folder, with the volumes of volumes/ and nuwa.env's variables. Needs nuwa_image_facts IMAGE first.
nuwa_create() { # NAME PORT IMAGE
  local args v e relabel=""
  args=(--name "$1" --hostname "$NUWA_NAME" --label "nuwa.app=$NUWA_NAME" --label "nuwa.dir=$NUWA_DIR"
    --publish "127.0.0.1:$2:$NUWA_IMG_PORT")
  [ ! -e /sys/fs/selinux/enforce ] || relabel=":Z" # SELinux hosts (Rocky) must relabel bind mounts
  for v in "${NUWA_IMG_VOLS[@]}"; do args+=(--volume "$NUWA_DIR/volumes$v:$v$relabel"); done
  for e in "${NUWA_CONTAINER_ENV[@]}"; do
    if nuwa_is_secret "${e%%=*}"; then
      args+=(--secret "$(nuwa_secret "${e%%=*}" "${e#*=}"),type=env,target=${e%%=*}")
    else
      args+=(--env "$e")
    fi
  done
  nuwa_health_args "$3"
  args+=("${NUWA_HEALTH_ARGS[@]}")
  podman create "${args[@]}" "$3" >/dev/null
}

# Secrets: nuwa.env keys named in NUWA_SECRETS (space- or comma-separated) or starting with SECRET_ reach the
# container as podman secrets (type=env), so podman inspect and bin/status never show their values.
nuwa_is_secret() { # KEY
  [[ $1 == SECRET_* ]] || [[ " ${NUWA_SECRETS:-} " == *" $1 "* ]] || [[ ",${NUWA_SECRETS:-}," == *",$1,"* ]]
}
# The podman secret holding VALUE for KEY, made when missing: named by the value's digest, so a container keeps its
# own while a new release gets a changed one; labelled with the app folder, as the app's containers are.
nuwa_secret() { # KEY VALUE
  local name
  name="nuwa-$NUWA_NAME-$1-$(printf '%s' "$2" | sha256sum | cut -c1-12)"
  podman secret inspect "$name" >/dev/null 2>&1 ||
    printf '%s' "$2" | podman secret create --label "nuwa.dir=$NUWA_DIR" "$name" - >/dev/null
  printf '%s' "$name"
}
# This app's secrets, one name a line: named as nuwa_secret names them (a key has no '-', so app "web" never takes
# app "web-2"'s), and labelled with this folder, or with none (made before secrets had the label). Podman 4.3 cannot
# filter secrets by label, hence the names first.
nuwa_app_secrets() {
  local names name dir
  names=$(podman secret ls --format '{{.Name}}' | grep -E "^nuwa-${NUWA_NAME//./\\.}-[A-Za-z_][A-Za-z0-9_]*-[0-9a-f]{12}\$") || return 0
  # shellcheck disable=SC2086 # (names are words: the pattern above has no space or glob character)
  podman secret inspect -f '{{.Spec.Name}} {{index .Spec.Labels "nuwa.dir"}}' $names | while read -r name dir; do
    if [ "$dir" = "$NUWA_DIR" ] || [ "$dir" = "<no value>" ] || [ -z "$dir" ]; then printf '%s\n' "$name"; fi
  done
}

# A line in APPDIR/.nuwa-releases (bin/releases, bin/rollback): the live container and its image, live since now.
nuwa_record_live() {
  printf '%s %s\n' "$(date -u +%FT%TZ)" "$(podman container inspect -f '{{.Id}} {{.Image}}' "$NUWA_NAME")" >>"$NUWA_DIR/.nuwa-releases"
}

# An image label's value ("" when the image lacks it).
nuwa_image_label() { # IMAGE LABEL
  podman image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null | sed 's/^<no value>$//'
}

# nuwa_health_args IMAGE: sets NUWA_HEALTH_ARGS to podman create's health options, so `podman healthcheck run` and
# `podman ps` report the container's health: the image's HEALTHCHECK (nuwa/base's is `nuwa health`), else
# `nuwa health`; none when the image says HEALTHCHECK NONE. Always passed explicitly: an image built in OCI format
# has no HEALTHCHECK, and podman applies --health-interval only with --health-cmd. Without systemd podman has no timer
# to run it on (and says so at every start): then it runs on demand only (`podman healthcheck run NAME`).
nuwa_health_args() {
  local check
  # an image podman cannot inspect gets the default: podman create then says what is wrong with it
  check=$(podman image inspect -f '{{if .HealthCheck}}{{json .HealthCheck.Test}}{{end}}' "$1" 2>/dev/null || true)
  case $check in
    '["NONE"]') NUWA_HEALTH_ARGS=() && return 0 ;;
    '["CMD",'*) check="[${check#'["CMD",'}" ;;
    '["CMD-SHELL",'*) check="[\"/bin/sh\",\"-c\",${check#'["CMD-SHELL",'}" ;;
    *) check='["nuwa","health"]' ;;
  esac
  NUWA_HEALTH_ARGS=(--health-cmd "$check")
  nuwa_systemd_running || NUWA_HEALTH_ARGS+=(--health-interval disable)
}

# Checks the host is initialised for nuwa and the script runs from the app folder (the folder above bin/), then
# loads the configuration. Every bin/ script calls it first; bin/_predicate runs it on its own. The scripts that
# take the app down call nuwa_predicate_cleanup: a bad setting they do not need is then a warning (nuwa_bad_setting).
nuwa_predicate_cleanup() {
  NUWA_CLEANING=1
  nuwa_predicate
}
nuwa_predicate() {
  local here script_dir
  here=$(pwd -P)
  script_dir=$(cd "$(dirname -- "$0")" && pwd -P)
  if [ "$script_dir" != "$here/bin" ]; then
    nuwa_die "run me from the app folder, the one above bin/: cd '${script_dir%/bin}' && $NUWA_SCRIPT"
  fi
  NUWA_DIR=$here
  nuwa_check_path "$NUWA_DIR" "app folder"
  nuwa_check_name "${NUWA_DIR##*/}" "app folder name"
  [ -e "$NUWA_HOST_CONF" ] || nuwa_die "this host is not initialised for nuwa ($NUWA_HOST_CONF is missing): run 'nuwa-host init' as root"
  command -v podman >/dev/null || nuwa_die "podman is not installed: run 'nuwa-host init' (or apt-get install podman)"
  [ -e "$NUWA_DIR/nuwa.env" ] || nuwa_die "$NUWA_DIR/nuwa.env is missing: unpack bin/ again with the image's Setup label (podman inspect -f '{{index .Config.Labels \"RunSetup\"}}' IMAGE)"

  NUWA_SYSTEMD_DIR=/etc/systemd/system
  NUWA_MONIT_DIR=/etc/monit/conf.d
  NUWA_MONITRC=/etc/monit/monitrc
  nuwa_read_conf "$NUWA_HOST_CONF" host
  nuwa_read_conf "$NUWA_DIR/nuwa.env" app
  if [ -n "${NUWA_CONTAINERS_CONF:-}" ] && [ -z "${CONTAINERS_CONF:-}" ]; then
    export CONTAINERS_CONF="$NUWA_CONTAINERS_CONF"
  fi

  NUWA_NAME=${NUWA_NAME:-${NUWA_DIR##*/}}
  nuwa_check_name "$NUWA_NAME" "NUWA_NAME in nuwa.env"
  NUWA_IMAGE=${NUWA_IMAGE:-}
  if [ -z "$NUWA_IMAGE" ]; then
    nuwa_bad_setting "NUWA_IMAGE is not set in $NUWA_DIR/nuwa.env: run the image's Setup label again"
  elif [[ ! $NUWA_IMAGE =~ ^[A-Za-z0-9][A-Za-z0-9:/._@-]*$ ]]; then
    nuwa_bad_setting "NUWA_IMAGE '$NUWA_IMAGE' in $NUWA_DIR/nuwa.env is not an image id or name"
    NUWA_IMAGE=""
  fi
  NUWA_PORT=${NUWA_PORT:-}
  if [ -n "$NUWA_PORT" ] && ! nuwa_is_port "$NUWA_PORT"; then
    nuwa_bad_setting "NUWA_PORT '$NUWA_PORT' in $NUWA_DIR/nuwa.env is not a port number (1-65535)"
    NUWA_PORT=""
  fi
  nuwa_check_path "$NUWA_SYSTEMD_DIR" "NUWA_SYSTEMD_DIR in $NUWA_HOST_CONF"
  nuwa_check_path "$NUWA_MONIT_DIR" "NUWA_MONIT_DIR in $NUWA_HOST_CONF"
  nuwa_check_path "$NUWA_MONITRC" "NUWA_MONITRC in $NUWA_HOST_CONF"
  if [ -n "${CONTAINERS_CONF:-}" ]; then nuwa_check_path "$CONTAINERS_CONF" "CONTAINERS_CONF"; fi

  NUWA_UNIT="nuwa-$NUWA_NAME.service"
  NUWA_UNIT_FILE="$NUWA_SYSTEMD_DIR/$NUWA_UNIT"
  NUWA_MONIT_CHECK="nuwa-$NUWA_NAME"
  NUWA_MONIT_FILE="$NUWA_MONIT_DIR/$NUWA_MONIT_CHECK"
  nuwa_check_container_owner "$NUWA_NAME"
  nuwa_check_file_owner "$NUWA_UNIT_FILE"
  nuwa_check_file_owner "$NUWA_MONIT_FILE"
}
