/* What the executable's entry stub (start_stub.S) saved before Node's main() ran. */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>

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

napi_value js_restore_start_limits(napi_env env, napi_callback_info info) {
  (void)info;
  double soft = restore_nofile();
  napi_value result;
  if (soft < 0) napi_get_null(env, &result);
  else napi_create_double(env, soft, &result);
  return result;
}
