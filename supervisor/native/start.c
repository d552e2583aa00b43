/* What the executable's entry stub (start_stub.S) saved before Node's main() ran. */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>

/* The store the executable's entry stub (start_stub.S) filled: RLIMIT_NOFILE soft and hard as the kernel handed them
 * over (before Node raised the soft limit to the hard one), the mask of descriptors open at exec, and how many
 * descriptors the mask covers. Found through AT_ENTRY, after checking the stub's first 17 bytes; NULL when this
 * process did not start through the stub (plain node, another architecture). */
static const uint64_t *start_store(void) {
#if defined(__x86_64__)
  static const unsigned char stub[17] = { 0x52, 0xb8, 0x2e, 0x01, 0x00, 0x00, 0x31, 0xff, 0xbe,
                                          0x07, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x49, 0xba };
  const unsigned char *entry = (const unsigned char *)getauxval(AT_ENTRY);
  if (entry == NULL || memcmp(entry, stub, sizeof stub) != 0) return NULL;
  uint64_t store;
  memcpy(&store, entry + sizeof stub, sizeof store);
  return (const uint64_t *)(uintptr_t)store;
#else
  return NULL;
#endif
}

/* RLIMIT_NOFILE as this process started with it; 0 when unknown. */
static int start_nofile(struct rlimit *out) {
  const uint64_t *saved = start_store();
  if (saved == NULL || saved[1] == 0) return 0; /* prlimit64 failed: nothing was written */
  out->rlim_cur = (rlim_t)saved[0];
  out->rlim_max = (rlim_t)saved[1];
  return 1;
}

int start_fds(uint64_t *mask) {
  const uint64_t *saved = start_store();
  if (saved == NULL || saved[3] == 0) return 0;
  *mask = saved[2];
  return (int)saved[3];
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

napi_value js_restore_start_limits(napi_env env, napi_callback_info info) {
  (void)info;
  double soft = restore_nofile();
  napi_value result;
  if (soft < 0) napi_get_null(env, &result);
  else napi_create_double(env, soft, &result);
  return result;
}

/* startFds(): { below, open }: the descriptors under `below` that were open when this process was exec'd; null when
 * unknown (not started through the entry stub). */
napi_value js_start_fds(napi_env env, napi_callback_info info) {
  (void)info;
  uint64_t mask;
  int below = start_fds(&mask);
  napi_value result, open, n;
  if (below == 0) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_object(env, &result);
  napi_create_array(env, &open);
  for (int fd = 0, i = 0; fd < below; fd++) {
    if (!(mask & (UINT64_C(1) << fd))) continue;
    napi_create_int32(env, fd, &n);
    napi_set_element(env, open, i++, n);
  }
  napi_create_int32(env, below, &n);
  napi_set_named_property(env, result, "below", n);
  napi_set_named_property(env, result, "open", open);
  return result;
}
