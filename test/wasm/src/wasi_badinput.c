/*
 * Bad input gets an errno, never a trap or a host exception: invalid fds (EBADF),
 * invalid whence/advice/flags (EINVAL), paths with embedded NUL bytes (EINVAL),
 * over-long names and paths (ENAMETOOLONG), empty paths, file fds used as directories;
 * and fd_renumber, valid and invalid.
 * CLI: wasi_badinput.wasm  (needs a fresh writable root preopen "/"; works in /bad)
 */
#include "tap.h"

static __wasi_fd_t root;
#define BAD 9999

static void test_bad_fds(void) {
  uint8_t b[8];
  __wasi_iovec_t iov = {b, sizeof b};
  __wasi_ciovec_t ciov = {b, sizeof b};
  __wasi_size_t n;
  __wasi_filesize_t pos;
  __wasi_fdstat_t fs;
  __wasi_filestat_t st;
  __wasi_fd_t out;
  const __wasi_errno_t E = __WASI_ERRNO_BADF;
  check_err("fd_read on a bad fd", __wasi_fd_read(BAD, &iov, 1, &n), E);
  check_err("fd_write on a bad fd", __wasi_fd_write(BAD, &ciov, 1, &n), E);
  check_err("fd_pread on a bad fd", __wasi_fd_pread(BAD, &iov, 1, 0, &n), E);
  check_err("fd_pwrite on a bad fd", __wasi_fd_pwrite(BAD, &ciov, 1, 0, &n), E);
  check_err("fd_seek on a bad fd", __wasi_fd_seek(BAD, 0, __WASI_WHENCE_SET, &pos), E);
  check_err("fd_tell on a bad fd", __wasi_fd_tell(BAD, &pos), E);
  check_err("fd_close on a bad fd", __wasi_fd_close(BAD), E);
  check_err("fd_fdstat_get on a bad fd", __wasi_fd_fdstat_get(BAD, &fs), E);
  check_err("fd_fdstat_set_flags on a bad fd", __wasi_fd_fdstat_set_flags(BAD, 0), E);
  check_err("fd_fdstat_set_rights on a bad fd", __wasi_fd_fdstat_set_rights(BAD, 0, 0), E);
  check_err("fd_filestat_get on a bad fd", __wasi_fd_filestat_get(BAD, &st), E);
  check_err("fd_filestat_set_size on a bad fd", __wasi_fd_filestat_set_size(BAD, 0), E);
  check_err("fd_filestat_set_times on a bad fd", __wasi_fd_filestat_set_times(BAD, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), E);
  check_err("fd_readdir on a bad fd", __wasi_fd_readdir(BAD, b, sizeof b, 0, &n), E);
  check_err("fd_advise on a bad fd", __wasi_fd_advise(BAD, 0, 0, __WASI_ADVICE_NORMAL), E);
  check_err("fd_allocate on a bad fd", __wasi_fd_allocate(BAD, 0, 1), E);
  check_err("fd_datasync on a bad fd", __wasi_fd_datasync(BAD), E);
  check_err("fd_sync on a bad fd", __wasi_fd_sync(BAD), E);
  check_err("fd_read on fd 0x7fffffff", __wasi_fd_read(0x7fffffff, &iov, 1, &n), E);
  check_err("fd_close on fd 0xffffffff", __wasi_fd_close(0xffffffffu), E);
  check_err("path_open on a bad directory fd", open_at(BAD, "x", 0, RIGHTS_RO, 0, &out), E);
  check_err("path_create_directory on a bad fd", __wasi_path_create_directory(BAD, "x"), E);
  check_err("path_filestat_get on a bad fd", __wasi_path_filestat_get(BAD, 0, "x", &st), E);
  check_err("path_filestat_set_times on a bad fd",
            __wasi_path_filestat_set_times(BAD, 0, "x", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), E);
  check_err("path_link from a bad fd", __wasi_path_link(BAD, 0, "x", root, "bad/y"), E);
  check_err("path_link to a bad fd", __wasi_path_link(root, 0, "bad", BAD, "y"), E);
  check_err("path_readlink on a bad fd", __wasi_path_readlink(BAD, "x", b, sizeof b, &n), E);
  check_err("path_remove_directory on a bad fd", __wasi_path_remove_directory(BAD, "x"), E);
  check_err("path_rename from a bad fd", __wasi_path_rename(BAD, "x", root, "bad/y"), E);
  check_err("path_rename to a bad fd", __wasi_path_rename(root, "bad", BAD, "y"), E);
  check_err("path_symlink on a bad fd", __wasi_path_symlink("x", BAD, "y"), E);
  check_err("path_unlink_file on a bad fd", __wasi_path_unlink_file(BAD, "x"), E);
}

static void test_file_fd_as_dir(void) {
  __wasi_fd_t f, out;
  __wasi_filestat_t st;
  put_file(root, "bad/file", "data");
  open_at(root, "bad/file", 0, RIGHTS_RW, 0, &f);
  check_err2("path_open relative to a file fd", __wasi_path_open(f, 0, "x", 0, RIGHTS_RO, 0, 0, &out),
             __WASI_ERRNO_NOTDIR, __WASI_ERRNO_NOTCAPABLE);
  check_err2("path_filestat_get relative to a file fd", __wasi_path_filestat_get(f, 0, "x", &st), __WASI_ERRNO_NOTDIR,
             __WASI_ERRNO_NOTCAPABLE);
  check_err2("path_create_directory relative to a file fd", __wasi_path_create_directory(f, "x"),
             __WASI_ERRNO_NOTDIR, __WASI_ERRNO_NOTCAPABLE);
  __wasi_fd_close(f);
}

static void test_invalid_values(void) {
  __wasi_fd_t f, out;
  __wasi_filesize_t pos;
  open_at(root, "bad/file", 0, RIGHTS_RW, 0, &f);
  check_err("fd_seek with whence 3 is EINVAL", __wasi_fd_seek(f, 0, 3, &pos), __WASI_ERRNO_INVAL);
  check_err("fd_seek with whence 255 is EINVAL", __wasi_fd_seek(f, 0, 255, &pos), __WASI_ERRNO_INVAL);
  check_err("fd_advise with advice 99 is EINVAL", __wasi_fd_advise(f, 0, 0, 99), __WASI_ERRNO_INVAL);
  check_err("fd_fdstat_set_flags with unknown bits is EINVAL", __wasi_fd_fdstat_set_flags(f, 1 << 7),
            __WASI_ERRNO_INVAL);
  check_err("path_open with unknown oflags bits is EINVAL",
            __wasi_path_open(root, 0, "bad/file", 1 << 6, RIGHTS_RO, 0, 0, &out), __WASI_ERRNO_INVAL);
  check_err("path_open with unknown fdflags bits is EINVAL",
            __wasi_path_open(root, 0, "bad/file", 0, RIGHTS_RO, 0, 1 << 7, &out), __WASI_ERRNO_INVAL);
  check_err("path_filestat_set_times with unknown fst_flags bits is EINVAL",
            __wasi_fd_filestat_set_times(f, 0, 0, 1 << 6), __WASI_ERRNO_INVAL);
  __wasi_size_t n = 99;
  check_err("fd_write with zero iovecs", __wasi_fd_write(f, NULL, 0, &n), 0);
  check_u64("fd_write with zero iovecs writes 0", n, 0);
  check_err("fd_read with zero iovecs", __wasi_fd_read(f, NULL, 0, &n), 0);
  check_u64("fd_read with zero iovecs reads 0", n, 0);
  __wasi_fd_close(f);
  check_file("file unchanged by the bad calls", root, "bad/file", "data");
}

static void test_bad_paths(void) {
  int32_t fd;
  __wasi_filestat_t st;
  __wasi_fd_t out;
  static const char nul_mid[] = "bad/file\0x";
  static const char nul_end[] = "bad/file\0";
  check_err("path_open with an embedded NUL is EINVAL",
            raw_path_open(root, 0, nul_mid, sizeof nul_mid - 1, 0, RIGHTS_RO, 0, 0, &fd), __WASI_ERRNO_INVAL);
  check_err("path_open with a trailing NUL counted in the length is EINVAL",
            raw_path_open(root, 0, nul_end, sizeof nul_end - 1, 0, RIGHTS_RO, 0, 0, &fd), __WASI_ERRNO_INVAL);
  check_err("path_filestat_get with an embedded NUL is EINVAL",
            raw_path_filestat_get(root, 0, nul_mid, sizeof nul_mid - 1, &st), __WASI_ERRNO_INVAL);
  check_err("path_create_directory with an embedded NUL is EINVAL",
            raw_path_create_directory(root, "bad/d\0x", 7), __WASI_ERRNO_INVAL);
  check_err("path_open with the length cut before the NUL works",
            raw_path_open(root, 0, nul_mid, 8, 0, RIGHTS_RO, 0, 0, &fd), 0);
  __wasi_fd_close(fd);
  check_err("path_unlink_file with a trailing NUL is EINVAL",
            raw_path_unlink_file(root, nul_end, sizeof nul_end - 1), __WASI_ERRNO_INVAL);
  check_err("the file survives the NUL unlink", stat_at(root, "bad/file", 0, &st), 0);
  /* name and path length limits (Linux: NAME_MAX 255, PATH_MAX 4096) */
  char name[300] = "bad/";
  memset(name + 4, 'n', 256);
  name[260] = 0;
  check_err("a 256-byte name is ENAMETOOLONG (open)", open_at(root, name, 0, RIGHTS_RO, 0, &out),
            __WASI_ERRNO_NAMETOOLONG);
  check_err("a 256-byte name is ENAMETOOLONG (mkdir)", __wasi_path_create_directory(root, name),
            __WASI_ERRNO_NAMETOOLONG);
  check_err("a 256-byte name is ENAMETOOLONG (create)",
            open_at(root, name, __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &out), __WASI_ERRNO_NAMETOOLONG);
  name[259] = 0;
  check_err("a 255-byte name is allowed (missing: ENOENT)", stat_at(root, name, 0, &st), __WASI_ERRNO_NOENT);
  check_err("a 255-byte name can be created", put_file(root, name, "long"), 0);
  static char path[6000];
  for (int i = 0; i < 2500; i++) memcpy(path + 2 * i, "a/", 2);
  path[5000] = 0;
  check_err("a 5000-byte path is ENAMETOOLONG", stat_at(root, path, 0, &st), __WASI_ERRNO_NAMETOOLONG);
  check_err("a 5000-byte path is ENAMETOOLONG (open)", open_at(root, path, 0, RIGHTS_RO, 0, &out),
            __WASI_ERRNO_NAMETOOLONG);
  /* empty paths */
  check_err("path_open of an empty path is ENOENT", open_at(root, "", 0, RIGHTS_RO, 0, &out), __WASI_ERRNO_NOENT);
  check_err("path_filestat_get of an empty path is ENOENT", stat_at(root, "", 0, &st), __WASI_ERRNO_NOENT);
  check_err("path_create_directory of an empty path is ENOENT", __wasi_path_create_directory(root, ""),
            __WASI_ERRNO_NOENT);
  check_err("path_unlink_file of an empty path is ENOENT", __wasi_path_unlink_file(root, ""), __WASI_ERRNO_NOENT);
}

static void test_renumber(void) {
  __wasi_fd_t a, b;
  put_file(root, "bad/ra", "AAA");
  put_file(root, "bad/rb", "BBB");
  open_at(root, "bad/ra", 0, RIGHTS_RO, 0, &a);
  open_at(root, "bad/rb", 0, RIGHTS_RO, 0, &b);
  check_err("fd_renumber a onto b", __wasi_fd_renumber(a, b), 0);
  char buf[8];
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
  __wasi_size_t n = 0;
  check_err("read through the renumbered fd", __wasi_fd_read(b, &iov, 1, &n), 0);
  check_bytes("the target fd now reads a's file", buf, n, "AAA");
  check_err("the old fd number is closed", __wasi_fd_close(a), __WASI_ERRNO_BADF);
  check_err("fd_renumber from a bad fd is EBADF", __wasi_fd_renumber(BAD, b), __WASI_ERRNO_BADF);
  check_err("fd_renumber to a closed fd is EBADF", __wasi_fd_renumber(b, BAD), __WASI_ERRNO_BADF);
  check_err("fd_renumber onto itself", __wasi_fd_renumber(b, b), 0);
  check_err("the fd survives renumber onto itself", __wasi_fd_close(b), 0);
}

int main(void) {
  root = find_root();
  make_workdir(root, "bad");
  test_bad_fds();
  test_file_fd_as_dir();
  test_invalid_values();
  test_bad_paths();
  test_renumber();
  return tap_finish();
}
