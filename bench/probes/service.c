/* The benchmark's service: installed as a service directory's `run` (a symlink), started as `./run NAME` with the
 * service directory as cwd, by s6-supervise or by nuwa alike.
 *
 * The first thing it does is read CLOCK_MONOTONIC: that instant is "the new instance has exec'd". It appends
 * "PID NS\n" to data/execs (one line per start), then acts on data/mode:
 *   ready  (default) write "\n" to the notification-fd (if the directory has that file), then wait for a signal
 *          with the default actions, so SIGTERM stops it at once;
 *   crash  die of SIGKILL at once (no readiness);
 *   exit   exit 1 at once (no readiness). */
#include "common.h"
#include <fcntl.h>
#include <signal.h>

static int read_small(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return 0;
}

int main(void) {
  uint64_t started = mono_ns();
  char line[64];
  int len = snprintf(line, sizeof line, "%ld %llu\n", (long)getpid(), (unsigned long long)started);
  int log = open("data/execs", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log < 0 || write_all(log, line, (size_t)len) < 0) die("bench service", "data/execs");
  close(log);

  char mode[32] = "ready";
  read_small("data/mode", mode, sizeof mode);
  if (strncmp(mode, "crash", 5) == 0) raise(SIGKILL);
  if (strncmp(mode, "exit", 4) == 0) _exit(1);

  char fdtext[32];
  if (read_small("notification-fd", fdtext, sizeof fdtext) == 0) {
    int fd = atoi(fdtext);
    if (write_all(fd, "\n", 1) < 0) die("bench service", "notification-fd");
    close(fd);
  }
  for (;;) pause();
}
