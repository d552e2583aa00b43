/* A main program with N helpers, for the PID-1 shutdown benchmark in tini mode: forks N children that wait for a
 * signal (default actions), creates READYFILE once they exist, and on SIGTERM passes it to every child, waits for
 * them all and exits 0: "services that stop promptly".
 *
 * usage: group N READYFILE */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: group N READYFILE\n");
    return 100;
  }
  int n = atoi(argv[1]);
  pid_t *kids = calloc((size_t)n, sizeof *kids);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  for (int i = 0; i < n; i++) {
    kids[i] = fork();
    if (kids[i] < 0) die("group", "fork");
    if (kids[i] == 0) {
      signal(SIGTERM, SIG_DFL);
      sigprocmask(SIG_SETMASK, &old, NULL);
      for (;;) pause();
    }
  }
  int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("group", argv[2]);
  close(fd);
  while (!stopping) sigsuspend(&old);
  for (int i = 0; i < n; i++) kill(kids[i], SIGTERM);
  for (int i = 0; i < n; i++)
    while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR) {
    }
  return 0;
}
