/*
 * Shared helpers for the layerfs WASI test programs.
 *
 * Output protocol (parsed by the tests): one line per check,
 *   ok - <name>
 *   not ok - <name>: expected X got Y
 * then a last line "# passed N failed M"; exit status 0 iff M == 0.
 *
 * Raw `__wasi_*` calls are used so errnos reach the checks unfiltered by libc.
 * The raw_* imports below take explicit path lengths (wasi-libc's wrappers use
 * strlen), so a test can pass a path containing a NUL byte.
 */
#ifndef LAYERFS_TAP_H
#define LAYERFS_TAP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int tap_passed, tap_failed;

static const char *errname(int e) {
  static const char *names[] = {
      "SUCCESS", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT", "AGAIN", "ALREADY",
      "BADF", "BADMSG", "BUSY", "CANCELED", "CHILD", "CONNABORTED", "CONNREFUSED", "CONNRESET",
      "DEADLK", "DESTADDRREQ", "DOM", "DQUOT", "EXIST", "FAULT", "FBIG", "HOSTUNREACH", "IDRM",
      "ILSEQ", "INPROGRESS", "INTR", "INVAL", "IO", "ISCONN", "ISDIR", "LOOP", "MFILE", "MLINK",
      "MSGSIZE", "MULTIHOP", "NAMETOOLONG", "NETDOWN", "NETRESET", "NETUNREACH", "NFILE", "NOBUFS",
      "NODEV", "NOENT", "NOEXEC", "NOLCK", "NOLINK", "NOMEM", "NOMSG", "NOPROTOOPT", "NOSPC",
      "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY", "NOTRECOVERABLE", "NOTSOCK", "NOTSUP", "NOTTY",
      "NXIO", "OVERFLOW", "OWNERDEAD", "PERM", "PIPE", "PROTO", "PROTONOSUPPORT", "PROTOTYPE",
      "RANGE", "ROFS", "SPIPE", "SRCH", "STALE", "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE"};
  static char buf[16];
  if (e >= 0 && e < (int)(sizeof names / sizeof names[0])) return names[e];
  snprintf(buf, sizeof buf, "errno(%d)", e);
  return buf;
}

static void ok(const char *name) {
  tap_passed++;
  printf("ok - %s\n", name);
}

static void notok(const char *name, const char *expected, const char *got) {
  tap_failed++;
  printf("not ok - %s: expected %s got %s\n", name, expected, got);
}

/* Exact errno check. */
static int check_err(const char *name, int got, int expected) {
  if (got == expected) { ok(name); return 1; }
  notok(name, errname(expected), errname(got));
  return 0;
}

/* Errno check accepting either of two values (only where hosts legitimately differ). */
static int check_err2(const char *name, int got, int exp1, int exp2) {
  if (got == exp1 || got == exp2) { ok(name); return 1; }
  char e[64];
  snprintf(e, sizeof e, "%s or %s", errname(exp1), errname(exp2));
  notok(name, e, errname(got));
  return 0;
}

static int check_u64(const char *name, uint64_t got, uint64_t expected) {
  if (got == expected) { ok(name); return 1; }
  char e[32], g[32];
  snprintf(e, sizeof e, "%llu", (unsigned long long)expected);
  snprintf(g, sizeof g, "%llu", (unsigned long long)got);
  notok(name, e, g);
  return 0;
}

static int check_true(const char *name, int cond, const char *expected, const char *got) {
  if (cond) { ok(name); return 1; }
  notok(name, expected, got);
  return 0;
}

static void escape(char *out, size_t cap, const void *data, size_t len) {
  size_t o = 0;
  out[o++] = '"';
  for (size_t i = 0; i < len && o < cap - 8; i++) {
    unsigned char c = ((const unsigned char *)data)[i];
    if (c >= 32 && c < 127 && c != '"' && c != '\\') out[o++] = c;
    else o += snprintf(out + o, cap - o, "\\x%02x", c);
  }
  out[o++] = '"';
  out[o] = 0;
}

/* Compare a byte buffer with expected bytes (printed escaped on failure). */
static int check_mem(const char *name, const void *got, size_t got_len, const void *expected, size_t exp_len) {
  if (got_len == exp_len && memcmp(got, expected, exp_len) == 0) { ok(name); return 1; }
  char g[200], e[200];
  escape(g, sizeof g, got, got_len);
  escape(e, sizeof e, expected, exp_len);
  notok(name, e, g);
  return 0;
}

/* Compare a byte buffer with a C string. */
static int check_bytes(const char *name, const void *got, size_t got_len, const char *expected) {
  return check_mem(name, got, got_len, expected, strlen(expected));
}

static int check_str(const char *name, const char *got, const char *expected) {
  return check_bytes(name, got ? got : "(null)", got ? strlen(got) : 6, expected);
}

static int tap_finish(void) {
  printf("# passed %d failed %d\n", tap_passed, tap_failed);
  fflush(stdout);
  return tap_failed == 0 ? 0 : 1;
}

/* ---- raw imports with explicit path lengths ---- */
#define WASI_IMPORT(n) __attribute__((import_module("wasi_snapshot_preview1"), import_name(n)))
int32_t raw_path_open(int32_t fd, int32_t dirflags, const char *path, int32_t path_len, int32_t oflags,
                      int64_t rights_base, int64_t rights_inh, int32_t fdflags, int32_t *out) WASI_IMPORT("path_open");
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, const char *path, int32_t path_len, void *out)
    WASI_IMPORT("path_filestat_get");
int32_t raw_path_create_directory(int32_t fd, const char *path, int32_t path_len) WASI_IMPORT("path_create_directory");
int32_t raw_path_unlink_file(int32_t fd, const char *path, int32_t path_len) WASI_IMPORT("path_unlink_file");

/* ---- helpers ---- */
#define RIGHTS_ALL ((__wasi_rights_t)0x3fffffffULL)
#define RIGHTS_RW (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
                   __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | \
                   __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC | \
                   __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_POLL_FD_READWRITE)
#define RIGHTS_RO (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET | \
                   __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_POLL_FD_READWRITE)

/* Find the preopen named exactly "/" by scanning fd_prestat_get from fd 3 (like Rust std). */
static __wasi_fd_t find_root(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered: partial output survives a crash or hang */
  for (__wasi_fd_t fd = 3; fd < 64; fd++) {
    __wasi_prestat_t ps;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
    if (e == __WASI_ERRNO_BADF) break;
    if (e != 0 || ps.tag != __WASI_PREOPENTYPE_DIR) continue;
    size_t n = ps.u.dir.pr_name_len;
    char name[256];
    if (n >= sizeof name) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, n) != 0) continue;
    if (n == 1 && name[0] == '/') return fd;
  }
  printf("not ok - find root preopen: expected a preopen named \"/\" got none\n");
  printf("# passed 0 failed 1\n");
  fflush(stdout);
  exit(1);
}

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t rights,
                              __wasi_fdflags_t fdflags, __wasi_fd_t *out) {
  /* Like wasi-libc: inheriting rights are those of the directory (asking for more is ENOTCAPABLE). */
  __wasi_fdstat_t ds;
  __wasi_rights_t inh = RIGHTS_ALL;
  if (__wasi_fd_fdstat_get(dir, &ds) == 0) inh = ds.fs_rights_inheriting;
  return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, rights, inh, fdflags, out);
}

/* Open a directory with the base and inheriting rights of `dir` (what a directory can have). */
static __wasi_errno_t open_dir(__wasi_fd_t dir, const char *path, int follow, __wasi_fd_t *out) {
  __wasi_fdstat_t ds;
  __wasi_errno_t e = __wasi_fd_fdstat_get(dir, &ds);
  if (e) return e;
  return __wasi_path_open(dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, __WASI_OFLAGS_DIRECTORY,
                          ds.fs_rights_base, ds.fs_rights_inheriting, 0, out);
}

/* Write a whole file (create/truncate); returns errno. */
static __wasi_errno_t put_file(__wasi_fd_t dir, const char *path, const char *data) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(dir, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RIGHTS_RW, 0, &fd);
  if (e) return e;
  __wasi_ciovec_t iov = {(const uint8_t *)data, strlen(data)};
  __wasi_size_t n;
  e = __wasi_fd_write(fd, &iov, 1, &n);
  __wasi_fd_close(fd);
  return e;
}

/* Read a whole (small) file into buf (NUL-terminated); returns errno. */
static __wasi_errno_t get_file(__wasi_fd_t dir, const char *path, char *buf, size_t cap) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(dir, path, 0, RIGHTS_RO, 0, &fd);
  if (e) return e;
  size_t total = 0;
  for (;;) {
    __wasi_iovec_t iov = {(uint8_t *)buf + total, cap - 1 - total};
    __wasi_size_t n;
    e = __wasi_fd_read(fd, &iov, 1, &n);
    if (e || n == 0) break;
    total += n;
    if (total == cap - 1) break;
  }
  buf[total] = 0;
  __wasi_fd_close(fd);
  return e;
}

/* Check file content equals expected (reading through the union/host). */
static void check_file(const char *name, __wasi_fd_t dir, const char *path, const char *expected) {
  char buf[4096];
  __wasi_errno_t e = get_file(dir, path, buf, sizeof buf);
  if (e) { notok(name, expected, errname(e)); return; }
  check_str(name, buf, expected);
}

static __wasi_errno_t stat_at(__wasi_fd_t dir, const char *path, int follow, __wasi_filestat_t *st) {
  return __wasi_path_filestat_get(dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, st);
}

static const char *ftname(int t) {
  static const char *n[] = {"UNKNOWN", "BLOCK_DEVICE", "CHARACTER_DEVICE", "DIRECTORY", "REGULAR_FILE",
                            "SOCKET_DGRAM", "SOCKET_STREAM", "SYMBOLIC_LINK"};
  return t >= 0 && t < 8 ? n[t] : "?";
}

static int check_type(const char *name, __wasi_fd_t dir, const char *path, int follow, int expected) {
  __wasi_filestat_t st;
  __wasi_errno_t e = stat_at(dir, path, follow, &st);
  if (e) { notok(name, ftname(expected), errname(e)); return 0; }
  return check_true(name, st.filetype == expected, ftname(expected), ftname(st.filetype));
}

static int is_arg(int argc, char **argv, const char *flag) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], flag) == 0) return 1;
  return 0;
}

/* Monotonic clock in ns. */
static uint64_t now_ns(void) {
  __wasi_timestamp_t t = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1000, &t);
  return t;
}

/* Fresh working directory for a program: mkdir NAME under the root (must not exist). */
static void make_workdir(__wasi_fd_t root, const char *name) {
  __wasi_errno_t e = __wasi_path_create_directory(root, name);
  if (e) {
    printf("not ok - create work dir %s: expected SUCCESS got %s (run on a fresh root)\n", name, errname(e));
    printf("# passed 0 failed 1\n");
    fflush(stdout);
    exit(1);
  }
}

#endif
