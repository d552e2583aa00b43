/* Shared by the benchmark probes: one clock (CLOCK_MONOTONIC, the clock Node's process.hrtime uses) and
 * small I/O helpers. The probes are tiny on purpose: they run inside the measured window. */
#ifndef NUWA_BENCH_COMMON_H
#define NUWA_BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static inline void die(const char *who, const char *what) {
  fprintf(stderr, "%s: %s: %s\n", who, what, strerror(errno));
  exit(111);
}

static inline void sleep_ns(uint64_t ns) {
  struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

#endif
