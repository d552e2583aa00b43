/* This process's own memory: the executable's resident pages, and glibc's free ones. */
#define _GNU_SOURCE
#include "nuwa_native.h"
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Gives back the resident pages of our own executable's file mappings. Starting Node faults in much of its ~110 MB
 * binary (fault-around maps 64 KB per fault, the embedded bundle and its code cache are read whole), though a
 * supervisor at rest runs a small part of it. A read-only mapping without private copies (smaps' Anonymous: 0) holds
 * only clean page-cache pages: MADV_DONTNEED unmaps them from this process even when other processes (containers of
 * the same image) map them too, and what is used again faults back in from the page cache (a minor fault). A mapping
 * with private copies (the RELRO page Node relocated) must keep them: MADV_PAGEOUT (Linux 5.4+) reclaims only what
 * is ours alone. Returns the number of bytes advised, or -1 when nothing could be.
 */
napi_value js_release_executable_pages(napi_env env, napi_callback_info info) {
  (void)info;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) return throw_errno(env, "readlink(/proc/self/exe)", errno);
  exe[n] = 0;
  FILE *smaps = fopen("/proc/self/smaps", "re");
  if (!smaps) return throw_errno(env, "fopen(/proc/self/smaps)", errno);
  char line[4096 + 256];
  unsigned long start = 0, end = 0;
  int ours = 0; /* the mapping whose fields are being read is a read-only one of the executable */
  double advised = 0;
  int failed = 0;
  while (fgets(line, sizeof line, smaps)) {
    unsigned long s, e;
    char perms[8];
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s, &e, perms, &path_at) >= 3 && path_at > 0) {
      char *path = line + path_at;
      path[strcspn(path, "\n")] = 0;
      ours = strcmp(path, exe) == 0 && perms[1] != 'w';
      start = s;
      end = e;
      continue;
    }
    unsigned long anon_kb;
    if (!ours || sscanf(line, "Anonymous: %lu kB", &anon_kb) != 1) continue;
    ours = 0;
    if (madvise((void *)start, end - start, anon_kb == 0 ? MADV_DONTNEED : MADV_PAGEOUT) < 0) {
      failed = 1;
      continue;
    }
    advised += (double)(end - start);
  }
  fclose(smaps);
  napi_value result;
  napi_create_double(env, failed && advised == 0 ? -1 : advised, &result);
  return result;
}

/* malloc_trim(0): glibc keeps freed memory of every arena (the main one and one per thread that allocated) resident
 * until asked; this returns the free pages in all of them to the kernel. 1 when memory was released. */
napi_value js_trim_malloc(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, malloc_trim(0), &result);
  return result;
}
