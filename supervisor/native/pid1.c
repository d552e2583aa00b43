/*
 * pid1.c: what PID 1 does natively: waiting for dead children, passing signals on, and its own end.
 */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* A bound on the pids libuv waits for at once (CMD, oneshots, hooks: a handful in practice). */
#define SKIP_MAX 4096

static int skipped(pid_t pid, const int32_t *skip, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (skip[i] == pid) return 1;
  return 0;
}

/* reapDead(skip: number[]) -> { reaped: [pid, status, pid, status, ...], blocked: boolean }
 *
 * Waits for every dead child whose pid is not in `skip` (libuv's children: it waits for each itself, and a status
 * taken from it is lost for good), without listing the living ones. waitid(P_ALL, WNOWAIT) names a dead child and
 * leaves it a zombie; one not in `skip` is then waited for by its pid. The cost is one call per dead child, where
 * listing /proc/self/task/N/children and trying each pid costs one call per living child at every SIGCHLD: with
 * 1,000 orphans dying together, that is most of PID 1's work.
 * waitid always names the first dead child it finds, so a dead child of libuv's (its SIGCHLD not handled yet) hides
 * the ones behind it: `blocked` says so, and the caller then tries each child by pid as before. */
napi_value js_reap_dead(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok || n > SKIP_MAX) {
    napi_throw_type_error(env, NULL, "reapDead(skip: number[])");
    return NULL;
  }
  int32_t skip[SKIP_MAX];
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || napi_get_value_int32(env, v, &skip[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "reapDead: skip holds pids");
      return NULL;
    }
  }
  napi_value reaped, result, flag;
  napi_create_array(env, &reaped);
  uint32_t count = 0;
  int blocked = 0;
  for (;;) {
    siginfo_t si;
    si.si_pid = 0;
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: no child at all */
    }
    if (si.si_pid == 0) break; /* none dead */
    if (skipped(si.si_pid, skip, n)) {
      blocked = 1;
      break;
    }
    int status;
    pid_t r;
    do r = waitpid(si.si_pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r <= 0) { /* cannot happen (only this thread waits): the caller's pid-by-pid pass then decides */
      blocked = 1;
      break;
    }
    napi_value p, s;
    napi_create_int32(env, r, &p);
    napi_create_int32(env, status, &s);
    napi_set_element(env, reaped, count++, p);
    napi_set_element(env, reaped, count++, s);
  }
  napi_create_object(env, &result);
  napi_get_boolean(env, blocked, &flag);
  napi_set_named_property(env, result, "reaped", reaped);
  napi_set_named_property(env, result, "blocked", flag);
  return result;
}

/*
 * Passing signals on from the signal handler itself, as tini does from its loop: the main program gets SIGTERM
 * within microseconds, instead of after the event loop has woken and run JavaScript (1-5 ms on a busy machine).
 * Our handler is chained in front of libuv's, which still runs, so JavaScript hears every signal as before (to start
 * its grace timer) but no longer passes it on itself. The target is a pidfd, opened while the main program cannot
 * have been reaped (right after its spawn): once reaped, a signal to it fails with ESRCH instead of reaching another
 * process that was given the same pid. Without pidfds (Linux < 5.3) kill() is used, which has that small window.
 */
#define NSIG_MAX 65
static struct sigaction chained[NSIG_MAX]; /* libuv's handler, run after ours */
static volatile sig_atomic_t forwarding[NSIG_MAX];
static volatile sig_atomic_t forwarded[NSIG_MAX]; /* how many of each were passed on from here */
static volatile int target_pidfd = -1;
static volatile pid_t target_pid = 0;

static void forward(int sig, siginfo_t *info, void *context) {
  if (sig <= 0 || sig >= NSIG_MAX) return; /* never installed for such a number */
  int saved = errno;
  if (forwarding[sig]) {
    forwarded[sig]++;
    if (target_pidfd < 0 || (syscall(SYS_pidfd_send_signal, target_pidfd, sig, NULL, 0) < 0 && errno == ENOSYS))
      kill(target_pid, sig);
  }
  errno = saved;
  const struct sigaction *next = &chained[sig];
  if (next->sa_flags & SA_SIGINFO) next->sa_sigaction(sig, info, context);
  else if (next->sa_handler != SIG_DFL && next->sa_handler != SIG_IGN) next->sa_handler(sig);
}

/* forwardSignals(pid, signals: number[]) -> boolean: from now on each of `signals` is sent on to `pid` as it arrives.
 * Every one must already have a handler (a JS listener): ours runs before it. False, changing nothing, when one has
 * none, or when forwarding is already on. */
napi_value js_forward_signals(napi_env env, napi_callback_info info) {
  ARGS(2);
  napi_value result;
  int32_t pid;
  uint32_t n;
  if (!arg_int(env, argv[0], &pid) || pid <= 0 ||
      napi_get_array_length(env, argv[1], &n) != napi_ok || n >= NSIG_MAX) {
    napi_throw_type_error(env, NULL, "forwardSignals(pid, signals: number[])");
    return NULL;
  }
  int32_t sigs[NSIG_MAX];
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    struct sigaction current;
    if (napi_get_element(env, argv[1], i, &v) != napi_ok || napi_get_value_int32(env, v, &sigs[i]) != napi_ok ||
        sigs[i] <= 0 || sigs[i] >= NSIG_MAX || forwarding[sigs[i]] || sigaction(sigs[i], NULL, &current) < 0 ||
        (!(current.sa_flags & SA_SIGINFO) && (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN))) {
      napi_get_boolean(env, 0, &result);
      return result;
    }
  }
  target_pid = pid;
  target_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  for (uint32_t i = 0; i < n; i++) {
    int sig = sigs[i];
    struct sigaction ours;
    sigaction(sig, NULL, &chained[sig]);
    ours = chained[sig];
    ours.sa_sigaction = forward;
    ours.sa_flags |= SA_SIGINFO;
    forwarding[sig] = 1;
    sigaction(sig, &ours, NULL);
  }
  napi_get_boolean(env, 1, &result);
  return result;
}

/* forwardedCount(signal) -> how many times `signal` was passed on by forward() since the process started. */
napi_value js_forwarded_count(napi_env env, napi_callback_info info) {
  ARGS(1);
  napi_value result;
  int32_t sig;
  if (!arg_int(env, argv[0], &sig) || sig <= 0 || sig >= NSIG_MAX) {
    napi_throw_type_error(env, NULL, "forwardedCount(signal: number)");
    return NULL;
  }
  napi_create_int32(env, forwarded[sig], &result);
  return result;
}

/* stopForwarding(): libuv's handlers back in place (where ours still is), and the target forgotten. */
napi_value js_stop_forwarding(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  for (int sig = 1; sig < NSIG_MAX; sig++) {
    if (!forwarding[sig]) continue;
    forwarding[sig] = 0;
    struct sigaction current;
    if (sigaction(sig, NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == forward)
      sigaction(sig, &chained[sig], NULL);
  }
  if (target_pidfd >= 0) close(target_pidfd);
  target_pidfd = -1;
  target_pid = 0;
  return NULL;
}

/* _exit(code): ends the process at once, without Node's teardown (joining its threads, freeing its heaps, running
 * destructors). For PID 1 whose work is done: the container is gone that much sooner. */
napi_value js_exit_now(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t code = 0;
  if (!arg_int(env, argv[0], &code)) {
    napi_throw_type_error(env, NULL, "exitNow(code)");
    return NULL;
  }
  _exit(code & 0xff);
}
