/* An LD_PRELOAD write-failure shim for tests/integration/disk_full.sh: the
 * writes (write, pwrite, pwrite64) to files whose path contains $DYNFAULT_FAULT_FILE fail with errno
 * $DYNFAULT_FAULT_ERRNO (default EIO) once $DYNFAULT_FAULT_AFTER of them
 * (default 0) have succeeded, and every later one fails too, as a broken
 * disk does. Other files
 * are untouched. Used where a failure point must be chosen exactly (the
 * journal, EIO), which a full tmpfs cannot give. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long writes_left = -2; /* -2: not read yet; -1: no fault configured */
static int fault_errno = EIO;
static const char* pattern;

static int faulty(int fd) {
  if (writes_left == -2) {
    pattern = getenv("DYNFAULT_FAULT_FILE");
    const char* after = getenv("DYNFAULT_FAULT_AFTER");
    const char* code = getenv("DYNFAULT_FAULT_ERRNO");
    writes_left = pattern && *pattern ? (after ? atol(after) : 0) : -1;
    if (code) fault_errno = atoi(code);
  }
  if (writes_left == -1) return 0;
  char link[64], target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  if (!strstr(target, pattern)) return 0;
  if (writes_left > 0) {
    --writes_left;
    return 0;
  }
  return 1;
}

ssize_t write(int fd, const void* buf, size_t count) {
  static ssize_t (*real)(int, const void*, size_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  if (faulty(fd)) {
    errno = fault_errno;
    return -1;
  }
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  if (faulty(fd)) {
    errno = fault_errno;
    return -1;
  }
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
  if (faulty(fd)) {
    errno = fault_errno;
    return -1;
  }
  return real(fd, buf, count, offset);
}
