/* What the addon's source files share: errors thrown the way Node's fs throws them, and the start limits. */
#ifndef NUWA_NATIVE_H
#define NUWA_NATIVE_H
#include <node_api.h>

/* Throws a JS Error with `code` ("ENOENT"...), `errno` (negative, as Node's) and "<syscall>: <strerror>". */
napi_value throw_errno(napi_env env, const char *syscall, int e);

/* Lowers the soft RLIMIT_NOFILE back to the one this process was started with; async-signal-safe (no allocation),
 * so a spawned child may call it between fork and exec. The soft limit in force, or -1 when unknown. */
double restore_nofile(void);

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
