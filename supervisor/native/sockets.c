/* Unix datagram sockets, which Node lacks: a datagram to /dev/log, and s6-socklog's bound socket. */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A close-on-exec unix datagram socket, and in *sa the address the string `path` names: the socket's fd, or -1 with
 * a JS error thrown (a TypeError saying `usage` when path is not a string that fits in sun_path). */
static int dgram_socket(napi_env env, napi_value path, const char *usage, struct sockaddr_un *sa) {
  *sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
  if (!arg_str(env, path, sa->sun_path, sizeof sa->sun_path)) {
    napi_throw_type_error(env, NULL, usage);
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(env, "socket", errno);
  return fd;
}

/* One datagram to a unix socket such as /dev/log (rsyslog's imuxsock is datagram-only; Node has no AF_UNIX SOCK_DGRAM). */
napi_value js_send_unix_dgram(napi_env env, napi_callback_info info) {
  ARGS(2);
  static const char usage[] = "sendUnixDgram(path, buffer)";
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  struct sockaddr_un sa;
  int fd = dgram_socket(env, argv[0], usage, &sa);
  if (fd < 0) return NULL;
  ssize_t r = sendto(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  close(fd);
  if (r < 0) return throw_errno(env, "sendto", e);
  return NULL;
}

/* s6-socklog: a unix datagram socket bound at `path` (the caller removes a stale one first); its fd. */
napi_value js_bind_unix_dgram(napi_env env, napi_callback_info info) {
  ARGS(1);
  struct sockaddr_un sa;
  int fd = dgram_socket(env, argv[0], "bindUnixDgram(path)", &sa);
  if (fd < 0) return NULL;
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
napi_value js_recv_dgram(napi_env env, napi_callback_info info) {
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
