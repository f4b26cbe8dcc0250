/*
 * wasi_quota: a guest past its union's quota (Union option `quota`, `layerfs run
 * --quota-bytes/--quota-inodes`). Run it over an image holding /lower/big.bin (2 MiB)
 * with quota { bytes: 1 MiB, inodes: 64 } on an empty memory upper. Checks that ENOSPC
 * reaches the guest and that a refused write or create leaves nothing behind: the file
 * keeps its size and bytes, the refused name does not exist. Copy-up counts the chunks it
 * stores, not the file's size: a small write into the 2 MiB lower file fits.
 */
#include <errno.h>
#include <stdio.h>
#include "tap.h"

static __wasi_fd_t root;
static uint8_t big[2 << 20];

static __wasi_errno_t write_at(__wasi_fd_t fd, const void *data, size_t len, int64_t at, __wasi_size_t *n) {
  __wasi_ciovec_t iov = {(const uint8_t *)data, len};
  if (at < 0) return __wasi_fd_write(fd, &iov, 1, n);
  return __wasi_fd_pwrite(fd, &iov, 1, (__wasi_filesize_t)at, n);
}

static uint64_t size_of(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  return __wasi_fd_filestat_get(fd, &st) == 0 ? st.size : (uint64_t)-1;
}

static void test_bytes(void) {
  __wasi_fd_t fd;
  __wasi_size_t n = 0;
  check_err("put a small file", put_file(root, "q/small", "hello"), 0);
  check_err("create q/big", open_at(root, "q/big", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd), 0);
  memset(big, 'a', sizeof big);
  check_err("a 2 MiB write past the byte quota is ENOSPC", write_at(fd, big, sizeof big, -1, &n), __WASI_ERRNO_NOSPC);
  check_u64("nothing of it was written", size_of(fd), 0);
  check_err("a 1000-byte write fits", write_at(fd, big, 1000, -1, &n), 0);
  check_u64("it wrote 1000 bytes", n, 1000);
  memset(big, 'b', sizeof big);
  check_err("a 2 MiB pwrite over it is ENOSPC", write_at(fd, big, sizeof big, 0, &n), __WASI_ERRNO_NOSPC);
  check_u64("the size is unchanged", size_of(fd), 1000);
  uint8_t back[1000];
  __wasi_iovec_t iov = {back, sizeof back};
  check_err("read it back", __wasi_fd_pread(fd, &iov, 1, 0, &n), 0);
  memset(big, 'a', 1000);
  check_mem("the bytes are the first write's", back, n, big, 1000);
  __wasi_fd_close(fd);

  check_err("open the 2 MiB lower file for writing (copy-up)", open_at(root, "lower/big.bin", 0, RIGHTS_RW, 0, &fd), 0);
  check_err("a 10-byte write into it fits (chunks count, not the file size)", write_at(fd, "0123456789", 10, 0, &n), 0);
  check_u64("its size is still 2 MiB", size_of(fd), 2 << 20);
  __wasi_fd_close(fd);
}

static void test_inodes(void) {
  char name[32];
  int made = 0;
  __wasi_errno_t e = 0;
  for (; made < 1000; made++) {
    snprintf(name, sizeof name, "q/f%03d", made);
    __wasi_fd_t fd;
    e = open_at(root, name, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_RW, 0, &fd);
    if (e) break;
    __wasi_fd_close(fd);
  }
  check_err("creating files ends with ENOSPC", e, __WASI_ERRNO_NOSPC);
  check_true("some were created first", made > 0 && made < 1000, "0 < n < 1000", "other");
  __wasi_filestat_t st;
  check_err("the refused name does not exist", __wasi_path_filestat_get(root, 0, name, &st), __WASI_ERRNO_NOENT);
  check_err("mkdir is ENOSPC too", __wasi_path_create_directory(root, "q/dir"), __WASI_ERRNO_NOSPC);
  check_err("and leaves no directory", __wasi_path_filestat_get(root, 0, "q/dir", &st), __WASI_ERRNO_NOENT);
  check_err("symlink is ENOSPC too", __wasi_path_symlink("small", root, "q/link"), __WASI_ERRNO_NOSPC);
  check_err("unlink gives an inode back", __wasi_path_unlink_file(root, "q/f000"), 0);
  __wasi_fd_t fd;
  check_err("so a create fits again", open_at(root, "q/again", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd), 0);
  __wasi_fd_close(fd);
  errno = 0;
  FILE *f = fopen("/q/libc", "w");
  check_true("libc fopen past the quota fails with ENOSPC", f == NULL && errno == ENOSPC, "NULL, ENOSPC", f ? "a FILE" : strerror(errno));
  if (f) fclose(f);
}

int main(void) {
  root = find_root();
  check_err("mkdir q", __wasi_path_create_directory(root, "q"), 0);
  test_bytes();
  test_inodes();
  return tap_finish();
}
