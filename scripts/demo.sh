#!/usr/bin/env bash
# The demo, in three acts. Acts 1 and 2 take seconds; act 3 (--image) builds the image chain and runs the user's
# tutorial in a sandbox host, which takes a few minutes the first time (debootstrap).
#   bash scripts/demo.sh            acts 1 and 2
#   bash scripts/demo.sh --image    acts 1, 2 and 3
# shellcheck disable=SC2016 # the inner scripts are single-quoted on purpose: they expand inside the namespace
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x dist/nuwa ] || bash scripts/setup.sh
nuwa=$PWD/dist/nuwa
work=$(mktemp -d /tmp/nuwa-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== 1. nuwa init as PID 1 (tini's job): 1,000 orphans, then the main program exits 3"
unshare -p -f --mount-proc -- "$nuwa" init sh -c '
  echo "main program: pid $$, parent $PPID"
  # A subshell starts 1,000 sleeps and exits at once: the sleeps become orphans of PID 1 (nuwa), which reaps them.
  ( i=0; while [ $i -lt 1000 ]; do sleep 0.2 & i=$((i+1)); done )
  echo "orphans now: $(ps -eo ppid=,comm= | grep -c "^ *1 sleep" || true)"
  sleep 1
  echo "zombies left: $(ps -eo stat= | grep -c "^Z" || true)"
  exit 3' || echo "exit code: $?"

echo
echo "== 2. nuwa init supervising a service tree, driven by nuwa's tools and Debian's s6 tools"
mkdir -p "$work/service/web/log" "$work/service/worker" "$work/bin"
ln -s "$nuwa" "$work/bin/svc"; ln -s "$nuwa" "$work/bin/svstat"
cat > "$work/service/web/run" <<'RUN'
#!/bin/sh
echo "web: serving (pid $$)"
exec sleep 100000
RUN
cat > "$work/service/web/log/run" <<RUN
#!/bin/sh
exec $nuwa log t n5 s100000 $work/weblog
RUN
cat > "$work/service/worker/run" <<'RUN'
#!/bin/sh
exec sleep 100000
RUN
chmod +x "$work"/service/*/run "$work/service/web/log/run"
NUWA_SCANDIR=$work/service PATH=$work/bin:$PATH unshare -p -f --mount-proc -- "$nuwa" init sh -c '
  svwait() { i=0; until svstat -o up "$1" 2>/dev/null | grep -q true; do i=$((i+1)); [ $i -gt 200 ] && return 1; sleep 0.05; done; }
  svwait "$NUWA_SCANDIR/web"; svwait "$NUWA_SCANDIR/worker"
  echo "--- svstat (the table of all services)"; svstat
  old=$(svstat -o pid "$NUWA_SCANDIR/worker")
  echo "--- kill -9 the worker (pid $old): nuwa restarts it at once (it had been up, so no 1-second wait as in s6)"
  sleep 1.1; kill -9 "$old"
  until [ "$(svstat -o pid "$NUWA_SCANDIR/worker")" != "$old" ] && [ "$(svstat -o pid "$NUWA_SCANDIR/worker")" != -1 ]; do sleep 0.01; done
  echo "worker: new pid $(svstat -o pid "$NUWA_SCANDIR/worker")"
  echo "--- s6-svc -r web (Debian'"'"'s tool on nuwa'"'"'s supervisor), then s6-svstat"
  s6-svc -r "$NUWA_SCANDIR/web"; sleep 0.3; s6-svstat "$NUWA_SCANDIR/web"
  echo "--- svc -d worker"; svc -d worker; sleep 0.2; svstat worker
  echo "--- the main program exits 0: services are stopped, the container ends"'
echo "--- the web service's log, written by nuwa log with TAI64N stamps:"
cat "$work/weblog/current"

if [ "${1:-}" = --image ]; then
  echo
  echo "== 3. the image path: build the chain, then the user's tutorial in a sandbox host"
  export CONTAINERS_CONF=$PWD/test/fixtures/containers.conf NUWA_HOST_CONF=$work/host/etc/nuwa/host.env
  "$nuwa" nuwa-host init --prefix "$work/host" --monit-interval 1
  BID=$("$nuwa" nuwa-host build layers/app-example | tail -n 1)
  export BID NUWA_PORT=18090
  mkdir "$work/myapp" && cd "$work/myapp"
  bash -c "$(podman inspect -f '{{json .Config.Labels}}' "$BID" | jq -r '.["Setup"]')"
  bin/run
  echo "--- curl http://127.0.0.1:$NUWA_PORT/"; curl -fsS "http://127.0.0.1:$NUWA_PORT/"; echo
  bin/status
  podman stop -t 10 myapp >/dev/null && bin/kill
fi
