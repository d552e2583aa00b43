# shellcheck shell=bash disable=SC2034  # (the variables set here are read by bin/deploy and bin/rollback)
# bin/_deploy_lib.sh: the health-gated switch bin/deploy and bin/rollback share. Sourced after _lib.sh and
# _install_lib.sh; deploy_begin runs after nuwa_predicate. Never run on its own.
#
# The live container is always named NUWA_NAME; a kept release is a stopped container named NUWA_NAME-<image id, 12
# characters>, labelled with this app folder like every container of the app. APPDIR/.nuwa-releases records when each
# container went live (one line each: UTC time, container id, image id), for bin/releases and bin/rollback.
#
# Settings (nuwa.env, or host.env for every app):
#   NUWA_DEPLOY_TIMEOUT (60)    seconds the new container has to become healthy
#   NUWA_HEALTH_SUCCESSES (3)   consecutive 2xx answers of the health URL (label nuwa.health, else /) that count
#   NUWA_HEALTH_INTERVAL (1)    seconds between two probes
#   NUWA_DRAIN_TIMEOUT (30)     seconds the old container's in-flight requests get once nginx has switched
#   NUWA_KEEP_RELEASES (3)      kept releases; older ones (and the images only they use) are removed
#   NUWA_PORT_RANGE (8001-8999) where the new container's loopback port is chosen

DEPLOY_T0=$SECONDS

# One line per step, with the time since the start.
deploy_step() { nuwa_say "[$((SECONDS - DEPLOY_T0))s] $*"; }

deploy_number() { # NAME DEFAULT: the setting NAME, checked to be a whole number
  local value=${!1:-$2}
  [[ $value =~ ^[0-9]+(\.[0-9]+)?$ ]] || nuwa_die "$1 '$value' is not a number"
  printf '%s' "$value"
}

# The deploy lock: a folder made atomically (mkdir), naming who holds it and since when. It outlives a killed deploy
# (unlike the flock every script takes), so it names what to check before removing it by hand.
deploy_lock() {
  local lock="$NUWA_DIR/.nuwa-deploy.lock" holder pid
  if ! mkdir "$lock" 2>/dev/null; then
    holder=$(cat -- "$lock/holder" 2>/dev/null || echo "unknown (no $lock/holder)")
    pid=$(sed -n 's/.*pid \([0-9]*\).*/\1/p' <<<"$holder")
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      nuwa_die "the deploy lock $lock is held by $holder, but that process is gone: a killed deploy left it; check bin/status, then rm -r $lock"
    fi
    nuwa_die "another deploy or rollback of $NUWA_NAME is running ($holder): wait for it; if it is stuck, stop it, then rm -r $lock"
  fi
  nuwa_cleanup rm -rf -- "$lock" # registered first: removed last when this run fails
  printf '%s by %s (pid %s), since %s\n' "$NUWA_SCRIPT" "$(id -un)" "$$" "$(date -u +%FT%TZ)" >"$lock/holder"
  DEPLOY_LOCK=$lock
}
deploy_unlock() { rm -rf -- "$DEPLOY_LOCK" "$DEPLOY_ENV_COPY"; }

deploy_begin() {
  DEPLOY_TIMEOUT=$(deploy_number NUWA_DEPLOY_TIMEOUT 60)
  DEPLOY_SUCCESSES=$(deploy_number NUWA_HEALTH_SUCCESSES 3)
  DEPLOY_INTERVAL=$(deploy_number NUWA_HEALTH_INTERVAL 1)
  DEPLOY_DRAIN=$(deploy_number NUWA_DRAIN_TIMEOUT 30)
  DEPLOY_KEEP=$(deploy_number NUWA_KEEP_RELEASES 3)
  deploy_lock
  nuwa_lock
  # NUWA_PORT and NUWA_IMAGE change with the live container; a failure puts them back.
  DEPLOY_ENV_COPY=$(mktemp "$NUWA_DIR/.nuwa.env.XXXXXX")
  nuwa_cleanup rm -f -- "$DEPLOY_ENV_COPY"
  cp -p -- "$NUWA_DIR/nuwa.env" "$DEPLOY_ENV_COPY"
  nuwa_cleanup cp -p -- "$DEPLOY_ENV_COPY" "$NUWA_DIR/nuwa.env"
  DEPLOY_NEXT="$NUWA_NAME-next"
  nuwa_check_container_owner "$DEPLOY_NEXT"
  if podman container exists "$DEPLOY_NEXT"; then
    nuwa_say "removing $DEPLOY_NEXT, left by a deploy that was killed"
    podman rm -f -t 5 "$DEPLOY_NEXT" >/dev/null
  fi
  [ "$(nuwa_container_state)" = running ] ||
    nuwa_die "container $NUWA_NAME is $(nuwa_container_state), not running: there is nothing to switch from (bin/run starts an app; bin/start starts it again)"
  # nginx mode: bin/install put a site in front of the container. Without one, the switch is on the app's own port.
  DEPLOY_NGINX=0
  if command -v nginx >/dev/null; then
    tls_config domain-optional
    if [ -e "$TLS_SITE_LINK" ] && grep -q -F "proxy_pass http://127.0.0.1:$NUWA_PORT;" -- "$TLS_SITE_FILE"; then
      tls_nginx_running || nuwa_die "nginx is not running, but the site $TLS_SITE_FILE sends $NUWA_NAME's visitors through it: start nginx first (nothing changed)"
      DEPLOY_NGINX=1
    fi
  fi
}

deploy_logs() { # NAME: the last lines of its output, on a failure
  nuwa_say "the last log lines of $1:"
  podman logs --tail 40 "$1" >&2 2>&1 || true
}

# Waits until container NAME, published on PORT, is healthy: nuwa inside it (when the image has nuwa) reports every
# service up and ready, and the health URL answers 2xx DEPLOY_SUCCESSES times in a row. Dies (with the container's
# last log lines) when it stops or the deadline passes.
deploy_wait_healthy() { # NAME PORT
  local name=$1 url="http://127.0.0.1:$2${NUWA_IMG_HEALTH:-/}" ok=0 nuwa=yes code why="" state rc
  local deadline=$((SECONDS + ${DEPLOY_TIMEOUT%.*}))
  while :; do
    state=$(podman container inspect -f '{{.State.Status}}' "$name" 2>/dev/null || echo absent)
    if [ "$state" != running ]; then
      deploy_logs "$name"
      nuwa_die "the new container $name is $state instead of running (its last log lines are above); nothing switched"
    fi
    rc=0
    if [ "$nuwa" = yes ]; then podman exec "$name" nuwa health >/dev/null 2>&1 || rc=$?; fi
    if [ "$rc" = 127 ]; then
      nuwa=no
      deploy_step "$name has no nuwa inside: its health URL alone decides"
      rc=0
    fi
    # 111: no supervision tree to read (an image that runs its CMD under /init without services, or one that has not
    # made its tree yet): the URL decides this round, and nuwa is asked again at the next.
    [ "$rc" != 111 ] || rc=0
    if [ "$rc" != 0 ]; then
      ok=0 why="nuwa health in $name reports a service not up or not ready"
    else
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" 2>/dev/null) || true
      if [[ $code == 2?? ]]; then
        ok=$((ok + 1))
      else
        ok=0 why="$url answered ${code/#000/nothing (no connection, or no answer within 5 s)}"
      fi
    fi
    [ "$ok" -lt "$DEPLOY_SUCCESSES" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      deploy_logs "$name"
      nuwa_die "$name did not become healthy within ${DEPLOY_TIMEOUT}s (NUWA_DEPLOY_TIMEOUT): $why; nothing switched, $NUWA_NAME keeps serving"
    fi
    sleep "$DEPLOY_INTERVAL"
  done
}

# nginx's worker processes (pids), as children of its master.
deploy_nginx_workers() {
  local master
  master=$(cat -- "$TLS_NGINX_PID")
  ps -o pid=,args= --ppid "$master" | awk '/worker process/ { print $1 }'
}

# Points the nginx site at PORT and reloads nginx; returns once every worker of the old configuration has finished
# its requests and exited (then no request can reach the old port any more), or after DEPLOY_DRAIN seconds.
deploy_nginx_switch() { # PORT
  local old_workers w left deadline
  old_workers=$(deploy_nginx_workers)
  tls_remember "$TLS_SITE_FILE"
  nuwa_undo tls_reload_after_undo
  sed "s|proxy_pass http://127.0.0.1:$NUWA_PORT;|proxy_pass http://127.0.0.1:$1;|" -- "$TLS_SITE_FILE" | tls_put_file "$TLS_SITE_FILE" 644
  tls_nginx_test || nuwa_die "nginx's configuration test (nginx -t) fails with the switched site (its message is above); nothing switched"
  tls_nginx_reload || nuwa_die "nginx did not accept the reload (its message is above); nothing switched"
  deploy_step "nginx now sends new requests to 127.0.0.1:$1; draining the old workers (NUWA_DRAIN_TIMEOUT ${DEPLOY_DRAIN}s)"
  deadline=$((SECONDS + ${DEPLOY_DRAIN%.*}))
  while :; do
    left=""
    for w in $old_workers; do if kill -0 "$w" 2>/dev/null; then left="$left $w"; fi; done
    [ -n "$left" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      # Old workers still busy: fine once nginx runs new ones (requests longer than the drain time are cut); none new
      # means nginx never took the new configuration.
      for w in $(deploy_nginx_workers); do
        if [[ " $old_workers " != *" $w "* ]]; then
          nuwa_warn "requests still running on the old container after ${DEPLOY_DRAIN}s (NUWA_DRAIN_TIMEOUT): they are cut"
          return 0
        fi
      done
      nuwa_die "nginx did not start workers with the switched site within ${DEPLOY_DRAIN}s (see its error log); nothing switched"
    fi
    sleep 0.1
  done
}

# monit must not restart (or report) a container stopped on purpose: it is told before, and told again after.
deploy_monit_unmonitor() {
  [ -e "$NUWA_MONIT_FILE" ] && tls_monit_knows || return 0
  tls_monit_unmonitor ''
}

deploy_kept_name() { # CONTAINER: the name it keeps as a release, from its image
  printf '%s-%s' "${NUWA_NAME:0:50}" "$(podman container inspect -f '{{.Image}}' "$1" | cut -c1-12)"
}

# The old live container (stopped by now) becomes a kept release; NEW becomes NUWA_NAME, listening on PORT.
deploy_rename() { # NEW PORT
  local kept
  kept=$(deploy_kept_name "$NUWA_NAME")
  if [ "$kept" != "$1" ] && podman container exists "$kept"; then # an older copy of the same image: one is enough
    nuwa_check_container_owner "$kept"
    podman rm -f "$kept" >/dev/null
  fi
  podman rename "$NUWA_NAME" "$kept"
  nuwa_undo podman rename "$kept" "$NUWA_NAME"
  podman rename "$1" "$NUWA_NAME"
  nuwa_undo podman rename "$NUWA_NAME" "$1"
  deploy_step "kept the old release as $kept (stopped; bin/rollback returns to it)"
  if [ "$2" != "$NUWA_PORT" ]; then
    nuwa_conf_set "$NUWA_DIR/nuwa.env" NUWA_PORT "$2"
    NUWA_PORT=$2
  fi
}

# The systemd unit and the monit check follow the live container (its conmon pidfile, its port).
deploy_supervision() {
  local pidfile
  pidfile=$(podman container inspect -f '{{.ConmonPidFile}}' "$NUWA_NAME")
  nuwa_check_path "$pidfile" "podman's conmon pidfile"
  nuwa_unit_text | tls_put_file "$NUWA_UNIT_FILE" 644
  nuwa_monit_text "$pidfile" "$NUWA_PORT" "$NUWA_IMG_HEALTH" | tls_put_file "$NUWA_MONIT_FILE" 600
  if nuwa_systemd_running; then
    systemctl daemon-reload
    systemctl enable "$NUWA_UNIT" >/dev/null 2>&1 || true
    systemctl start "$NUWA_UNIT" # podman start of a running container: systemd adopts the new conmon
  fi
  if nuwa_monit status >/dev/null 2>&1 && nuwa_monit_reload; then # (a monit that is not running reads it when it starts)
    # monit keeps a check's "not monitored" across a reload: tell it again once it has the new check.
    local deadline=$((SECONDS + 30))
    until nuwa_monit monitor "$NUWA_MONIT_CHECK" >/dev/null 2>&1 &&
      nuwa_monit status "$NUWA_MONIT_CHECK" 2>/dev/null | grep -q '^ *monitoring status *\(Monitored\|Initializing\)'; do
      [ "$SECONDS" -lt "$deadline" ] || {
        nuwa_warn "monit did not take up $NUWA_MONIT_CHECK again within 30s: monit -c $NUWA_MONITRC monitor $NUWA_MONIT_CHECK"
        break
      }
      sleep 0.2
    done
  fi
  deploy_step "moved $NUWA_UNIT and the monit check $NUWA_MONIT_CHECK to the new container"
}

# Switches from the live container to container NEW (created or running, published on PORT), health-gated.
deploy_cutover() { # NEW PORT
  local new=$1 port=$2 t
  if [ "$(podman container inspect -f '{{.State.Status}}' "$new")" != running ]; then
    if [ "$DEPLOY_NGINX" = 0 ] && [ "$port" = "$NUWA_PORT" ]; then
      # Without nginx the new container needs the old one's port: the gap starts now.
      deploy_monit_unmonitor
      podman stop -t 10 "$NUWA_NAME" >/dev/null
      nuwa_undo tls_podman_start
      t=$SECONDS
      deploy_step "stopped $NUWA_NAME: port $NUWA_PORT is not served until $new is healthy"
    fi
    podman start "$new" >/dev/null 9>&- || nuwa_die "podman could not start $new (its message is above); nothing switched"
    nuwa_undo podman stop -t 5 "$new"
  fi
  deploy_step "started $new on 127.0.0.1:$port; waiting until it is healthy (${DEPLOY_SUCCESSES} answers in a row, NUWA_DEPLOY_TIMEOUT ${DEPLOY_TIMEOUT}s)"
  deploy_wait_healthy "$new" "$port"
  deploy_step "$new is healthy"
  if [ "$DEPLOY_NGINX" = 1 ]; then
    deploy_nginx_switch "$port"
    deploy_monit_unmonitor
    podman stop -t 10 "$NUWA_NAME" >/dev/null
    nuwa_undo tls_podman_start
  elif [ -n "${t:-}" ]; then
    deploy_step "port $NUWA_PORT was not served for $((SECONDS - t))s: without nginx (bin/install) nothing holds requests while the port changes hands, so this is not zero-downtime"
  fi
  deploy_step "stopped the old container"
  deploy_rename "$new" "$port"
  deploy_supervision
  nuwa_record_live
}

# Keeps the NUWA_KEEP_RELEASES newest kept releases; removes older ones and the images no container uses any more.
deploy_prune() {
  local name image
  deploy_kept | tail -n +"$((${DEPLOY_KEEP%.*} + 1))" | while read -r name image; do
    podman rm "$name" >/dev/null 2>&1 || continue
    deploy_step "pruned the release $name (NUWA_KEEP_RELEASES=$DEPLOY_KEEP)"
    if [ -z "$(podman ps -a -q --filter "ancestor=$image")" ]; then
      if podman rmi "$image" >/dev/null 2>&1; then deploy_step "removed its image ${image:0:12}, used by no container"; fi
    fi
  done
  deploy_prune_secrets
}

# The app's secrets that no container of the app uses any more: a changed value's old one, once the releases made
# with it are pruned (it would keep the old password in podman's store). Podman 4.3's inspect does not list a
# container's secrets; its create command, written by nuwa_create, does.
deploy_prune_secrets() {
  local used name
  used=$(podman ps -a -q --filter "label=nuwa.dir=$NUWA_DIR" |
    xargs -r podman container inspect -f '{{range .Config.CreateCommand}}{{.}} {{end}}')
  while read -r name; do
    [[ $used != *"--secret $name,"* ]] || continue
    if podman secret rm "$name" >/dev/null 2>&1; then deploy_step "removed the secret $name: no release uses it"; fi
  done < <(nuwa_app_secrets)
}

# Kept releases, newest (most recently live) first: "NAME IMAGE-ID" lines.
deploy_kept() {
  local id name image
  podman ps -a --no-trunc --filter "label=nuwa.dir=$NUWA_DIR" --format '{{.ID}} {{.Names}} {{.ImageID}}' |
    while read -r id name image; do
      if [ "$name" = "$NUWA_NAME" ] || [ "$name" = "$NUWA_NAME-next" ]; then continue; fi
      printf '%s %s %s\n' "$(deploy_went_live "$id")" "$name" "$image"
    done | sort -r | cut -d' ' -f2-
}

deploy_went_live() { # CONTAINER-ID: when it last went live ("" when never)
  [ -e "$NUWA_DIR/.nuwa-releases" ] || return 0
  awk -v id="$1" '$2 == id { t = $1 } END { print t }' "$NUWA_DIR/.nuwa-releases"
}

deploy_host_port() { # CONTAINER: the port on 127.0.0.1 it publishes
  podman container inspect -f '{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostPort}}{{end}}{{end}}' "$1"
}
