/* This process and its children: waitpid, the subreaper flag, the environment and the exec of a program. */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* waitpid(pid, WNOHANG) -> [pid, rawStatus], or null when the child has not changed state.
 * Only ever called with a specific pid: a blanket waitpid(-1) would steal exit statuses libuv waits for. */
napi_value js_waitpid(napi_env env, napi_callback_info info) {
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

napi_value js_set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return throw_errno(env, "prctl", errno);
  return NULL;
}

/* The environment a chain's final exec passes on (execline/chain.ts). process.env cannot hold execline's positional
 * parameters: Node treats the integer keys `1`, `2`, … as array indices and never writes them to environ. */
napi_value js_set_environ(napi_env env, napi_callback_info info) {
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

/* setsid() + exec for applets that must replace themselves (with-contenv, s6-setuidgid ...): Node has no exec. */
napi_value js_execvp(napi_env env, napi_callback_info info) {
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
  pass_inherited_fds();
  restore_nofile();
  if (file[0]) execv(file, args);
  else execvp(args[0], args);
  return throw_errno(env, "execvp", errno);
}
