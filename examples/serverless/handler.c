/*
 * The serverless example's wasm handler: runs the operations named by its
 * arguments in order, one request = one run in a fresh sandbox.
 *
 *   hello                 print "hello from layerfs"
 *   cat PATH              print a file
 *   write PATH TEXT       create/replace a file with TEXT
 *   append PATH TEXT      append TEXT to a file
 *   rm PATH               delete a file (an image file becomes a whiteout)
 *   ls DIR                print the names in DIR, one a line, sorted by the union
 *   fill PATH BYTES       write BYTES bytes in 64 KiB writes (past a quota: ENOSPC)
 *   size PATH             print "PATH: N bytes" (stat)
 *   stdin                 copy stdin to stdout
 *   loop                  never return (the server's time limit ends it)
 *
 * Each failing operation prints "OP PATH: strerror" and the handler exits 1
 * after the remaining operations.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed;

static void fail(const char *op, const char *path) {
  printf("%s %s: %s\n", op, path, strerror(errno));
  failed = 1;
}

static void put(const char *path, const char *text, int flags) {
  int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
  if (fd < 0) return fail("open", path);
  size_t n = strlen(text);
  if (write(fd, text, n) != (ssize_t)n) fail("write", path);
  if (close(fd) != 0) fail("close", path);
}

static void cat(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return fail("cat", path);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  if (n < 0) fail("read", path);
  close(fd);
}

static void ls(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) return fail("ls", path);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) printf("%s\n", e->d_name);
  }
  closedir(d);
}

static void fill(const char *path, long long bytes) {
  static char block[65536];
  memset(block, 'x', sizeof block);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return fail("fill", path);
  long long done = 0;
  while (done < bytes) {
    size_t n = bytes - done < (long long)sizeof block ? (size_t)(bytes - done) : sizeof block;
    ssize_t w = write(fd, block, n);
    if (w < 0) {
      fail("fill", path);
      break;
    }
    done += w;
  }
  close(fd);
  printf("fill %s: %lld bytes\n", path, done);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *op = argv[i];
    const char *a = i + 1 < argc ? argv[i + 1] : "";
    const char *b = i + 2 < argc ? argv[i + 2] : "";
    if (strcmp(op, "hello") == 0) {
      printf("hello from layerfs\n");
    } else if (strcmp(op, "cat") == 0) {
      cat(a), i += 1;
    } else if (strcmp(op, "write") == 0) {
      put(a, b, O_TRUNC), i += 2;
    } else if (strcmp(op, "append") == 0) {
      put(a, b, O_APPEND), i += 2;
    } else if (strcmp(op, "rm") == 0) {
      if (unlink(a) != 0) fail("rm", a);
      i += 1;
    } else if (strcmp(op, "ls") == 0) {
      ls(a), i += 1;
    } else if (strcmp(op, "fill") == 0) {
      fill(a, atoll(b)), i += 2;
    } else if (strcmp(op, "stdin") == 0) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
    } else if (strcmp(op, "size") == 0) {
      struct stat st;
      if (stat(a, &st) != 0) fail("size", a);
      else printf("%s: %lld bytes\n", a, (long long)st.st_size);
      i += 1;
    } else if (strcmp(op, "loop") == 0) {
      volatile unsigned long n = 0;
      for (;;) n++;
    } else {
      printf("unknown operation: %s\n", op);
      return 2;
    }
  }
  fflush(stdout);
  return failed;
}
