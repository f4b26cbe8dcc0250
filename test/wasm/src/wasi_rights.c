/*
 * Rights: the root preopen and directory fds report full base and inheriting rights
 * (wasi-libc depends on it); read-only fds cannot write and write-only fds cannot read;
 * fd_fdstat_set_rights only drops rights; a directory fd's inheriting rights cap the
 * files opened through it; libc access() answers from those rights.
 * CLI: wasi_rights.wasm    (needs a fresh writable root preopen "/"; works in /rights)
 */
#include "tap.h"
#include <errno.h>
#include <unistd.h>

static __wasi_fd_t root;

#define DIR_BASE                                                                                                     \
  (__WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE | __WASI_RIGHTS_PATH_LINK_SOURCE |            \
   __WASI_RIGHTS_PATH_LINK_TARGET | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_READLINK | \
   __WASI_RIGHTS_PATH_RENAME_SOURCE | __WASI_RIGHTS_PATH_RENAME_TARGET | __WASI_RIGHTS_PATH_FILESTAT_GET |             \
   __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE | __WASI_RIGHTS_PATH_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_FILESTAT_GET |      \
   __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY |            \
   __WASI_RIGHTS_PATH_UNLINK_FILE)
#define FILE_RIGHTS                                                                                       \
  (__WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | \
   __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ADVISE |               \
   __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |                  \
   __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_POLL_FD_READWRITE)

static void check_bits(const char *name, __wasi_rights_t have, __wasi_rights_t want) {
  char g[40];
  snprintf(g, sizeof g, "missing 0x%llx", (unsigned long long)(want & ~have));
  check_true(name, (have & want) == want, "all bits", g);
}

static void test_dir_rights(void) {
  __wasi_fdstat_t fs;
  check_err("fd_fdstat_get on the root", __wasi_fd_fdstat_get(root, &fs), 0);
  check_true("root filetype is DIRECTORY", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY, "DIRECTORY",
             ftname(fs.fs_filetype));
  check_bits("root base rights hold every directory right", fs.fs_rights_base, DIR_BASE);
  check_bits("root inheriting rights hold every file right", fs.fs_rights_inheriting, FILE_RIGHTS);
  check_bits("root inheriting rights hold every directory right", fs.fs_rights_inheriting, DIR_BASE);
  __wasi_fd_t d;
  __wasi_path_create_directory(root, "rights/sub");
  check_err("open a subdirectory with the root's rights", open_dir(root, "rights/sub", 0, &d), 0);
  __wasi_fdstat_t ds;
  __wasi_fd_fdstat_get(d, &ds);
  check_bits("subdirectory fd has every directory right", ds.fs_rights_base, DIR_BASE);
  check_bits("subdirectory fd inherits every file right", ds.fs_rights_inheriting, FILE_RIGHTS);
  __wasi_size_t n;
  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  check_err2("fd_write on a directory fd fails", __wasi_fd_write(d, &iov, 1, &n), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  __wasi_fd_close(d);
  check_true("libc access(R_OK|W_OK|X_OK) on the root", access("/", R_OK | W_OK | X_OK) == 0, "0", strerror(errno));
  put_file(root, "rights/f", "data");
  check_true("libc access(R_OK|W_OK) on a file", access("/rights/f", R_OK | W_OK) == 0, "0", strerror(errno));
}

static void test_file_rights(void) {
  __wasi_fd_t fd;
  __wasi_size_t n;
  __wasi_fdstat_t fs;
  __wasi_ciovec_t iov = {(const uint8_t *)"XX", 2};
  check_err("open read-only", open_at(root, "rights/f", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0, &fd), 0);
  __wasi_fd_fdstat_get(fd, &fs);
  check_true("read-only fd has FD_READ", (fs.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0, "set", "clear");
  check_true("read-only fd lacks FD_WRITE", (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) == 0, "clear", "set");
  check_err2("fd_write on a read-only fd fails", __wasi_fd_write(fd, &iov, 1, &n), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  check_err2("fd_pwrite on a read-only fd fails", __wasi_fd_pwrite(fd, &iov, 1, 0, &n), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  check_err2("fd_filestat_set_size on a read-only fd fails", __wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  check_err2("fd_allocate on a read-only fd fails", __wasi_fd_allocate(fd, 0, 100), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  char buf[8];
  __wasi_iovec_t riov = {(uint8_t *)buf, sizeof buf};
  check_err("fd_read on a read-only fd", __wasi_fd_read(fd, &riov, 1, &n), 0);
  __wasi_fd_close(fd);
  check_file("file unchanged by the refused writes", root, "rights/f", "data");
  check_err("open write-only", open_at(root, "rights/f", 0, __WASI_RIGHTS_FD_WRITE, 0, &fd), 0);
  check_err2("fd_read on a write-only fd fails", __wasi_fd_read(fd, &riov, 1, &n), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  check_err("fd_write on a write-only fd", __wasi_fd_write(fd, &iov, 1, &n), 0);
  __wasi_fd_close(fd);
  check_file("write-only fd wrote at offset 0", root, "rights/f", "XXta");
  /* fd_fdstat_set_rights */
  open_at(root, "rights/f", 0, RIGHTS_RW, 0, &fd);
  check_err("fd_fdstat_set_rights drops FD_WRITE",
            __wasi_fd_fdstat_set_rights(fd, RIGHTS_RW & ~__WASI_RIGHTS_FD_WRITE, 0), 0);
  __wasi_fd_fdstat_get(fd, &fs);
  check_true("FD_WRITE is gone", (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) == 0, "clear", "set");
  check_err2("fd_write after dropping FD_WRITE fails", __wasi_fd_write(fd, &iov, 1, &n), __WASI_ERRNO_BADF,
             __WASI_ERRNO_NOTCAPABLE);
  check_err("fd_fdstat_set_rights cannot add rights", __wasi_fd_fdstat_set_rights(fd, RIGHTS_RW, 0),
            __WASI_ERRNO_NOTCAPABLE);
  check_err("fd_read still allowed", __wasi_fd_read(fd, &riov, 1, &n), 0);
  __wasi_fd_close(fd);
}

static void test_inheriting(void) {
  __wasi_fd_t d, fd;
  __wasi_fdstat_t rs;
  __wasi_fd_fdstat_get(root, &rs);
  put_file(root, "rights/sub/g", "g");
  check_err("open a directory with read-only inheriting rights",
            __wasi_path_open(root, 0, "rights/sub", __WASI_OFLAGS_DIRECTORY, rs.fs_rights_base,
                             RIGHTS_RO, 0, &d), 0);
  check_err("a read-only open through it works", __wasi_path_open(d, 0, "g", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd), 0);
  __wasi_fd_close(fd);
  check_err("asking for FD_WRITE beyond its inheriting rights is ENOTCAPABLE",
            __wasi_path_open(d, 0, "g", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd),
            __WASI_ERRNO_NOTCAPABLE);
  __wasi_fd_close(d);
  check_err("open a directory without PATH_CREATE_DIRECTORY",
            __wasi_path_open(root, 0, "rights/sub", __WASI_OFLAGS_DIRECTORY,
                             rs.fs_rights_base & ~__WASI_RIGHTS_PATH_CREATE_DIRECTORY, rs.fs_rights_inheriting, 0,
                             &d), 0);
  check_err("mkdir through it is ENOTCAPABLE", __wasi_path_create_directory(d, "nope"), __WASI_ERRNO_NOTCAPABLE);
  __wasi_fd_close(d);
}

int main(void) {
  root = find_root();
  make_workdir(root, "rights");
  test_dir_rights();
  test_file_rights();
  test_inheriting();
  return tap_finish();
}
