/* What the addon's source files share: argument parsing, errors thrown the way Node's fs throws them, the start
 * limits, and every function the registration table (nuwa_native.c) names. */
#ifndef NUWA_NATIVE_H
#define NUWA_NATIVE_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Throws a JS Error with `code` ("ENOENT"...), `errno` (negative, as Node's) and "<syscall>: <strerror>". */
napi_value throw_errno(napi_env env, const char *syscall, int e);

static inline int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* A string argument into buf; false when it is not a string or does not fit. */
static inline int arg_str(napi_env env, napi_value v, char *buf, size_t len) {
  size_t got;
  return napi_get_value_string_utf8(env, v, buf, len, &got) == napi_ok && got < len - 1;
}

/* The first n arguments in argv[], or a TypeError and return when fewer were given. */
#define ARGS(n)                                                   \
  size_t argc = n;                                                \
  napi_value argv[n];                                             \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);           \
  if (argc < n) {                                                 \
    napi_throw_type_error(env, NULL, "missing arguments");        \
    return NULL;                                                  \
  }

/* start.c: lowers the soft RLIMIT_NOFILE back to the one this process was started with; async-signal-safe (no
 * allocation), so a spawned child may call it between fork and exec. The soft limit in force, or -1 when unknown. */
double restore_nofile(void);
napi_value js_restore_start_limits(napi_env env, napi_callback_info info);
/* start.c: the descriptors open at exec, below the count returned (bit n of *mask: fd n); 0 when unknown. */
int start_fds(uint64_t *mask);
napi_value js_start_fds(napi_env env, napi_callback_info info);

/* fds.c: before an exec that no remapFds prepared, clears close-on-exec on the descriptors this process inherited. */
void pass_inherited_fds(void);
napi_value js_lock(napi_env env, napi_callback_info info);
napi_value js_lock_wait(napi_env env, napi_callback_info info);
napi_value js_is_locked(napi_env env, napi_callback_info info);
napi_value js_mkfifo(napi_env env, napi_callback_info info);
napi_value js_pipe(napi_env env, napi_callback_info info);
napi_value js_dup2(napi_env env, napi_callback_info info);
napi_value js_dup_cloexec(napi_env env, napi_callback_info info);
napi_value js_remap_fds(napi_env env, napi_callback_info info);

/* process.c */
napi_value js_waitpid(napi_env env, napi_callback_info info);
napi_value js_set_child_subreaper(napi_env env, napi_callback_info info);
napi_value js_set_environ(napi_env env, napi_callback_info info);
napi_value js_execvp(napi_env env, napi_callback_info info);

/* sockets.c */
napi_value js_send_unix_dgram(napi_env env, napi_callback_info info);
napi_value js_bind_unix_dgram(napi_env env, napi_callback_info info);
napi_value js_recv_dgram(napi_env env, napi_callback_info info);

/* memory.c */
napi_value js_release_executable_pages(napi_env env, napi_callback_info info);
napi_value js_trim_malloc(napi_env env, napi_callback_info info);

/* spawn.c: the services' spawn path. */
napi_value js_spawn(napi_env env, napi_callback_info info);
/* spawn.c: heredoc's writer process. */
napi_value js_fork_writer(napi_env env, napi_callback_info info);

/* pid1.c: PID 1's reaping of dead children without a /proc scan, signals passed on from the handler, its own end. */
napi_value js_reap_dead(napi_env env, napi_callback_info info);
napi_value js_forward_signals(napi_env env, napi_callback_info info);
napi_value js_forwarded_count(napi_env env, napi_callback_info info);
napi_value js_stop_forwarding(napi_env env, napi_callback_info info);
napi_value js_exit_now(napi_env env, napi_callback_info info);

#endif
