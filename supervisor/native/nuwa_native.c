/*
 * The few syscalls Node.js does not expose, and nothing else.
 * Each function is a thin, synchronous wrapper: policy lives in TypeScript (supervisor/src/sys/).
 * Errors are thrown as JS errors carrying `code` (e.g. "EAGAIN") and `errno`, like Node's own fs errors.
 * This file: those errors, and the module's table; the functions live by concern in fds.c, process.c, sockets.c,
 * memory.c, start.c and spawn.c (nuwa_native.h declares them).
 */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
    { "startFds", NULL, js_start_fds, NULL, NULL, NULL, napi_default_jsproperty, NULL },
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
