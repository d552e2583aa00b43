#!/usr/bin/env bash
# The demo: nuwa as a real PID 1 in a fresh PID namespace, with an orphan storm and a graceful stop.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x dist/nuwa ] || bash scripts/setup.sh

echo "== nuwa init as PID 1: 1,000 orphans, then the main program exits 3"
unshare -p -f --mount-proc -- dist/nuwa init sh -c '
  echo "main program: pid $$, parent $PPID"
  # A subshell starts 1,000 sleeps and exits at once: the sleeps become orphans of PID 1 (nuwa), which must reap them.
  ( i=0; while [ $i -lt 1000 ]; do sleep 0.2 & i=$((i+1)); done )
  echo "orphans now: $(ps -eo ppid=,comm= | grep -c "^ *1 sleep" || true)"
  sleep 1
  echo "zombies left: $(ps -eo stat= | grep -c "^Z" || true)"
  exit 3' || echo "exit code: $?"

echo
echo "== SIGTERM to PID 1 is passed on; a main program that ignores it is killed after S6_KILL_GRACETIME"
S6_KILL_GRACETIME=1000 unshare -p -f --mount-proc -- dist/nuwa init sh -c 'trap "" TERM; echo "ignoring SIGTERM"; while :; do sleep 1; done' &
sleep 0.5
pkill -TERM -f "dist/nuwa init sh -c trap" || true
wait $! || echo "exit code: $? (128+9: SIGKILL)"
