/* Run as the main program under a PID 1 (nuwa init, tini, dumb-init) in a fresh PID namespace.
 * Each round: a helper forks N children that block on a pipe, then exits, so the N children are re-parented to
 * PID 1 while alive. Then the pipe is closed: all N exit at the same moment and become PID 1's zombies. The round's
 * time runs from closing the pipe until kill(pid, 0) says ESRCH for every one of them, i.e. PID 1 has reaped them
 * all (a zombie still answers kill(pid, 0)). Prints one line per round: "NS" or "timeout LEFT".
 *
 * usage: orphans N ROUNDS */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

#define DEADLINE_NS (20ull * 1000000000ull)

static int one_round(int n) {
  int gate[2], report[2];
  if (pipe(gate) < 0 || pipe(report) < 0) die("orphans", "pipe");
  pid_t helper = fork();
  if (helper < 0) die("orphans", "fork");
  if (helper == 0) {
    close(report[0]);
    for (int i = 0; i < n; i++) {
      pid_t child = fork();
      if (child < 0) die("orphans", "fork");
      if (child == 0) {
        close(gate[1]);
        close(report[1]);
        char c;
        while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
      }
      if (write_all(report[1], (const char *)&child, sizeof child) < 0) die("orphans", "report");
    }
    _exit(0);
  }
  close(gate[0]);
  close(report[1]);
  pid_t *pids = malloc(sizeof *pids * (size_t)n);
  int got = 0;
  while (got < n) {
    ssize_t r = read(report[0], (char *)pids + got * (ssize_t)sizeof *pids, (size_t)(n - got) * sizeof *pids);
    if (r <= 0) die("orphans", "reading the helper's report");
    got += (int)(r / (ssize_t)sizeof *pids);
  }
  close(report[0]);
  if (waitpid(helper, NULL, 0) < 0) die("orphans", "waitpid");

  uint64_t t0 = mono_ns();
  close(gate[1]);
  int left = n, next = 0;
  while (left > 0) {
    for (int i = next; i < n; i++) {
      if (pids[i] == 0) continue;
      if (kill(pids[i], 0) < 0 && errno == ESRCH) {
        pids[i] = 0;
        left--;
      }
    }
    while (next < n && pids[next] == 0) next++;
    if (left == 0) break;
    if (mono_ns() - t0 > DEADLINE_NS) {
      printf("timeout %d\n", left);
      fflush(stdout);
      free(pids);
      return -1;
    }
    sleep_ns(100000);
  }
  printf("%llu\n", (unsigned long long)(mono_ns() - t0));
  fflush(stdout);
  free(pids);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: orphans N ROUNDS\n");
    return 100;
  }
  int n = atoi(argv[1]), rounds = atoi(argv[2]);
  for (int r = 0; r < rounds; r++) {
    if (one_round(n) < 0) return 1;
    sleep_ns(50000000); /* let PID 1 settle between rounds */
  }
  return 0;
}
