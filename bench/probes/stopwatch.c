/* Times things from outside, with CLOCK_MONOTONIC, without Node's event loop in the measured window.
 *
 *   stopwatch term PID TIMEOUT_MS   SIGTERM to PID, wait (pidfd) until it has exited: prints "T0 T1"
 *   stopwatch run CMD ARGS...       fork+exec CMD (its stdout to /dev/null), wait: prints "T0 T1 WAITSTATUS"
 *                                   (T0 just before fork)
 *   stopwatch repeat N CMD ARGS...  run CMD N times in a row: prints one "NS WAITSTATUS" line per run
 *   stopwatch stamp FILE CMD ARGS... write "NS\n" to FILE, then exec CMD in this same process (marks the exec
 *                                   of a PID 1) */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int run_once(char **cmd, uint64_t *t0, uint64_t *t1) {
  *t0 = mono_ns();
  pid_t pid = fork();
  if (pid < 0) die("stopwatch", "fork");
  if (pid == 0) {
    /* The command's output is not ours to print: our stdout carries the figures. */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);
    execvp(cmd[0], cmd);
    fprintf(stderr, "stopwatch: cannot run %s: %s\n", cmd[0], strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("stopwatch", "waitpid");
  *t1 = mono_ns();
  return status;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "term") == 0) {
    pid_t pid = (pid_t)atoi(argv[2]);
    int timeout = atoi(argv[3]);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) die("stopwatch", "pidfd_open");
    uint64_t t0 = mono_ns();
    if (kill(pid, SIGTERM) < 0) die("stopwatch", "kill");
    struct pollfd p = { pidfd, POLLIN, 0 };
    int r;
    while ((r = poll(&p, 1, timeout)) < 0 && errno == EINTR) {
    }
    if (r == 0) {
      printf("timeout\n");
      return 1;
    }
    printf("%llu %llu\n", (unsigned long long)t0, (unsigned long long)mono_ns());
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "run") == 0) {
    uint64_t t0, t1;
    int status = run_once(argv + 2, &t0, &t1);
    printf("%llu %llu %d\n", (unsigned long long)t0, (unsigned long long)t1, status);
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "repeat") == 0) {
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
      uint64_t t0, t1;
      int status = run_once(argv + 3, &t0, &t1);
      printf("%llu %d\n", (unsigned long long)(t1 - t0), status);
    }
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "stamp") == 0) {
    char line[32];
    int len = snprintf(line, sizeof line, "%llu\n", (unsigned long long)mono_ns());
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, line, (size_t)len) < 0) die("stopwatch", argv[2]);
    close(fd);
    execvp(argv[3], argv + 3);
    die("stopwatch", argv[3]);
  }
  fprintf(stderr, "usage: stopwatch term PID TIMEOUT_MS | run CMD... | repeat N CMD... | stamp FILE CMD...\n");
  return 100;
}
