/*
 * The services' spawn path: clone(CLONE_VM | CLONE_VFORK) + exec, as glibc's posix_spawn does it, with the child's
 * set-up done in the child. libuv's spawn (child_process) makes a socketpair and an exec-error pipe and fork()s the
 * whole ~50 MB process, copying its page tables: most of a restart's cost. Here the child borrows the parent's memory
 * until it execs (the parent thread is suspended meanwhile), so nothing is copied.
 *
 * The child, in this order: every signal's disposition back to default (it starts with every signal blocked, so no
 * handler of Node's can run in it while it shares Node's memory), a new session unless told otherwise, its fds put in
 * place (everything else close-on-exec), the start limits (sys/start-limits.ts), the working directory, then the
 * signal mask emptied and the exec. A failed step's errno is written into the parent's memory (shared until the exec)
 * and the child _exits: the parent reaps it at once and throws that errno, which the spawner turns into 126/127.
 */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Highest fd count a child may be given (settings.ts: MAX_CHILD_FD is 1023). */
#define MAX_FDS 1024
#define STACK_SIZE (256 * 1024)

struct plan {
  const char *file;
  char **argv;
  char **envp;
  const char *cwd; /* NULL: ours */
  int new_session;
  int nfds;
  const int *fds; /* the child's fd i is our fd fds[i]; -1: closed */
  int detach;      /* double fork: the program is started by a child that exits at once (execline's background -d) */
  char *grandchild_stack;
  volatile pid_t grandchild;
  volatile int err;
};

/* When close_range(CLOSE_RANGE_CLOEXEC) is missing (Linux < 5.11): every possible fd, one fcntl each. */
static void cloexec_all_slowly(void) {
  struct rlimit rl;
  long last = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : 65536;
  if (last > 65536) last = 65536;
  for (int fd = 0; fd < last; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

/* The plan's fds at their numbers: each source is copied above the highest target first, so that putting one in place
 * never overwrites a source still to come (stdout going to fd 0's file and stdin to fd 1's, say). */
static int place_fds(const struct plan *p) {
  int copy[MAX_FDS];
  int floor = p->nfds > 3 ? p->nfds : 3;
  for (int i = 0; i < p->nfds; i++) {
    copy[i] = -1;
    if (p->fds[i] >= 0 && (copy[i] = fcntl(p->fds[i], F_DUPFD_CLOEXEC, floor)) < 0) return -1;
  }
  if (syscall(SYS_close_range, 0U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) cloexec_all_slowly();
  for (int i = 0; i < p->nfds; i++) {
    if (copy[i] >= 0) {
      if (dup2(copy[i], i) < 0) return -1; /* dup2 clears close-on-exec on its target */
    } else {
      close(i);
    }
  }
  return 0;
}

/* The value of `name` in envp (which PATH to search is the child's, as execvpe and libuv have it). */
static const char *env_value(char **envp, const char *name, size_t len) {
  for (char **e = envp; *e; e++) if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
  return NULL;
}

/* execve, searching PATH when `file` has no slash. Unlike execvp, no retry with /bin/sh on ENOEXEC: a script without
 * a shebang is an error, as it is for libuv and s6. Returns only on failure, with errno set. */
static void exec_file(const struct plan *p) {
  if (strchr(p->file, '/')) {
    execve(p->file, p->argv, p->envp);
    return;
  }
  const char *path = env_value(p->envp, "PATH", 4);
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  size_t flen = strlen(p->file);
  int saw_eacces = 0;
  char buf[4096];
  for (const char *dir = path;; dir++) {
    const char *end = strchrnul(dir, ':');
    size_t dlen = (size_t)(end - dir);
    if (dlen + flen + 2 <= sizeof buf) {
      memcpy(buf, dir, dlen);
      size_t at = dlen;
      if (dlen > 0) buf[at++] = '/';
      memcpy(buf + at, p->file, flen + 1);
      execve(buf, p->argv, p->envp);
      if (errno == EACCES) saw_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return;
    }
    if (*end == 0) break;
    dir = end;
  }
  errno = saw_eacces ? EACCES : ENOENT;
}

static int child_main(void *arg) {
  struct plan *p = arg;
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
  if (p->new_session && setsid() < 0) goto fail;
  if (place_fds(p) < 0) goto fail;
  restore_nofile();
  if (p->cwd && chdir(p->cwd) < 0) goto fail;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  exec_file(p);
fail:
  p->err = errno ? errno : EINVAL;
  _exit(127);
}

/* The intermediate child of a double fork: starts the program as its own child (CLONE_VFORK: it resumes once that
 * has exec'd or failed, its errno then in the plan) and exits, so that the program is reparented at once. */
static int intermediate_main(void *arg) {
  struct plan *p = arg;
  pid_t pid = clone(child_main, p->grandchild_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, p);
  if (pid < 0) p->err = errno;
  else p->grandchild = pid;
  _exit(0);
}

/* Strings of a JS array, NULL-terminated, in one allocation (freed by the caller); NULL on a bad argument. */
static char **string_array(napi_env env, napi_value array) {
  uint32_t n;
  if (napi_get_array_length(env, array, &n) != napi_ok || n > 65536) return NULL;
  size_t bytes = (n + 1) * sizeof(char *);
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    size_t len;
    napi_get_element(env, array, i, &el);
    if (napi_get_value_string_utf8(env, el, NULL, 0, &len) != napi_ok) return NULL;
    bytes += len + 1;
  }
  char **out = malloc(bytes);
  if (out == NULL) return NULL;
  char *at = (char *)(out + n + 1);
  char *end = (char *)out + bytes;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    size_t len;
    napi_get_element(env, array, i, &el);
    napi_get_value_string_utf8(env, el, at, (size_t)(end - at), &len);
    out[i] = at;
    at += len + 1;
  }
  out[n] = NULL;
  return out;
}

/* The spawn's errno thrown, with the program's pid when it was started (a detached one that failed its exec). */
static napi_value throw_spawn_error(napi_env env, int e, pid_t pid) {
  throw_errno(env, "spawn", e);
  if (pid <= 0) return NULL;
  napi_value error, num;
  napi_get_and_clear_last_exception(env, &error);
  napi_create_int32(env, pid, &num);
  napi_set_named_property(env, error, "pid", num);
  napi_throw(env, error);
  return NULL;
}

/* clone + wait for the exec (or the child's failure). Every signal is blocked around it: the child must not run a
 * handler of ours while it shares our memory, and it unblocks them itself once their dispositions are default.
 * Detached (double fork): the intermediate child is reaped here and the program's pid returned, with its exec's
 * errno in *err (the program then exits 127 as an orphan, as execline's grandchild does). */
static pid_t clone_and_exec(struct plan *p, int *err) {
  static void *stack;
  if (stack == NULL) {
    void *m = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) { *err = errno; return -1; }
    stack = m; /* kept: the parent is suspended while a child uses it, so one stack serves every spawn */
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  p->err = 0;
  p->grandchild = -1;
  p->grandchild_stack = (char *)stack + STACK_SIZE / 2; /* the intermediate runs on the upper half */
  pid_t pid = clone(p->detach ? intermediate_main : child_main, (char *)stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, p);
  *err = pid < 0 ? errno : p->err;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid > 0 && p->detach) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return p->grandchild;
  }
  if (pid > 0 && *err != 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return -1;
  }
  return pid;
}

/* spawn(file, argv, env | null, cwd | null, fds, newSession, detach?) -> pid. Throws the exec's (or a set-up step's)
 * errno; detached, the thrown error carries the program's `pid` when it was started. */
napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char file[4096], cwd[4096];
  size_t got;
  napi_valuetype env_type, cwd_type;
  bool new_session;
  uint32_t nfds;
  if (argc < 6 || napi_get_value_string_utf8(env, argv[0], file, sizeof file, &got) != napi_ok || got >= sizeof file - 1 ||
      napi_typeof(env, argv[2], &env_type) != napi_ok || napi_typeof(env, argv[3], &cwd_type) != napi_ok ||
      napi_get_array_length(env, argv[4], &nfds) != napi_ok || nfds > MAX_FDS ||
      napi_get_value_bool(env, argv[5], &new_session) != napi_ok) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env | null, cwd | null, fds, newSession)");
    return NULL;
  }
  int fds[MAX_FDS];
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value el;
    napi_get_element(env, argv[4], i, &el);
    if (napi_get_value_int32(env, el, &fds[i]) != napi_ok) fds[i] = -1;
  }
  bool detach = false;
  if (argc >= 7) napi_get_value_bool(env, argv[6], &detach);
  int has_cwd = cwd_type == napi_string;
  if (has_cwd && (napi_get_value_string_utf8(env, argv[3], cwd, sizeof cwd, &got) != napi_ok || got >= sizeof cwd - 1)) {
    napi_throw_type_error(env, NULL, "spawn: cwd too long");
    return NULL;
  }
  char **args = string_array(env, argv[1]);
  char **envp = env_type == napi_object ? string_array(env, argv[2]) : NULL;
  if (args == NULL || args[0] == NULL || (env_type == napi_object && envp == NULL)) {
    free(args);
    free(envp);
    napi_throw_type_error(env, NULL, "spawn: argv (not empty) and env must be arrays of strings");
    return NULL;
  }
  struct plan p = {
    .file = file, .argv = args, .envp = envp ? envp : environ, .cwd = has_cwd ? cwd : NULL,
    .new_session = new_session, .nfds = (int)nfds, .fds = fds, .detach = detach,
  };
  int err;
  pid_t pid = clone_and_exec(&p, &err);
  free(args);
  free(envp);
  if (pid < 0 || err != 0) return throw_spawn_error(env, err ? err : EAGAIN, pid);
  napi_value result;
  napi_create_int32(env, pid, &result);
  return result;
}

/* The writer's body: every signal at its default and unblocked (a reader that went away kills it with SIGPIPE, as it
 * would execline's), no descriptor but the standard ones and `fd`, the data written whole, then _exit. The process is
 * a fork of a multi-threaded one: nothing here allocates or takes a lock. */
static void writer_main(int fd, const char *data, size_t len) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (fd > 3) syscall(SYS_close_range, 3U, (unsigned)fd - 1, 0U);
  syscall(SYS_close_range, (unsigned)fd + 1, ~0U, 0U);
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) _exit(111);
    data += w;
    len -= (size_t)w;
  }
  _exit(0);
}

/* forkWriter(fd, data, detach) -> pid: a forked process writes `data` to `fd` (execline's heredoc writer). Detached,
 * it is a grandchild (its parent exits at once, reaped here), and its pid comes back through a pipe. */
napi_value js_fork_writer(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  void *data;
  size_t len;
  bool detach;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || napi_get_value_bool(env, argv[2], &detach) != napi_ok) {
    napi_throw_type_error(env, NULL, "forkWriter(fd, buffer, detach)");
    return NULL;
  }
  int report[2];
  if (detach && pipe2(report, O_CLOEXEC) < 0) return throw_errno(env, "pipe2", errno);
  pid_t pid = fork();
  if (pid == 0) {
    if (detach) {
      pid_t writer = fork();
      if (writer != 0) {
        if (write(report[1], &writer, sizeof writer) < 0) _exit(111);
        _exit(0);
      }
    }
    writer_main(fd, data, len);
  }
  int e = errno;
  if (detach) {
    close(report[1]);
    pid_t writer = -1;
    if (pid > 0) {
      int status;
      if (read(report[0], &writer, sizeof writer) != (ssize_t)sizeof writer) writer = -1;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
      if (writer < 0) e = EAGAIN;
    }
    close(report[0]);
    pid = pid > 0 ? writer : -1;
  }
  if (pid < 0) return throw_errno(env, "fork", e);
  napi_value result;
  napi_create_int32(env, pid, &result);
  return result;
}
