/*
 * layerfs benchmark guest. One workload per run, selected by argv[1]:
 *   churn              create/write/read/stat/unlink 2,000 files of 4 KiB in /bench
 *   walk DIR [PASSES]  recursively walk DIR and lstat every entry (PASSES times, default 1)
 *   tree DIR [PASSES]  like walk, and also count entries by type (extra fields
 *                      entries= files= dirs= symlinks= on the same line, of one pass)
 *   readbig PATH       read PATH sequentially in 64 KiB blocks
 *   writebig PATH MIB  write PATH of MIB MiB in 64 KiB blocks
 *   stats PATH N       stat PATH N times
 *   pwrite PATH OFF    open PATH write-only, pwrite 4 KiB at OFF, close (a copy-up of a lower file)
 * Prints one line "workload=<name> ms=<float> ops=<n>" (timed inside the guest with
 * clock_time_get(MONOTONIC)) and exits 0; on error prints to stderr and exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#define BLOCK (64 * 1024)
static unsigned char block[BLOCK];

static uint64_t now_ns(void) {
  __wasi_timestamp_t t = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1000, &t);
  return t;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "bench: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static uint64_t churn(void) {
  enum { N = 2000, SIZE = 4096 };
  static unsigned char data[SIZE], back[SIZE];
  for (int i = 0; i < SIZE; i++) data[i] = (unsigned char)(i * 7);
  if (mkdir("/bench", 0755) != 0 && errno != EEXIST) die("mkdir", "/bench");
  uint64_t ops = 0;
  char path[64];
  for (int i = 0; i < N; i++) {
    snprintf(path, sizeof path, "/bench/f%05d", i);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) die("create", path);
    if (write(fd, data, SIZE) != SIZE) die("write", path);
    close(fd);
    ops += 2;
  }
  for (int i = 0; i < N; i++) {
    snprintf(path, sizeof path, "/bench/f%05d", i);
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("open", path);
    if (read(fd, back, SIZE) != SIZE || memcmp(back, data, SIZE) != 0) die("read", path);
    close(fd);
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size != SIZE) die("stat", path);
    ops += 2;
  }
  for (int i = 0; i < N; i++) {
    snprintf(path, sizeof path, "/bench/f%05d", i);
    if (unlink(path) != 0) die("unlink", path);
    ops++;
  }
  return ops;
}

static uint64_t files, dirs, links, others;

static uint64_t walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) die("opendir", dir);
  uint64_t ops = 1;
  struct dirent *e;
  size_t dl = strlen(dir);
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t nl = strlen(e->d_name);
    char *path = malloc(dl + nl + 2);
    memcpy(path, dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, e->d_name, nl + 1);
    struct stat st;
    if (lstat(path, &st) != 0) die("lstat", path);
    ops++;
    if (S_ISDIR(st.st_mode)) {
      dirs++;
      ops += walk(path);
    } else if (S_ISREG(st.st_mode)) files++;
    else if (S_ISLNK(st.st_mode)) links++;
    else others++;
    free(path);
  }
  closedir(d);
  return ops;
}

static uint64_t readbig(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) die("open", path);
  uint64_t ops = 0, bytes = 0;
  for (;;) {
    ssize_t n = read(fd, block, BLOCK);
    if (n < 0) die("read", path);
    ops++;
    if (n == 0) break;
    bytes += (uint64_t)n;
  }
  close(fd);
  fprintf(stderr, "bench: read %llu bytes\n", (unsigned long long)bytes);
  return ops;
}

static uint64_t writebig(const char *path, long mib) {
  for (int i = 0; i < BLOCK; i++) block[i] = (unsigned char)(i * 31 + 7);
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) die("create", path);
  uint64_t ops = 0, blocks = (uint64_t)mib * 1024 * 1024 / BLOCK;
  for (uint64_t i = 0; i < blocks; i++) {
    if (write(fd, block, BLOCK) != BLOCK) die("write", path);
    ops++;
  }
  if (close(fd) != 0) die("close", path);
  return ops;
}

static uint64_t stats(const char *path, long n) {
  struct stat st;
  for (long i = 0; i < n; i++)
    if (stat(path, &st) != 0) die("stat", path);
  return (uint64_t)n;
}

static uint64_t pwrite4k(const char *path, long long off) {
  static unsigned char data[4096];
  memset(data, 0x5a, sizeof data);
  int fd = open(path, O_WRONLY);
  if (fd < 0) die("open", path);
  if (pwrite(fd, data, sizeof data, (off_t)off) != (ssize_t)sizeof data) die("pwrite", path);
  if (close(fd) != 0) die("close", path);
  return 1;
}

int main(int argc, char **argv) {
  const char *w = argc > 1 ? argv[1] : "";
  uint64_t t0 = now_ns(), ops;
  if (strcmp(w, "churn") == 0) ops = churn();
  else if ((strcmp(w, "walk") == 0 || strcmp(w, "tree") == 0) && argc > 2) {
    long passes = argc > 3 ? atol(argv[3]) : 1;
    ops = 0;
    for (long p = 0; p < passes; p++) {
      if (p > 0) files = dirs = links = others = 0;
      ops += walk(argv[2]);
    }
  } else if (strcmp(w, "readbig") == 0 && argc > 2) ops = readbig(argv[2]);
  else if (strcmp(w, "writebig") == 0 && argc > 3) ops = writebig(argv[2], atol(argv[3]));
  else if (strcmp(w, "stats") == 0 && argc > 3) ops = stats(argv[2], atol(argv[3]));
  else if (strcmp(w, "pwrite") == 0 && argc > 3) ops = pwrite4k(argv[2], atoll(argv[3]));
  else {
    fprintf(stderr, "usage: bench.wasm churn | walk DIR [PASSES] | tree DIR [PASSES] | readbig PATH | writebig PATH MIB | stats PATH N | pwrite PATH OFF\n");
    return 2;
  }
  uint64_t t1 = now_ns();
  printf("workload=%s ms=%.3f ops=%llu", w, (double)(t1 - t0) / 1e6, (unsigned long long)ops);
  if (strcmp(w, "tree") == 0) /* extra fields on the same line */
    printf(" entries=%llu files=%llu dirs=%llu symlinks=%llu", (unsigned long long)(files + dirs + links + others),
           (unsigned long long)files, (unsigned long long)dirs, (unsigned long long)links);
  printf("\n");
  return 0;
}
