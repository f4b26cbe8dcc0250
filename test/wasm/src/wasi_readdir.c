/*
 * fd_readdir: `.` and `..` are listed, d_type and d_ino are right, cookies resume and
 * rewind, a short buffer is filled completely, cookies stay valid while entries are
 * deleted during iteration, error cases, and a large directory through libc readdir.
 * CLI: wasi_readdir.wasm   (needs a fresh writable root preopen "/"; works in /rd)
 */
#include "tap.h"
#include <dirent.h>
#include <errno.h>

static __wasi_fd_t root;

typedef struct {
  char name[64];
  uint64_t next, ino;
  int type;
} ent_t;

/* Parse up to max complete entries from a readdir buffer. */
static int parse(const uint8_t *buf, size_t used, ent_t *out, int max) {
  size_t o = 0;
  int n = 0;
  while (n < max && o + sizeof(__wasi_dirent_t) <= used) {
    __wasi_dirent_t d;
    memcpy(&d, buf + o, sizeof d);
    if (o + sizeof d + d.d_namlen > used) break;
    size_t l = d.d_namlen < 63 ? d.d_namlen : 63;
    memcpy(out[n].name, buf + o + sizeof d, l);
    out[n].name[l] = 0;
    out[n].next = d.d_next;
    out[n].ino = d.d_ino;
    out[n].type = d.d_type;
    n++;
    o += sizeof d + d.d_namlen;
  }
  return n;
}

static ent_t *find(ent_t *e, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(e[i].name, name) == 0) return &e[i];
  return NULL;
}

static uint8_t big[65536];

static void test_listing(void) {
  __wasi_path_create_directory(root, "rd/list");
  put_file(root, "rd/list/file", "x");
  __wasi_path_create_directory(root, "rd/list/sub");
  __wasi_path_symlink("file", root, "rd/list/link");
  __wasi_fd_t d;
  check_err("open the directory", open_dir(root, "rd/list", 0, &d), 0);
  __wasi_size_t used = 0;
  check_err("fd_readdir from cookie 0", __wasi_fd_readdir(d, big, sizeof big, 0, &used), 0);
  ent_t e[16];
  int n = parse(big, used, e, 16);
  check_u64("five entries including . and ..", n, 5);
  ent_t *dot = find(e, n, "."), *dotdot = find(e, n, ".."), *f = find(e, n, "file"), *s = find(e, n, "sub"),
        *l = find(e, n, "link");
  check_true(". is listed as a directory", dot && dot->type == __WASI_FILETYPE_DIRECTORY, "DIRECTORY",
             dot ? ftname(dot->type) : "missing");
  check_true(".. is listed as a directory", dotdot && dotdot->type == __WASI_FILETYPE_DIRECTORY, "DIRECTORY",
             dotdot ? ftname(dotdot->type) : "missing");
  check_true("file has d_type REGULAR_FILE", f && f->type == __WASI_FILETYPE_REGULAR_FILE, "REGULAR_FILE",
             f ? ftname(f->type) : "missing");
  check_true("sub has d_type DIRECTORY", s && s->type == __WASI_FILETYPE_DIRECTORY, "DIRECTORY",
             s ? ftname(s->type) : "missing");
  check_true("link has d_type SYMBOLIC_LINK", l && l->type == __WASI_FILETYPE_SYMBOLIC_LINK, "SYMBOLIC_LINK",
             l ? ftname(l->type) : "missing");
  __wasi_filestat_t st;
  stat_at(root, "rd/list/file", 0, &st);
  check_u64("d_ino matches the file's inode", f ? f->ino : 0, st.ino);
  stat_at(root, "rd/list", 0, &st);
  check_u64("d_ino of . matches the directory's inode", dot ? dot->ino : 0, st.ino);
  check_true("the buffer was not full", used < sizeof big, "< buffer", "full");
  /* resume from the second entry's cookie */
  if (n == 5) {
    check_err("fd_readdir from a middle cookie", __wasi_fd_readdir(d, big, sizeof big, e[1].next, &used), 0);
    ent_t t[16];
    int m = parse(big, used, t, 16);
    int same = m == 3;
    for (int i = 0; same && i < 3; i++) same = strcmp(t[i].name, e[i + 2].name) == 0;
    check_true("resuming from a cookie gives the rest of the listing", same, "entries 3..5", "different");
    check_err("fd_readdir from the last cookie", __wasi_fd_readdir(d, big, sizeof big, e[4].next, &used), 0);
    check_u64("nothing after the last entry", used, 0);
  }
  check_err("fd_readdir from cookie 0 again", __wasi_fd_readdir(d, big, sizeof big, 0, &used), 0);
  check_u64("rewinding gives the full listing again", parse(big, used, e, 16), 5);
  uint8_t small[10];
  check_err("fd_readdir into a 10-byte buffer", __wasi_fd_readdir(d, small, sizeof small, 0, &used), 0);
  check_u64("a short buffer is filled completely", used, sizeof small);
  __wasi_fd_close(d);
  check_err("fd_readdir on a closed fd is EBADF", __wasi_fd_readdir(d, big, sizeof big, 0, &used), __WASI_ERRNO_BADF);
  __wasi_fd_t f2;
  open_at(root, "rd/list/file", 0, RIGHTS_RO, 0, &f2);
  check_err2("fd_readdir on a file fd fails", __wasi_fd_readdir(f2, big, sizeof big, 0, &used), __WASI_ERRNO_NOTDIR,
             __WASI_ERRNO_NOTCAPABLE);
  __wasi_fd_close(f2);
}

/* Read one entry at `cookie` (buffer big enough for one); returns 0 at the end. */
static int read_one(__wasi_fd_t d, uint64_t cookie, ent_t *out) {
  uint8_t buf[sizeof(__wasi_dirent_t) + 300];
  __wasi_size_t used = 0;
  if (__wasi_fd_readdir(d, buf, sizeof buf, cookie, &used)) return 0;
  return parse(buf, used, out, 1);
}

static void test_delete_while_iterating(void) {
  enum { N = 20 };
  char p[64];
  __wasi_path_create_directory(root, "rd/del");
  for (int i = 0; i < N; i++) {
    snprintf(p, sizeof p, "rd/del/f%02d", i);
    put_file(root, p, "x");
  }
  __wasi_fd_t d;
  open_dir(root, "rd/del", 0, &d);
  int seen[N] = {0}, dots = 0, other = 0, steps = 0, unlink_err = 0;
  uint64_t cookie = 0;
  ent_t e;
  while (steps++ < 200 && read_one(d, cookie, &e)) {
    cookie = e.next;
    if (!strcmp(e.name, ".") || !strcmp(e.name, "..")) { dots++; continue; }
    int i = atoi(e.name + 1);
    if (e.name[0] != 'f' || i < 0 || i >= N) { other++; continue; }
    seen[i]++;
    snprintf(p, sizeof p, "rd/del/%s", e.name);
    if (__wasi_path_unlink_file(root, p)) unlink_err++;
  }
  int once = 1;
  for (int i = 0; i < N; i++) once &= seen[i] == 1;
  check_true("deleting each entry as it is read: every entry seen exactly once", once && other == 0, "20 x once",
             "skipped or repeated");
  check_u64("no unlink failed during iteration", unlink_err, 0);
  check_u64(". and .. seen once each", dots, 2);
  __wasi_fd_close(d);
  check_err("the emptied directory can be removed", __wasi_path_remove_directory(root, "rd/del"), 0);

  /* read a batch, delete what was read, continue from the cookie */
  __wasi_path_create_directory(root, "rd/batch");
  for (int i = 0; i < N; i++) {
    snprintf(p, sizeof p, "rd/batch/f%02d", i);
    put_file(root, p, "x");
  }
  open_dir(root, "rd/batch", 0, &d);
  ent_t all[32];
  __wasi_size_t used;
  __wasi_fd_readdir(d, big, sizeof big, 0, &used);
  int total = parse(big, used, all, 32);
  check_u64("batch directory lists 22 entries", total, N + 2);
  /* first 8 entries: delete the files among them, then resume after the 8th */
  int seen2[N] = {0};
  for (int i = 0; i < 8 && i < total; i++) {
    if (all[i].name[0] != 'f') continue;
    seen2[atoi(all[i].name + 1)]++;
    snprintf(p, sizeof p, "rd/batch/%s", all[i].name);
    __wasi_path_unlink_file(root, p);
  }
  if (total >= 8) {
    __wasi_fd_readdir(d, big, sizeof big, all[7].next, &used);
    ent_t rest[32];
    int m = parse(big, used, rest, 32);
    for (int i = 0; i < m; i++)
      if (rest[i].name[0] == 'f') seen2[atoi(rest[i].name + 1)]++;
  }
  int once2 = 1;
  for (int i = 0; i < N; i++) once2 &= seen2[i] == 1;
  check_true("resuming after deleting the entries already read skips and repeats nothing", once2, "20 x once",
             "skipped or repeated");
  __wasi_fd_close(d);
}

static void test_libc_large(void) {
  enum { N = 300 };
  char p[128];
  __wasi_path_create_directory(root, "rd/large");
  for (int i = 0; i < N; i++) {
    snprintf(p, sizeof p, "rd/large/a-rather-long-file-name-to-fill-buffers-%04d", i);
    put_file(root, p, "");
  }
  DIR *dir = opendir("/rd/large");
  check_true("libc opendir", dir != NULL, "DIR*", strerror(errno));
  if (!dir) return;
  int count = 0, dots = 0;
  static char seen[N];
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) { dots++; continue; }
    const char *num = strrchr(e->d_name, '-');
    int i = num ? atoi(num + 1) : -1;
    if (i >= 0 && i < N && !seen[i]) { seen[i] = 1; count++; }
  }
  check_u64("libc readdir returns all 300 entries once", count, N);
  rewinddir(dir);
  int again = 0;
  while ((e = readdir(dir))) again++;
  check_u64("libc rewinddir lists everything again", again, N + dots);
  closedir(dir);
}

int main(void) {
  root = find_root();
  make_workdir(root, "rd");
  test_listing();
  test_delete_while_iterating();
  test_libc_large();
  return tap_finish();
}
