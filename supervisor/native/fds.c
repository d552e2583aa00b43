/* Descriptors: pipes, copies, FIFOs, record locks, and the table a chain's final exec gets (remapFds, and the
 * inherited descriptors passed on when no remap was asked for). */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The (fd, exclusive) arguments of lock() and lockWait() as a record lock on the whole file; false after a TypeError
 * naming `usage`. */
static int whole_file_lock(napi_env env, napi_value *argv, const char *usage, int32_t *fd, struct flock *fl) {
  bool exclusive;
  if (!arg_int(env, argv[0], fd) || napi_get_value_bool(env, argv[1], &exclusive) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  *fl = (struct flock){ .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  return 1;
}

/* fcntl record lock on the whole file: s6's clients test supervise/lock with F_GETLK, so flock() would not do. */
napi_value js_lock(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  struct flock fl;
  if (!whole_file_lock(env, argv, "lock(fd, exclusive)", &fd, &fl)) return NULL;
  napi_value result;
  if (fcntl(fd, F_SETLK, &fl) < 0) {
    if (errno == EAGAIN || errno == EACCES) { napi_get_boolean(env, false, &result); return result; }
    return throw_errno(env, "fcntl(F_SETLK)", errno);
  }
  napi_get_boolean(env, true, &result);
  return result;
}

/* Blocking fcntl record lock (F_SETLKW): for a short-lived helper that must wait for a lock before exec'ing a
 * service (lock-fd). Never call it in a long-running process: it blocks the event loop until the lock is free. */
napi_value js_lock_wait(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  struct flock fl;
  if (!whole_file_lock(env, argv, "lockWait(fd, exclusive)", &fd, &fl)) return NULL;
  int r;
  do r = fcntl(fd, F_SETLKW, &fl); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "fcntl(F_SETLKW)", errno);
  return NULL;
}

/* true when another process holds a conflicting record lock: how s6-svok decides "supervised". */
napi_value js_is_locked(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) { napi_throw_type_error(env, NULL, "isLocked(fd)"); return NULL; }
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  if (fcntl(fd, F_GETLK, &fl) < 0) return throw_errno(env, "fcntl(F_GETLK)", errno);
  napi_value result;
  napi_get_boolean(env, fl.l_type != F_UNLCK, &result);
  return result;
}

napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  ARGS(2);
  char path[4096];
  int32_t mode;
  if (!arg_str(env, argv[0], path, sizeof path) || !arg_int(env, argv[1], &mode)) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode)");
    return NULL;
  }
  if (mkfifo(path, (mode_t)mode) < 0) return throw_errno(env, "mkfifo", errno);
  return NULL;
}

/* pipe2(O_CLOEXEC) -> [readFd, writeFd]: a pipe the supervisor holds itself (a service's stdout to its logger's stdin)
 * so that neither side's restart loses a line. Node only makes socketpairs for children. */
napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return throw_errno(env, "pipe2", errno);
  napi_value result, r, w;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, fds[0], &r);
  napi_create_int32(env, fds[1], &w);
  napi_set_element(env, result, 0, r);
  napi_set_element(env, result, 1, w);
  return result;
}

/* dup2(old, new): for PID 1 pointing its own stdout/stderr at the catch-all logger (S6_LOGGING). Node has no dup2. */
napi_value js_dup2(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t from, to;
  if (!arg_int(env, argv[0], &from) || !arg_int(env, argv[1], &to)) {
    napi_throw_type_error(env, NULL, "dup2(oldfd, newfd)");
    return NULL;
  }
  if (dup2(from, to) < 0) return throw_errno(env, "dup2", errno);
  return NULL;
}

/* fcntl(fd, F_DUPFD_CLOEXEC, 3): a private copy of a descriptor (e.g. the console, kept before stdout is redirected). */
napi_value js_dup_cloexec(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "dupCloexec(fd)");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return throw_errno(env, "dupCloexec", errno);
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

/* Node (libuv's uv_disable_stdio_inheritance) marks every descriptor it inherited close-on-exec at startup, stdin,
 * stdout and stderr included. A chain-loading applet (with-contenv in a run script) must pass them on as execline
 * does: a service's notification-fd or lock-fd is one of them. Below the count the entry stub checked, the descriptors
 * open at exec are the inherited ones (start_fds). Above it, or without the stub, Node's own are told apart by kind:
 * event fds (anon_inode:) and self-pipes/socketpairs, whose two ends are both ours (which would also take an inherited
 * pipe whose two ends were both passed for Node's). */
static void keep_inherited_fds(void) {
  uint64_t at_start;
  int below = start_fds(&at_start);
  if (below == 0) { /* no note from the stub: stdin, stdout and stderr, even when /proc is not mounted */
    below = 3;
    at_start = 7;
  }
  char links[256][64];
  int fds[256];
  int n = 0;
  int dirfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0) {
    DIR *dir = fdopendir(dirfd);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL && n < 256) {
      int fd = atoi(e->d_name);
      if (e->d_name[0] == '.' || fd == dirfd) continue;
      ssize_t len = readlinkat(dirfd, e->d_name, links[n], sizeof links[n] - 1);
      if (len < 0) continue;
      links[n][len] = 0;
      fds[n++] = fd;
    }
    if (dir) closedir(dir); else close(dirfd);
  }
  for (int i = 0; i < n; i++) {
    if (fds[i] < below) continue; /* decided by the mask, below */
    if (strncmp(links[i], "anon_inode:", 11) == 0) continue;
    if (strncmp(links[i], "pipe:", 5) == 0 || strncmp(links[i], "socket:", 7) == 0) {
      int both_ends_ours = 0;
      for (int j = 0; j < n; j++) if (j != i && strcmp(links[i], links[j]) == 0) both_ends_ours = 1;
      if (both_ends_ours) continue;
    }
    int flags = fcntl(fds[i], F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fds[i], F_SETFD, flags & ~FD_CLOEXEC);
  }
  for (int fd = 0; fd < below; fd++) {
    if (!(at_start & (UINT64_C(1) << fd))) continue;
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

/* Set by remapFds (below): the descriptor table is the one the next program must get, exactly. */
static int fds_remapped = 0;

/* execline's fd commands, applied at the final exec of an in-process chain (execline/fds.ts). pairs = [to, from, …]:
 * `from` a private close-on-exec descriptor, -1 to close `to`, or `to` itself to pass an inherited descriptor on.
 * Every `from` is first copied above all targets, so that no dup2 can clobber a source still to be used; then the
 * sources and the copies are closed. A descriptor passed on as it is needs no room above it (it is open, so no copy
 * can take its number): an inherited one may lie above the soft RLIMIT_NOFILE, where F_DUPFD would say EINVAL. The table is then exact: execvp no longer guesses which descriptors were
 * inherited (its guess would take a Node pipe whose other end a dup2 replaced for an inherited one). */
napi_value js_remap_fds(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t n;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok || n % 2 != 0 || n > 2048) {
    napi_throw_type_error(env, NULL, "remapFds([to, from, ...])");
    return NULL;
  }
  int32_t pairs[n ? n : 1];
  int base = 3;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    napi_get_element(env, argv[0], i, &el);
    if (!arg_int(env, el, &pairs[i])) {
      napi_throw_type_error(env, NULL, "remapFds: numbers wanted");
      return NULL;
    }
  }
  for (uint32_t i = 0; i < n; i += 2) if (pairs[i + 1] != pairs[i] && pairs[i] >= base) base = pairs[i] + 1;
  int copies[n / 2 + 1];
  for (uint32_t i = 0; i < n; i += 2) {
    copies[i / 2] = -1;
    if (pairs[i + 1] < 0 || pairs[i + 1] == pairs[i]) continue;
    copies[i / 2] = fcntl(pairs[i + 1], F_DUPFD_CLOEXEC, base);
    if (copies[i / 2] < 0) return throw_errno(env, "fcntl", errno);
  }
  for (uint32_t i = 0; i < n; i += 2) if (pairs[i + 1] >= 0 && pairs[i + 1] != pairs[i]) close(pairs[i + 1]);
  for (uint32_t i = 0; i < n; i += 2) {
    if (pairs[i + 1] == pairs[i]) {
      int flags = fcntl(pairs[i], F_GETFD);
      if (flags >= 0) fcntl(pairs[i], F_SETFD, flags & ~FD_CLOEXEC);
    } else if (copies[i / 2] < 0) close(pairs[i]);
    else if (dup2(copies[i / 2], pairs[i]) < 0) return throw_errno(env, "dup2", errno);
  }
  for (uint32_t i = 0; i < n; i += 2) if (copies[i / 2] >= 0) close(copies[i / 2]);
  fds_remapped = 1;
  return NULL;
}

void pass_inherited_fds(void) {
  if (!fds_remapped) keep_inherited_fds();
}
