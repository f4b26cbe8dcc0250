/*
 * Regular-file I/O through raw WASI calls: open flags, read/write (scatter/gather),
 * seek/tell, pread/pwrite, O_APPEND, size changes, allocate/advise/sync, stats,
 * unlink and rename of files, and the same through libc (fopen/stat/rename/access).
 * CLI: wasi_files.wasm      (needs a fresh writable root preopen "/"; works in /files)
 */
#include "tap.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static __wasi_fd_t root;

static __wasi_errno_t wr(__wasi_fd_t fd, const char *s, __wasi_size_t *n) {
  __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
  return __wasi_fd_write(fd, &iov, 1, n);
}

static void test_prestat(void) {
  __wasi_prestat_t ps;
  check_err("fd_prestat_get on the root preopen", __wasi_fd_prestat_get(root, &ps), 0);
  check_u64("root prestat is a directory of name length 1", ps.tag * 1000 + ps.u.dir.pr_name_len, 1);
  char name[4] = "xxx";
  check_err("fd_prestat_dir_name on the root", __wasi_fd_prestat_dir_name(root, (uint8_t *)name, 1), 0);
  check_bytes("root preopen name is /", name, 1, "/");
  check_err("fd_prestat_get on stdout is EBADF", __wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
  check_err("fd_prestat_get on a closed fd is EBADF", __wasi_fd_prestat_get(4000, &ps), __WASI_ERRNO_BADF);
}

static void test_create_read_write(void) {
  __wasi_fd_t fd;
  __wasi_size_t n;
  check_err("path_open CREAT makes a file", open_at(root, "files/a.txt", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd), 0);
  __wasi_fdstat_t fs;
  check_err("fd_fdstat_get on a file", __wasi_fd_fdstat_get(fd, &fs), 0);
  check_true("file fdstat filetype is REGULAR_FILE", fs.fs_filetype == __WASI_FILETYPE_REGULAR_FILE, "REGULAR_FILE",
             ftname(fs.fs_filetype));
  check_true("file fd has FD_READ and FD_WRITE rights",
             (fs.fs_rights_base & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)) ==
                 (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE),
             "both", "missing");
  /* gather write */
  __wasi_ciovec_t iovs[3] = {{(const uint8_t *)"hello", 5}, {(const uint8_t *)", ", 2}, {(const uint8_t *)"world", 5}};
  check_err("fd_write with 3 iovecs", __wasi_fd_write(fd, iovs, 3, &n), 0);
  check_u64("fd_write wrote 12 bytes", n, 12);
  __wasi_filesize_t pos;
  check_err("fd_tell after write", __wasi_fd_tell(fd, &pos), 0);
  check_u64("offset is 12 after write", pos, 12);
  check_err("fd_seek SET 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
  check_u64("fd_seek SET returns 0", pos, 0);
  /* scatter read */
  char a[4] = {0}, b[20] = {0};
  __wasi_iovec_t riov[2] = {{(uint8_t *)a, 3}, {(uint8_t *)b, sizeof b}};
  check_err("fd_read with 2 iovecs", __wasi_fd_read(fd, riov, 2, &n), 0);
  check_u64("fd_read read 12 bytes", n, 12);
  check_bytes("first iovec got hel", a, 3, "hel");
  check_bytes("second iovec got the rest", b, 9, "lo, world");
  check_err("fd_read at EOF", __wasi_fd_read(fd, riov, 2, &n), 0);
  check_u64("fd_read at EOF returns 0", n, 0);
  check_err("fd_seek CUR -5", __wasi_fd_seek(fd, -5, __WASI_WHENCE_CUR, &pos), 0);
  check_u64("fd_seek CUR -5 gives 7", pos, 7);
  check_err("fd_seek END -1", __wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &pos), 0);
  check_u64("fd_seek END -1 gives 11", pos, 11);
  check_err("fd_seek to a negative offset is EINVAL", __wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &pos),
            __WASI_ERRNO_INVAL);
  check_err("fd_tell after failed seek", __wasi_fd_tell(fd, &pos), 0);
  check_u64("failed seek leaves the offset", pos, 11);
  /* seek past the end and write: the gap reads as zeros */
  check_err("fd_seek past EOF", __wasi_fd_seek(fd, 20, __WASI_WHENCE_SET, &pos), 0);
  check_err("write past EOF", wr(fd, "Z", &n), 0);
  __wasi_filestat_t st;
  check_err("fd_filestat_get", __wasi_fd_filestat_get(fd, &st), 0);
  check_u64("size after write past EOF is 21", st.size, 21);
  check_true("fd_filestat_get filetype REGULAR_FILE", st.filetype == __WASI_FILETYPE_REGULAR_FILE, "REGULAR_FILE",
             ftname(st.filetype));
  check_u64("new file has nlink 1", st.nlink, 1);
  char gap[9];
  __wasi_iovec_t giov = {(uint8_t *)gap, 9};
  check_err("fd_pread the gap", __wasi_fd_pread(fd, &giov, 1, 12, &n), 0);
  check_mem("gap reads as zeros then Z", gap, n, "\0\0\0\0\0\0\0\0Z", 9);
  check_err("fd_tell after pread", __wasi_fd_tell(fd, &pos), 0);
  check_u64("pread does not move the offset", pos, 21);
  check_err("fd_pread past EOF", __wasi_fd_pread(fd, &giov, 1, 1000, &n), 0);
  check_u64("fd_pread past EOF returns 0", n, 0);
  /* pwrite */
  __wasi_ciovec_t piov = {(const uint8_t *)"HE", 2};
  check_err("fd_pwrite at 0", __wasi_fd_pwrite(fd, &piov, 1, 0, &n), 0);
  check_u64("fd_pwrite wrote 2", n, 2);
  check_err("fd_tell after pwrite", __wasi_fd_tell(fd, &pos), 0);
  check_u64("pwrite does not move the offset", pos, 21);
  char c5[5];
  __wasi_iovec_t c5v = {(uint8_t *)c5, 5};
  check_err("fd_pread after pwrite", __wasi_fd_pread(fd, &c5v, 1, 0, &n), 0);
  check_bytes("pwrite data visible", c5, n, "HEllo");
  /* sizes */
  check_err("fd_filestat_set_size shrink to 5", __wasi_fd_filestat_set_size(fd, 5), 0);
  check_err("fd_filestat_get after shrink", __wasi_fd_filestat_get(fd, &st), 0);
  check_u64("size is 5", st.size, 5);
  check_err("fd_filestat_set_size grow to 8", __wasi_fd_filestat_set_size(fd, 8), 0);
  char g8[10];
  __wasi_iovec_t g8v = {(uint8_t *)g8, 10};
  check_err("fd_pread after grow", __wasi_fd_pread(fd, &g8v, 1, 0, &n), 0);
  check_mem("grown part reads as zeros", g8, n, "HEllo\0\0\0", 8);
  check_err("fd_allocate beyond the end", __wasi_fd_allocate(fd, 4, 12), 0);
  check_err("fd_filestat_get after allocate", __wasi_fd_filestat_get(fd, &st), 0);
  check_u64("fd_allocate extends size to 16", st.size, 16);
  check_err("fd_allocate inside the file", __wasi_fd_allocate(fd, 0, 4), 0);
  check_err("fd_filestat_get after inner allocate", __wasi_fd_filestat_get(fd, &st), 0);
  check_u64("fd_allocate never shrinks", st.size, 16);
  check_err("fd_advise SEQUENTIAL", __wasi_fd_advise(fd, 0, 16, __WASI_ADVICE_SEQUENTIAL), 0);
  check_err("fd_advise DONTNEED", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED), 0);
  check_err("fd_datasync", __wasi_fd_datasync(fd), 0);
  check_err("fd_sync", __wasi_fd_sync(fd), 0);
  __wasi_filestat_t pst;
  check_err("path_filestat_get of the file", stat_at(root, "files/a.txt", 1, &pst), 0);
  check_u64("path and fd filestat agree on ino", pst.ino, st.ino);
  check_u64("path and fd filestat agree on dev", pst.dev, st.dev);
  check_u64("path filestat size 16", pst.size, 16);
  check_true("mtime is set (not zero)", pst.mtim != 0, "non-zero", "0");
  check_err("fd_close", __wasi_fd_close(fd), 0);
  check_err("fd_close twice is EBADF", __wasi_fd_close(fd), __WASI_ERRNO_BADF);
  check_err("fd_write on a closed fd is EBADF", wr(fd, "x", &n), __WASI_ERRNO_BADF);
}

static void test_open_flags(void) {
  __wasi_fd_t fd;
  __wasi_size_t n;
  put_file(root, "files/t.txt", "0123456789");
  check_err("CREAT|EXCL on an existing file is EEXIST",
            open_at(root, "files/t.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_RW, 0, &fd),
            __WASI_ERRNO_EXIST);
  check_err("open of a missing file is ENOENT", open_at(root, "files/missing", 0, RIGHTS_RO, 0, &fd),
            __WASI_ERRNO_NOENT);
  check_err("CREAT in a missing directory is ENOENT",
            open_at(root, "files/nodir/x", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd), __WASI_ERRNO_NOENT);
  check_err("DIRECTORY on a regular file is ENOTDIR",
            open_at(root, "files/t.txt", __WASI_OFLAGS_DIRECTORY, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOTDIR);
  check_err("a file as a path component is ENOTDIR", open_at(root, "files/t.txt/x", 0, RIGHTS_RO, 0, &fd),
            __WASI_ERRNO_NOTDIR);
  check_err("TRUNC opens", open_at(root, "files/t.txt", __WASI_OFLAGS_TRUNC, RIGHTS_RW, 0, &fd), 0);
  __wasi_filestat_t st;
  check_err("fd_filestat_get after TRUNC", __wasi_fd_filestat_get(fd, &st), 0);
  check_u64("TRUNC empties the file", st.size, 0);
  __wasi_fd_close(fd);
  /* O_APPEND */
  put_file(root, "files/ap.txt", "abc");
  check_err("open with APPEND", open_at(root, "files/ap.txt", 0, RIGHTS_RW, __WASI_FDFLAGS_APPEND, &fd), 0);
  __wasi_fdstat_t fs;
  check_err("fd_fdstat_get on APPEND fd", __wasi_fd_fdstat_get(fd, &fs), 0);
  check_true("fdstat reports APPEND", (fs.fs_flags & __WASI_FDFLAGS_APPEND) != 0, "APPEND", "no APPEND");
  check_err("append write", wr(fd, "def", &n), 0);
  __wasi_filesize_t pos;
  check_err("fd_seek SET 0 on APPEND fd", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
  check_err("second append write", wr(fd, "gh", &n), 0);
  __wasi_fd_tell(fd, &pos);
  check_u64("APPEND write leaves offset at the end", pos, 8);
  check_file("APPEND writes go to the end", root, "files/ap.txt", "abcdefgh");
  __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos);
  __wasi_ciovec_t piov = {(const uint8_t *)"Z", 1};
  check_err("fd_pwrite on an APPEND fd", __wasi_fd_pwrite(fd, &piov, 1, 0, &n), 0);
  check_err("fd_tell after pwrite on APPEND fd", __wasi_fd_tell(fd, &pos), 0);
  check_u64("pwrite on an APPEND fd does not move the offset", pos, 1);
  __wasi_fd_close(fd);
  /* fd_fdstat_set_flags */
  put_file(root, "files/sf.txt", "12345");
  open_at(root, "files/sf.txt", 0, RIGHTS_RW, 0, &fd);
  check_err("fd_fdstat_set_flags APPEND", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0);
  __wasi_fd_fdstat_get(fd, &fs);
  check_true("fdstat shows APPEND after set_flags", (fs.fs_flags & __WASI_FDFLAGS_APPEND) != 0, "APPEND",
             "no APPEND");
  wr(fd, "6", &n);
  check_file("write after set_flags(APPEND) appends", root, "files/sf.txt", "123456");
  check_err("fd_fdstat_set_flags 0", __wasi_fd_fdstat_set_flags(fd, 0), 0);
  __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
  wr(fd, "X", &n);
  check_file("write after clearing APPEND overwrites at the offset", root, "files/sf.txt", "X23456");
  __wasi_fd_close(fd);
  /* opening a directory without O_DIRECTORY works */
  check_err("open a directory without DIRECTORY flag", open_at(root, "files", 0, RIGHTS_RO, 0, &fd), 0);
  __wasi_fd_fdstat_get(fd, &fs);
  check_true("its filetype is DIRECTORY", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY, "DIRECTORY",
             ftname(fs.fs_filetype));
  __wasi_fd_close(fd);
  check_err("open with . and .. components", open_at(root, "files/./../files/t.txt", 0, RIGHTS_RO, 0, &fd), 0);
  __wasi_fd_close(fd);
}

static void test_unlink_rename(void) {
  put_file(root, "files/u.txt", "u");
  check_err("path_unlink_file", __wasi_path_unlink_file(root, "files/u.txt"), 0);
  __wasi_filestat_t st;
  check_err("unlinked file is gone", stat_at(root, "files/u.txt", 0, &st), __WASI_ERRNO_NOENT);
  check_err("unlink a missing file is ENOENT", __wasi_path_unlink_file(root, "files/u.txt"), __WASI_ERRNO_NOENT);
  check_err("unlink a directory is EISDIR", __wasi_path_unlink_file(root, "files"), __WASI_ERRNO_ISDIR);
  /* an open fd survives unlink */
  __wasi_fd_t fd;
  put_file(root, "files/open.txt", "still here");
  open_at(root, "files/open.txt", 0, RIGHTS_RO, 0, &fd);
  __wasi_path_unlink_file(root, "files/open.txt");
  char buf[32];
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
  __wasi_size_t n = 0;
  check_err("read an unlinked open file", __wasi_fd_read(fd, &iov, 1, &n), 0);
  check_bytes("an open fd keeps the unlinked data", buf, n, "still here");
  __wasi_fd_close(fd);
  /* rename */
  put_file(root, "files/r1", "one");
  put_file(root, "files/r2", "two");
  check_err("path_rename a file onto another", __wasi_path_rename(root, "files/r1", root, "files/r2"), 0);
  check_file("rename replaced the target", root, "files/r2", "one");
  check_err("rename source is gone", stat_at(root, "files/r1", 0, &st), __WASI_ERRNO_NOENT);
  check_err("rename a missing file is ENOENT", __wasi_path_rename(root, "files/r1", root, "files/r3"),
            __WASI_ERRNO_NOENT);
  check_err("rename a file onto itself", __wasi_path_rename(root, "files/r2", root, "files/r2"), 0);
  check_file("rename onto itself keeps the file", root, "files/r2", "one");
  __wasi_path_create_directory(root, "files/sub");
  check_err("rename a file into a subdirectory", __wasi_path_rename(root, "files/r2", root, "files/sub/r2"), 0);
  check_file("moved file readable", root, "files/sub/r2", "one");
  __wasi_path_create_directory(root, "files/empty");
  check_err("rename a file onto a directory is EISDIR",
            __wasi_path_rename(root, "files/sub/r2", root, "files/empty"), __WASI_ERRNO_ISDIR);
  check_err("rename a file onto its own ancestor directory is ENOTEMPTY (Linux)",
            __wasi_path_rename(root, "files/sub/r2", root, "files"), __WASI_ERRNO_NOTEMPTY);
}

static void test_libc(void) {
  FILE *f = fopen("/files/libc.txt", "w");
  check_true("fopen w", f != NULL, "FILE*", strerror(errno));
  if (!f) return;
  fputs("line1\nline2\n", f);
  check_true("fclose", fclose(f) == 0, "0", strerror(errno));
  f = fopen("/files/libc.txt", "r");
  char line[32] = "";
  if (f) {
    fgets(line, sizeof line, f);
    fgets(line, sizeof line, f);
    fclose(f);
  }
  check_str("fgets reads the second line", line, "line2\n");
  struct stat sb;
  check_true("stat", stat("/files/libc.txt", &sb) == 0, "0", strerror(errno));
  check_u64("stat st_size", sb.st_size, 12);
  check_true("stat S_ISREG", S_ISREG(sb.st_mode), "regular", "other");
  check_true("access F_OK", access("/files/libc.txt", F_OK) == 0, "0", strerror(errno));
  check_true("access R_OK|W_OK", access("/files/libc.txt", R_OK | W_OK) == 0, "0", strerror(errno));
  check_true("access of a missing file is ENOENT", access("/files/nope", F_OK) != 0 && errno == ENOENT, "ENOENT",
             strerror(errno));
  check_true("rename", rename("/files/libc.txt", "/files/libc2.txt") == 0, "0", strerror(errno));
  check_true("renamed file stats", stat("/files/libc2.txt", &sb) == 0, "0", strerror(errno));
  check_true("relative path against the root", access("files/libc2.txt", F_OK) == 0, "0", strerror(errno));
  int fd = open("/files/libc2.txt", O_RDWR);
  check_true("open O_RDWR", fd >= 0, "fd", strerror(errno));
  check_true("lseek SEEK_END", lseek(fd, 0, SEEK_END) == 12, "12", "other");
  check_true("ftruncate", ftruncate(fd, 3) == 0, "0", strerror(errno));
  close(fd);
  check_true("remove", remove("/files/libc2.txt") == 0, "0", strerror(errno));
}

int main(void) {
  root = find_root();
  make_workdir(root, "files");
  test_prestat();
  test_create_read_write();
  test_open_flags();
  test_unlink_rename();
  test_libc();
  return tap_finish();
}
