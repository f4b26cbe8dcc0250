/*
 * Timestamps: path_filestat_set_times and fd_filestat_set_times on files, directories
 * and symlinks (without SYMLINK_FOLLOW the link itself changes), *_NOW flags, invalid
 * flag combinations (EINVAL), creation and writes setting mtime, libc utimensat.
 * CLI: wasi_times.wasm [--node-wasi]   (needs a fresh writable root preopen "/"; works in /times)
 *      --node-wasi skips the 2 invalid-flag path_filestat_set_times checks, after which node:wasi
 *      (uvwasi) hangs or aborts the process.
 */
#include "tap.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

static __wasi_fd_t root;
#define S 1000000000ULL
#define T1 (1600000000ULL * S) /* 2020-09-13 */
#define TNS (1650000000ULL * S + 123456789ULL) /* sub-second part must survive */
#define T2 (1700000000ULL * S)

static __wasi_timestamp_t realtime(void) {
  __wasi_timestamp_t t = 0;
  __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
  return t;
}

static int near_now(__wasi_timestamp_t t) {
  __wasi_timestamp_t n = realtime();
  return t + 10 * S > n && t < n + 10 * S;
}

static void check_times(const char *name, const char *path, int follow, uint64_t atim, uint64_t mtim) {
  __wasi_filestat_t st;
  __wasi_errno_t e = stat_at(root, path, follow, &st);
  if (e) { notok(name, "times", errname(e)); return; }
  char exp[64], got[64];
  snprintf(exp, sizeof exp, "atim=%llu mtim=%llu", (unsigned long long)atim, (unsigned long long)mtim);
  snprintf(got, sizeof got, "atim=%llu mtim=%llu", (unsigned long long)st.atim, (unsigned long long)st.mtim);
  check_true(name, st.atim == atim && st.mtim == mtim, exp, got);
}

static uint64_t mtim_of(const char *path, int follow) {
  __wasi_filestat_t st;
  return stat_at(root, path, follow, &st) ? 0 : st.mtim;
}

static void test_path_set_times(void) {
  const __wasi_fstflags_t BOTH = __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM;
  put_file(root, "times/f", "f");
  check_true("a new file's mtime is now", near_now(mtim_of("times/f", 0)), "within 10s of realtime", "far off");
  check_err("path_filestat_set_times on a file", __wasi_path_filestat_set_times(root, 0, "times/f", T1, T2, BOTH), 0);
  check_times("file atim and mtim are set exactly", "times/f", 0, T1, T2);
  check_err("set only MTIM", __wasi_path_filestat_set_times(root, 0, "times/f", 0, T1, __WASI_FSTFLAGS_MTIM), 0);
  check_times("only mtim changes", "times/f", 0, T1, T1);
  check_err("set only ATIM", __wasi_path_filestat_set_times(root, 0, "times/f", T2, 0, __WASI_FSTFLAGS_ATIM), 0);
  check_times("only atim changes", "times/f", 0, T2, T1);
  check_err("fst_flags 0 changes nothing", __wasi_path_filestat_set_times(root, 0, "times/f", 5, 5, 0), 0);
  check_times("times unchanged by empty flags", "times/f", 0, T2, T1);
  check_err("MTIM_NOW", __wasi_path_filestat_set_times(root, 0, "times/f", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0);
  check_true("MTIM_NOW sets mtime to now", near_now(mtim_of("times/f", 0)), "now", "far off");
  check_err("set times on a missing path is ENOENT",
            __wasi_path_filestat_set_times(root, 0, "times/none", T1, T2, BOTH), __WASI_ERRNO_NOENT);
  check_err("set times with nanoseconds", __wasi_path_filestat_set_times(root, 0, "times/f", TNS, TNS, BOTH), 0);
  check_times("nanosecond precision is kept", "times/f", 0, TNS, TNS);
  /* directories */
  __wasi_path_create_directory(root, "times/d");
  check_err("path_filestat_set_times on a directory", __wasi_path_filestat_set_times(root, 0, "times/d", T1, T2, BOTH),
            0);
  check_times("directory times are set", "times/d", 0, T1, T2);
  /* symlinks */
  put_file(root, "times/target", "t");
  __wasi_path_filestat_set_times(root, 0, "times/target", T1, T1, BOTH);
  __wasi_path_symlink("target", root, "times/link");
  check_err("set times on a symlink without follow",
            __wasi_path_filestat_set_times(root, 0, "times/link", T2, T2, BOTH), 0);
  check_times("the symlink's own times change", "times/link", 0, T2, T2);
  check_times("the target's times do not", "times/target", 0, T1, T1);
  check_err("set times on a symlink with follow",
            __wasi_path_filestat_set_times(root, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "times/link", T2, T1 + S, BOTH), 0);
  check_times("with follow the target changes", "times/target", 0, T2, T1 + S);
  check_u64("with follow the link keeps its mtime", mtim_of("times/link", 0), T2);
  __wasi_path_symlink("missing", root, "times/dangling");
  check_err("set times on a dangling symlink without follow",
            __wasi_path_filestat_set_times(root, 0, "times/dangling", T1, T1, BOTH), 0);
  check_times("dangling link times set", "times/dangling", 0, T1, T1);
  check_err("set times through a dangling symlink with follow is ENOENT",
            __wasi_path_filestat_set_times(root, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "times/dangling", T1, T1, BOTH),
            __WASI_ERRNO_NOENT);
}

static void test_fd_set_times(void) {
  const __wasi_fstflags_t BOTH = __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM;
  __wasi_fd_t fd;
  put_file(root, "times/g", "g");
  open_at(root, "times/g", 0, RIGHTS_RW, 0, &fd);
  check_err("fd_filestat_set_times on a file", __wasi_fd_filestat_set_times(fd, T1, T2, BOTH), 0);
  __wasi_filestat_t st;
  __wasi_fd_filestat_get(fd, &st);
  check_u64("fd atim set", st.atim, T1);
  check_u64("fd mtim set", st.mtim, T2);
  check_err("fd_filestat_set_times ATIM|ATIM_NOW is EINVAL",
            __wasi_fd_filestat_set_times(fd, T1, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), __WASI_ERRNO_INVAL);
  __wasi_ciovec_t iov = {(const uint8_t *)"more", 4};
  __wasi_size_t n;
  __wasi_fd_write(fd, &iov, 1, &n);
  __wasi_fd_filestat_get(fd, &st);
  check_true("a write sets mtime to now", near_now(st.mtim), "now", "old");
  __wasi_fd_filestat_set_times(fd, T1, T1, BOTH);
  __wasi_fd_filestat_set_size(fd, 1);
  __wasi_fd_filestat_get(fd, &st);
  check_true("a truncate sets mtime to now", near_now(st.mtim), "now", "old");
  __wasi_fd_close(fd);
  check_err("fd_filestat_set_times on a closed fd is EBADF", __wasi_fd_filestat_set_times(fd, T1, T1, BOTH),
            __WASI_ERRNO_BADF);
  __wasi_fd_t d;
  open_dir(root, "times/d", 0, &d);
  check_err("fd_filestat_set_times on a directory fd", __wasi_fd_filestat_set_times(d, T2, T1, BOTH), 0);
  __wasi_fd_filestat_get(d, &st);
  check_u64("directory fd mtim set", st.mtim, T1);
  /* creating an entry updates the directory's mtime */
  put_file(d, "child", "c");
  __wasi_fd_filestat_get(d, &st);
  check_true("creating an entry sets the directory mtime to now", near_now(st.mtim), "now", "old");
  __wasi_fd_close(d);
}

static void test_libc(void) {
  struct timespec ts[2] = {{1000, 0}, {2000, 0}};
  check_true("libc utimensat", utimensat(AT_FDCWD, "/times/g", ts, 0) == 0, "0", strerror(errno));
  struct stat sb;
  stat("/times/g", &sb);
  check_true("libc stat sees the new mtime", sb.st_mtim.tv_sec == 2000 && sb.st_mtim.tv_nsec == 0, "2000.0",
             "other");
  check_true("libc utimensat AT_SYMLINK_NOFOLLOW on a link",
             utimensat(AT_FDCWD, "/times/link", ts, AT_SYMLINK_NOFOLLOW) == 0, "0", strerror(errno));
  lstat("/times/link", &sb);
  check_true("libc lstat sees the link's mtime", sb.st_mtim.tv_sec == 2000, "2000", "other");
}

/* Last on purpose: node:wasi (uvwasi) aborts the process some time after these calls. */
static void test_invalid_flags(void) {
  check_err("ATIM together with ATIM_NOW is EINVAL",
            __wasi_path_filestat_set_times(root, 0, "times/f", T1, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
            __WASI_ERRNO_INVAL);
  check_err("MTIM together with MTIM_NOW is EINVAL",
            __wasi_path_filestat_set_times(root, 0, "times/f", 0, T1, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
            __WASI_ERRNO_INVAL);
}

int main(int argc, char **argv) {
  root = find_root();
  make_workdir(root, "times");
  test_path_set_times();
  test_fd_set_times();
  test_libc();
  if (!is_arg(argc, argv, "--node-wasi")) test_invalid_flags();
  return tap_finish();
}
