/*
 * copyup_many DIR N TEXT [keep-open]: append TEXT to each of DIR/f00000 .. DIR/f<N-1> (files of a lower
 * layer, so every append is a copy-up), closing each file, then read every file back and
 * check that it ends with TEXT. Prints "appended N" and exits 0; on the first error prints
 * "error at <path>: <message>" to stderr and exits 1. Used by the CLI descriptor test
 * (thousands of copy-ups under a low `ulimit -n`) and the concurrent-runs test. With
 * `keep-open` the appended files are left open at exit (the host must release them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *path) {
  fprintf(stderr, "error at %s: %s\n", path, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4 && !(argc == 5 && strcmp(argv[4], "keep-open") == 0)) {
    fprintf(stderr, "usage: copyup_many DIR N TEXT [keep-open]\n");
    return 2;
  }
  const char *dir = argv[1];
  long n = strtol(argv[2], NULL, 10);
  const char *text = argv[3];
  int keep_open = argc == 5;
  size_t len = strlen(text);
  char path[512];
  static char buf[65536];
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%05ld", dir, i);
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0) return fail(path);
    if (write(fd, text, len) != (ssize_t)len) return fail(path);
    if (!keep_open && close(fd) != 0) return fail(path);
  }
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%05ld", dir, i);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail(path);
    ssize_t got = read(fd, buf, sizeof buf);
    close(fd);
    if (got < (ssize_t)len || memcmp(buf + got - len, text, len) != 0) {
      fprintf(stderr, "error at %s: does not end with the appended text\n", path);
      return 1;
    }
  }
  printf("appended %ld\n", n);
  return 0;
}
