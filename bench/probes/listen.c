/* Subscribes to the event/ fifodir of each service directory given, exactly as s6-svwait does (s6's ftrig1
 * protocol: a FIFO named ftrig1:@<24 hex>:<6 chars>, created with a leading dot then renamed), and prints one line
 * per event byte: "INDEX LETTER NS" with the CLOCK_MONOTONIC time the byte was read. Prints "subscribed" once every
 * FIFO is in place. Exits (removing its FIFOs) when stdin closes, so it never outlives the harness.
 *
 * usage: listen [--kick] DIR...
 *   --kick  after each 'D' (the service is down and may be restarted) write "u" to DIR/supervise/control: the
 *           soak uses this to restart a crashing service at once under both supervisors, past any restart delay. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
  int kick = 0, first = 1;
  if (argc > 1 && strcmp(argv[1], "--kick") == 0) kick = 1, first = 2;
  int count = argc - first;
  if (count < 1) {
    fprintf(stderr, "usage: listen [--kick] DIR...\n");
    return 100;
  }
  struct pollfd *fds = calloc((size_t)count + 1, sizeof *fds);
  char **names = calloc((size_t)count, sizeof *names);
  if (!fds || !names) die("listen", "calloc");
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  srand((unsigned)(mono_ns() ^ (uint64_t)getpid()));

  for (int i = 0; i < count; i++) {
    const char *dir = argv[first + i];
    char event[4096], tmp[4200], final[4200];
    snprintf(event, sizeof event, "%s/event", dir);
    if (mkdir(event, 0700) == 0) chmod(event, 03730);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char rnd[7];
    for (int k = 0; k < 6; k++) rnd[k] = "abcdefghijklmnopqrstuvwxyz0123456789"[rand() % 36];
    rnd[6] = 0;
    /* TAI64N: 2^62 + 10 + seconds, then nanoseconds: only the name's shape matters to the writer. */
    snprintf(tmp, sizeof tmp, "%s/.ftrig1:@%016llx%08lx:%s", event,
             (unsigned long long)(0x400000000000000aull + (uint64_t)now.tv_sec), (unsigned long)now.tv_nsec, rnd);
    snprintf(final, sizeof final, "%s/%s", event, strrchr(tmp, '/') + 2);
    if (mkfifo(tmp, 0622) < 0) die("listen", tmp);
    chmod(tmp, 0622);
    int rfd = open(tmp, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (rfd < 0) die("listen", tmp);
    /* Held open for writing too, so the reader never sees EOF between writers. */
    if (open(tmp, O_WRONLY | O_NONBLOCK | O_CLOEXEC) < 0) die("listen", tmp);
    if (rename(tmp, final) < 0) die("listen", final);
    names[i] = strdup(final);
    fds[i].fd = rfd;
    fds[i].events = POLLIN;
  }
  fds[count].fd = 0;
  fds[count].events = POLLIN;
  printf("subscribed\n");
  fflush(stdout);

  for (;;) {
    if (poll(fds, (nfds_t)count + 1, -1) < 0) {
      if (errno == EINTR) continue;
      die("listen", "poll");
    }
    for (int i = 0; i < count; i++) {
      if (!(fds[i].revents & POLLIN)) continue;
      char buf[512];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      uint64_t at = mono_ns();
      for (ssize_t k = 0; k < n; k++) {
        printf("%d %c %llu\n", i, buf[k], (unsigned long long)at);
        if (kick && buf[k] == 'D') {
          char control[4200];
          snprintf(control, sizeof control, "%s/supervise/control", argv[first + i]);
          int c = open(control, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
          if (c >= 0) {
            if (write(c, "u", 1) < 0) fprintf(stderr, "listen: %s: %s\n", control, strerror(errno));
            close(c);
          }
        }
      }
    }
    fflush(stdout);
    if (fds[count].revents & (POLLIN | POLLHUP | POLLERR)) {
      char sink[256];
      if (read(0, sink, sizeof sink) <= 0) break;
    }
  }
  for (int i = 0; i < count; i++) unlink(names[i]);
  return 0;
}
