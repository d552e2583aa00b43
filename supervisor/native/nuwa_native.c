/*
 * The few syscalls Node.js does not expose, and nothing else.
 * Each function is a thin, synchronous wrapper: policy lives in TypeScript (supervisor/src/sys/).
 * Errors are thrown as JS errors carrying `code` (e.g. "EAGAIN") and `errno`, like Node's own fs errors.
 */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errno_code(int e) {
  switch (e) {
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EEXIST: return "EEXIST";
    case EINTR: return "EINTR";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EPERM: return "EPERM";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOBUFS: return "ENOBUFS";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOEXEC: return "ENOEXEC";
    case E2BIG: return "E2BIG";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ETXTBSY: return "ETXTBSY";
    case EISDIR: return "EISDIR";
    case EMFILE: return "EMFILE";
    case ENOMEM: return "ENOMEM";
    default: return "EUNKNOWN";
  }
}

napi_value throw_errno(napi_env env, const char *syscall, int e) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(e));
  napi_value code, message, error, num;
  napi_create_string_utf8(env, errno_code(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -e, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_throw(env, error);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int arg_str(napi_env env, napi_value v, char *buf, size_t len) {
  size_t got;
  return napi_get_value_string_utf8(env, v, buf, len, &got) == napi_ok && got < len - 1;
}

#define ARGS(n)                                                   \
  size_t argc = n;                                                \
  napi_value argv[n];                                             \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);           \
  if (argc < n) {                                                 \
    napi_throw_type_error(env, NULL, "missing arguments");        \
    return NULL;                                                  \
  }

/* waitpid(pid, WNOHANG) -> [pid, rawStatus], or null when the child has not changed state.
 * Only ever called with a specific pid: a blanket waitpid(-1) would steal exit statuses libuv waits for. */
static napi_value js_waitpid(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t pid;
  if (!arg_int(env, argv[0], &pid) || pid <= 0) {
    napi_throw_type_error(env, NULL, "waitpid: pid must be a positive integer");
    return NULL;
  }
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "waitpid", errno);
  napi_value result;
  if (r == 0) { napi_get_null(env, &result); return result; }
  napi_value p, s;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, r, &p);
  napi_create_int32(env, status, &s);
  napi_set_element(env, result, 0, p);
  napi_set_element(env, result, 1, s);
  return result;
}

static napi_value js_set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return throw_errno(env, "prctl", errno);
  return NULL;
}

/* fcntl record lock on the whole file: s6's clients test supervise/lock with F_GETLK, so flock() would not do. */
static napi_value js_lock(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  bool exclusive;
  if (!arg_int(env, argv[0], &fd) || napi_get_value_bool(env, argv[1], &exclusive) != napi_ok) {
    napi_throw_type_error(env, NULL, "lock(fd, exclusive)");
    return NULL;
  }
  struct flock fl = { .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
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
static napi_value js_lock_wait(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  bool exclusive;
  if (!arg_int(env, argv[0], &fd) || napi_get_value_bool(env, argv[1], &exclusive) != napi_ok) {
    napi_throw_type_error(env, NULL, "lockWait(fd, exclusive)");
    return NULL;
  }
  struct flock fl = { .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  int r;
  do r = fcntl(fd, F_SETLKW, &fl); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "fcntl(F_SETLKW)", errno);
  return NULL;
}

/* true when another process holds a conflicting record lock: how s6-svok decides "supervised". */
static napi_value js_is_locked(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) { napi_throw_type_error(env, NULL, "isLocked(fd)"); return NULL; }
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  if (fcntl(fd, F_GETLK, &fl) < 0) return throw_errno(env, "fcntl(F_GETLK)", errno);
  napi_value result;
  napi_get_boolean(env, fl.l_type != F_UNLCK, &result);
  return result;
}

static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
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

/* One datagram to a unix socket such as /dev/log (rsyslog's imuxsock is datagram-only; Node has no AF_UNIX SOCK_DGRAM). */
static napi_value js_send_unix_dgram(napi_env env, napi_callback_info info) {
  ARGS(2);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  void *data;
  size_t len;
  if (!arg_str(env, argv[0], path, sizeof path) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendUnixDgram(path, buffer)");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  memcpy(sa.sun_path, path, strlen(path));
  ssize_t r = sendto(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  close(fd);
  if (r < 0) return throw_errno(env, "sendto", e);
  return NULL;
}

/* Node (libuv's uv_disable_stdio_inheritance) marks every descriptor it inherited close-on-exec at startup, stdin,
 * stdout and stderr included. A chain-loading applet (with-contenv in a run script) must pass them on as execline
 * does: a service's notification-fd or lock-fd is one of them. Node's own descriptors are told apart by kind: event
 * fds (anon_inode:) and self-pipes/socketpairs, whose two ends are both ours; every other descriptor is inherited. */
static void keep_inherited_fds(void) {
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
    if (fds[i] > 2) {
      if (strncmp(links[i], "anon_inode:", 11) == 0) continue;
      if (strncmp(links[i], "pipe:", 5) == 0 || strncmp(links[i], "socket:", 7) == 0) {
        int both_ends_ours = 0;
        for (int j = 0; j < n; j++) if (j != i && strcmp(links[i], links[j]) == 0) both_ends_ours = 1;
        if (both_ends_ours) continue;
      }
    }
    int flags = fcntl(fds[i], F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fds[i], F_SETFD, flags & ~FD_CLOEXEC);
  }
  /* stdin, stdout and stderr always, even if /proc is not mounted */
  for (int fd = 0; fd < 3; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

/* RLIMIT_NOFILE as the kernel handed it to this process, before Node raised the soft limit to the hard one: the
 * executable's entry stub saved it (supervisor/native/start_stub.S). Found through AT_ENTRY, after checking the stub's
 * first 17 bytes; 0 when this process did not start through the stub (plain node, another architecture). */
static int start_nofile(struct rlimit *out) {
#if defined(__x86_64__)
  static const unsigned char stub[17] = { 0x52, 0xb8, 0x2e, 0x01, 0x00, 0x00, 0x31, 0xff, 0xbe,
                                          0x07, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x49, 0xba };
  const unsigned char *entry = (const unsigned char *)getauxval(AT_ENTRY);
  if (entry == NULL || memcmp(entry, stub, sizeof stub) != 0) return 0;
  uint64_t store, saved[2];
  memcpy(&store, entry + sizeof stub, sizeof store);
  memcpy(saved, (const void *)(uintptr_t)store, sizeof saved);
  if (saved[1] == 0) return 0; /* prlimit64 failed: nothing was written */
  out->rlim_cur = (rlim_t)saved[0];
  out->rlim_max = (rlim_t)saved[1];
  return 1;
#else
  (void)out;
  return 0;
#endif
}

/* Lowers the soft RLIMIT_NOFILE back to the one this process was started with (never the hard limit, never up):
 * children then inherit what tini's and s6's would. Returns the soft limit in force, or -1 when the start value is
 * unknown. */
double restore_nofile(void) {
  struct rlimit start, now;
  if (!start_nofile(&start) || getrlimit(RLIMIT_NOFILE, &now) < 0) return -1;
  if (start.rlim_cur < now.rlim_cur) {
    now.rlim_cur = start.rlim_cur;
    if (setrlimit(RLIMIT_NOFILE, &now) < 0) return -1;
  }
  return now.rlim_cur == RLIM_INFINITY ? -1 : (double)now.rlim_cur;
}

static napi_value js_restore_start_limits(napi_env env, napi_callback_info info) {
  (void)info;
  double soft = restore_nofile();
  napi_value result;
  if (soft < 0) napi_get_null(env, &result);
  else napi_create_double(env, soft, &result);
  return result;
}
/* Set by remapFds (below): the descriptor table is the one the next program must get, exactly. */
static int fds_remapped = 0;

/* setsid() + exec for applets that must replace themselves (with-contenv, s6-setuidgid ...): Node has no exec. */
static napi_value js_execvp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return NULL;
  }
  /* Optional second argument: the file to run, when argv[0] must differ from it (re-running ourselves under the
   * name we were called by). */
  char file[4096] = "";
  if (argc >= 2) {
    napi_valuetype type;
    napi_typeof(env, argv[1], &type);
    if (type != napi_undefined && !arg_str(env, argv[1], file, sizeof file)) {
      napi_throw_type_error(env, NULL, "execvp: file must be a string");
      return NULL;
    }
  }
  uint32_t n;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok || n == 0 || n > 4096) {
    napi_throw_type_error(env, NULL, "execvp([file, ...args])");
    return NULL;
  }
  char *args[n + 1];
  static char storage[1 << 17];
  size_t used = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    size_t got;
    napi_get_element(env, argv[0], i, &el);
    if (napi_get_value_string_utf8(env, el, storage + used, sizeof storage - used, &got) != napi_ok ||
        used + got + 1 >= sizeof storage) {
      napi_throw_type_error(env, NULL, "execvp: arguments too long or not strings");
      return NULL;
    }
    args[i] = storage + used;
    used += got + 1;
  }
  args[n] = NULL;
  /* Node blocks no signals we care about, but restore default dispositions the new program expects. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < 32; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  if (!fds_remapped) keep_inherited_fds();
  restore_nofile();
  if (file[0]) execv(file, args);
  else execvp(args[0], args);
  return throw_errno(env, "execvp", errno);
}

/* pipe2(O_CLOEXEC) -> [readFd, writeFd]: a pipe the supervisor holds itself (a service's stdout to its logger's stdin)
 * so that neither side's restart loses a line. Node only makes socketpairs for children. */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
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


/*
 * Gives back the resident pages of our own executable's file mappings. Starting Node faults in much of its ~110 MB
 * binary (fault-around maps 64 KB per fault, the embedded bundle and its code cache are read whole), though a
 * supervisor at rest runs a small part of it. A read-only mapping without private copies (smaps' Anonymous: 0) holds
 * only clean page-cache pages: MADV_DONTNEED unmaps them from this process even when other processes (containers of
 * the same image) map them too, and what is used again faults back in from the page cache (a minor fault). A mapping
 * with private copies (the RELRO page Node relocated) must keep them: MADV_PAGEOUT (Linux 5.4+) reclaims only what
 * is ours alone. Returns the number of bytes advised, or -1 when nothing could be.
 */
static napi_value js_release_executable_pages(napi_env env, napi_callback_info info) {
  (void)info;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) return throw_errno(env, "readlink(/proc/self/exe)", errno);
  exe[n] = 0;
  FILE *smaps = fopen("/proc/self/smaps", "re");
  if (!smaps) return throw_errno(env, "fopen(/proc/self/smaps)", errno);
  char line[4096 + 256];
  unsigned long start = 0, end = 0;
  int ours = 0; /* the mapping whose fields are being read is a read-only one of the executable */
  double advised = 0;
  int failed = 0;
  while (fgets(line, sizeof line, smaps)) {
    unsigned long s, e;
    char perms[8];
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s, &e, perms, &path_at) >= 3 && path_at > 0) {
      char *path = line + path_at;
      path[strcspn(path, "\n")] = 0;
      ours = strcmp(path, exe) == 0 && perms[1] != 'w';
      start = s;
      end = e;
      continue;
    }
    unsigned long anon_kb;
    if (!ours || sscanf(line, "Anonymous: %lu kB", &anon_kb) != 1) continue;
    ours = 0;
    if (madvise((void *)start, end - start, anon_kb == 0 ? MADV_DONTNEED : MADV_PAGEOUT) < 0) {
      failed = 1;
      continue;
    }
    advised += (double)(end - start);
  }
  fclose(smaps);
  napi_value result;
  napi_create_double(env, failed && advised == 0 ? -1 : advised, &result);
  return result;
}

/* malloc_trim(0): glibc keeps freed memory of every arena (the main one and one per thread that allocated) resident
 * until asked; this returns the free pages in all of them to the kernel. 1 when memory was released. */
static napi_value js_trim_malloc(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, malloc_trim(0), &result);
  return result;
}

/* dup2(old, new): for PID 1 pointing its own stdout/stderr at the catch-all logger (S6_LOGGING). Node has no dup2. */
static napi_value js_dup2(napi_env env, napi_callback_info info) {
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
static napi_value js_dup_cloexec(napi_env env, napi_callback_info info) {
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

/* execline's fd commands, applied at the final exec of an in-process chain (execline/fds.ts). pairs = [to, from, …]:
 * `from` a private close-on-exec descriptor, -1 to close `to`, or `to` itself to pass an inherited descriptor on.
 * Every `from` is first copied above all targets, so that no dup2 can clobber a source still to be used; then the
 * sources and the copies are closed. The table is then exact: execvp no longer guesses which descriptors were
 * inherited (its guess would take a Node pipe whose other end a dup2 replaced for an inherited one). */

static napi_value js_remap_fds(napi_env env, napi_callback_info info) {
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
    if (i % 2 == 0 && pairs[i] >= base) base = pairs[i] + 1;
  }
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

/* The environment a chain's final exec passes on (execline/chain.ts). process.env cannot hold execline's positional
 * parameters: Node treats the integer keys `1`, `2`, … as array indices and never writes them to environ. */
static napi_value js_set_environ(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t n;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "setEnviron([\"NAME=value\", ...])");
    return NULL;
  }
  clearenv();
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    size_t len;
    napi_get_element(env, argv[0], i, &el);
    if (napi_get_value_string_utf8(env, el, NULL, 0, &len) != napi_ok) continue;
    char *pair = malloc(len + 1);
    if (!pair) return throw_errno(env, "malloc", ENOMEM);
    napi_get_value_string_utf8(env, el, pair, len + 1, &len);
    if (strchr(pair, '=') == NULL || putenv(pair) != 0) free(pair);
  }
  return NULL;
}

/* s6-socklog: a unix datagram socket bound at `path` (the caller removes a stale one first); its fd. */
static napi_value js_bind_unix_dgram(napi_env env, napi_callback_info info) {
  ARGS(1);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  if (!arg_str(env, argv[0], path, sizeof path)) {
    napi_throw_type_error(env, NULL, "bindUnixDgram(path)");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  memcpy(sa.sun_path, path, strlen(path));
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* One datagram from `fd`, blocking the thread: only for a dedicated applet process (s6-socklog), which SIGTERM's
 * default action ends (no JS handler is installed there). At most `max` bytes are kept; MSG_TRUNC makes recv return
 * the datagram's whole length, so the caller can tell a truncated one. [buffer, length], or null on EINTR. */
static napi_value js_recv_dgram(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd, max;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &max) || max < 1) {
    napi_throw_type_error(env, NULL, "recvDgram(fd, max)");
    return NULL;
  }
  void *data;
  napi_value buf, len, result;
  napi_create_buffer(env, (size_t)max, &data, &buf);
  ssize_t r = recv(fd, data, (size_t)max, MSG_TRUNC);
  if (r < 0 && errno == EINTR) {
    napi_get_null(env, &result);
    return result;
  }
  if (r < 0) return throw_errno(env, "recv", errno);
  napi_create_array_with_length(env, 2, &result);
  napi_create_double(env, (double)r, &len);
  napi_set_element(env, result, 0, buf);
  napi_set_element(env, result, 1, len);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "waitpid", NULL, js_waitpid, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "setChildSubreaper", NULL, js_set_child_subreaper, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "lock", NULL, js_lock, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "lockWait", NULL, js_lock_wait, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "isLocked", NULL, js_is_locked, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "sendUnixDgram", NULL, js_send_unix_dgram, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "pipe", NULL, js_pipe, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "dup2", NULL, js_dup2, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "dupCloexec", NULL, js_dup_cloexec, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "releaseExecutablePages", NULL, js_release_executable_pages, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "trimMalloc", NULL, js_trim_malloc, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "restoreStartLimits", NULL, js_restore_start_limits, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "setEnviron", NULL, js_set_environ, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "remapFds", NULL, js_remap_fds, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "spawn", NULL, js_spawn, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "forkWriter", NULL, js_fork_writer, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "execvp", NULL, js_execvp, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "bindUnixDgram", NULL, js_bind_unix_dgram, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "recvDgram", NULL, js_recv_dgram, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "reapDead", NULL, js_reap_dead, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "forwardSignals", NULL, js_forward_signals, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "forwardedCount", NULL, js_forwarded_count, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "stopForwarding", NULL, js_stop_forwarding, NULL, NULL, NULL, napi_default_jsproperty, NULL },
    { "exitNow", NULL, js_exit_now, NULL, NULL, NULL, napi_default_jsproperty, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
