/*
 * Symlinks: create/readlink (including truncation into a short buffer), follow vs
 * no-follow, dangling links, loops (ELOOP), O_NOFOLLOW on file and directory links,
 * trailing slashes, absolute targets and `..` chains resolved inside the root
 * (layerfs's chroot rule: SEMANTICS.md 14), link/rename/unlink of links, libc calls.
 * Absolute targets: EPERM by default; pass --allow-absolute-symlinks when the host allows them.
 * CLI: wasi_symlinks.wasm [--allow-absolute-symlinks]  (needs a fresh writable root preopen "/"; works in /sym)
 */
#include "tap.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static __wasi_fd_t root;

static void check_readlink(const char *name, const char *path, const char *expected) {
  char buf[256];
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_path_readlink(root, path, (uint8_t *)buf, sizeof buf, &n);
  if (e) { notok(name, expected, errname(e)); return; }
  check_bytes(name, buf, n, expected);
}

static __wasi_errno_t open_nofollow(const char *path, __wasi_oflags_t oflags, __wasi_fd_t *fd) {
  return __wasi_path_open(root, 0, path, oflags, RIGHTS_RO, 0, 0, fd);
}

static void test_basic(void) {
  __wasi_fd_t fd;
  __wasi_filestat_t st;
  put_file(root, "sym/target.txt", "target");
  __wasi_path_create_directory(root, "sym/dir");
  put_file(root, "sym/dir/inner", "inner");
  check_err("path_symlink", __wasi_path_symlink("target.txt", root, "sym/ln"), 0);
  check_readlink("path_readlink returns the target", "sym/ln", "target.txt");
  char small[4];
  __wasi_size_t n = 99;
  n = 0;
  if (!check_err("path_readlink into a short buffer succeeds", __wasi_path_readlink(root, "sym/ln", (uint8_t *)small, 4, &n), 0))
    n = 0;
  check_bytes("short-buffer readlink truncates", small, n, "targ");
  check_err("path_readlink of a regular file is EINVAL",
            __wasi_path_readlink(root, "sym/target.txt", (uint8_t *)small, 4, &n), __WASI_ERRNO_INVAL);
  check_err("path_readlink of a directory is EINVAL", __wasi_path_readlink(root, "sym/dir", (uint8_t *)small, 4, &n),
            __WASI_ERRNO_INVAL);
  check_err("path_readlink of a missing name is ENOENT",
            __wasi_path_readlink(root, "sym/none", (uint8_t *)small, 4, &n), __WASI_ERRNO_NOENT);
  check_err("path_symlink onto an existing name is EEXIST", __wasi_path_symlink("x", root, "sym/target.txt"),
            __WASI_ERRNO_EXIST);
  check_err("path_symlink onto an existing link is EEXIST", __wasi_path_symlink("x", root, "sym/ln"),
            __WASI_ERRNO_EXIST);
  check_err("path_symlink with an empty target is ENOENT", __wasi_path_symlink("", root, "sym/empty"),
            __WASI_ERRNO_NOENT);
  check_err("path_filestat_get without follow", stat_at(root, "sym/ln", 0, &st), 0);
  check_true("no-follow stat is SYMBOLIC_LINK", st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK, "SYMBOLIC_LINK",
             ftname(st.filetype));
  check_u64("symlink size is the target length", st.size, 10);
  check_err("path_filestat_get with follow", stat_at(root, "sym/ln", 1, &st), 0);
  check_true("follow stat is REGULAR_FILE", st.filetype == __WASI_FILETYPE_REGULAR_FILE, "REGULAR_FILE",
             ftname(st.filetype));
  check_u64("follow stat size is the target's", st.size, 6);
  check_file("open with follow reads the target", root, "sym/ln", "target");
  check_err("open a file symlink with O_NOFOLLOW is ELOOP", open_nofollow("sym/ln", 0, &fd), __WASI_ERRNO_LOOP);
  check_err("open a symlink to a file with trailing slash is ENOTDIR", open_at(root, "sym/ln/", 0, RIGHTS_RO, 0, &fd),
            __WASI_ERRNO_NOTDIR);
  check_err("stat a symlink to a file with trailing slash is ENOTDIR", stat_at(root, "sym/ln/", 0, &st),
            __WASI_ERRNO_NOTDIR);
  /* write through a link */
  check_err("open a symlink for writing with TRUNC",
            open_at(root, "sym/ln", __WASI_OFLAGS_TRUNC, RIGHTS_RW, 0, &fd), 0);
  __wasi_ciovec_t iov = {(const uint8_t *)"TARGET", 6};
  __wasi_fd_write(fd, &iov, 1, &n);
  __wasi_fd_close(fd);
  check_file("write through a symlink reaches the target", root, "sym/target.txt", "TARGET");
  check_err("a two-link chain", (__wasi_path_symlink("ln", root, "sym/chain")), 0);
  check_file("a chain of links resolves", root, "sym/chain", "TARGET");
}

static void test_dir_links(void) {
  __wasi_fd_t fd;
  __wasi_filestat_t st;
  __wasi_path_symlink("dir", root, "sym/ld");
  check_err("open a directory symlink with follow", open_dir(root, "sym/ld", 1, &fd), 0);
  __wasi_fd_close(fd);
  check_err("O_NOFOLLOW on a directory symlink is ELOOP", open_nofollow("sym/ld", 0, &fd), __WASI_ERRNO_LOOP);
  check_err("O_NOFOLLOW|O_DIRECTORY on a directory symlink is ENOTDIR (Linux)",
            open_nofollow("sym/ld", __WASI_OFLAGS_DIRECTORY, &fd), __WASI_ERRNO_NOTDIR);
  check_err("intermediate symlinks are always followed", open_nofollow("sym/ld/inner", 0, &fd), 0);
  __wasi_fd_close(fd);
  check_err("stat dirlink/ without follow", stat_at(root, "sym/ld/", 0, &st), 0);
  check_true("a trailing slash follows a directory symlink", st.filetype == __WASI_FILETYPE_DIRECTORY, "DIRECTORY",
             ftname(st.filetype));
  check_err("rmdir of a directory symlink is ENOTDIR", __wasi_path_remove_directory(root, "sym/ld"),
            __WASI_ERRNO_NOTDIR);
  check_err("mkdir over a directory symlink is EEXIST", __wasi_path_create_directory(root, "sym/ld"),
            __WASI_ERRNO_EXIST);
  check_err("create a file through a directory symlink", put_file(root, "sym/ld/new", "new"), 0);
  check_file("file created through the link is in the directory", root, "sym/dir/new", "new");
  __wasi_path_symlink("dir/inner", root, "sym/tofile-in-dir");
  check_file("link target with a directory part", root, "sym/tofile-in-dir", "inner");
  __wasi_path_symlink("../target.txt", root, "sym/dir/rel");
  check_file("relative target resolves against the link's directory", root, "sym/dir/rel", "TARGET");
}

static void test_dangling_and_loops(void) {
  __wasi_fd_t fd;
  __wasi_filestat_t st;
  check_err("a dangling symlink can be made", __wasi_path_symlink("nowhere", root, "sym/dang"), 0);
  check_readlink("readlink of a dangling symlink", "sym/dang", "nowhere");
  check_type("no-follow stat of a dangling symlink", root, "sym/dang", 0, __WASI_FILETYPE_SYMBOLIC_LINK);
  check_err("follow stat of a dangling symlink is ENOENT", stat_at(root, "sym/dang", 1, &st), __WASI_ERRNO_NOENT);
  check_err("open a dangling symlink with follow is ENOENT", open_at(root, "sym/dang", 0, RIGHTS_RO, 0, &fd),
            __WASI_ERRNO_NOENT);
  check_err("open a dangling symlink with O_NOFOLLOW is ELOOP", open_nofollow("sym/dang", 0, &fd), __WASI_ERRNO_LOOP);
  check_err("open a dangling symlink with O_NOFOLLOW|O_DIRECTORY is ENOTDIR",
            open_nofollow("sym/dang", __WASI_OFLAGS_DIRECTORY, &fd), __WASI_ERRNO_NOTDIR);
  check_err("CREAT|EXCL on a dangling symlink is EEXIST",
            open_at(root, "sym/dang", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_RW, 0, &fd), __WASI_ERRNO_EXIST);
  check_err("stat dangling/ is ENOENT", stat_at(root, "sym/dang/", 0, &st), __WASI_ERRNO_NOENT);
  check_err("mkdir over a dangling symlink is EEXIST", __wasi_path_create_directory(root, "sym/dang"),
            __WASI_ERRNO_EXIST);
  check_err("unlink a dangling symlink", __wasi_path_unlink_file(root, "sym/dang"), 0);
  /* loops */
  __wasi_path_symlink("loop", root, "sym/loop");
  __wasi_path_symlink("pong", root, "sym/ping");
  __wasi_path_symlink("ping", root, "sym/pong");
  check_err("open a self loop is ELOOP", open_at(root, "sym/loop", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_LOOP);
  check_err("follow stat of a self loop is ELOOP", stat_at(root, "sym/loop", 1, &st), __WASI_ERRNO_LOOP);
  check_type("no-follow stat of a loop works", root, "sym/loop", 0, __WASI_FILETYPE_SYMBOLIC_LINK);
  check_err("open a two-link cycle is ELOOP", open_at(root, "sym/ping", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_LOOP);
  check_err("a loop as a path component is ELOOP", stat_at(root, "sym/loop/x", 0, &st), __WASI_ERRNO_LOOP);
  check_err("O_NOFOLLOW on a loop is ELOOP", open_nofollow("sym/loop", 0, &fd), __WASI_ERRNO_LOOP);
  check_err("mkdir through a loop is ELOOP", __wasi_path_create_directory(root, "sym/ping/d"), __WASI_ERRNO_LOOP);
}

/* Default: the WASI filesystem spec's answer (symlink-at with an absolute old path is EPERM). */
static void test_absolute_refused(void) {
  __wasi_filestat_t st;
  check_err("a symlink with an absolute target is EPERM", __wasi_path_symlink("/sym/target.txt", root, "sym/abs"),
            __WASI_ERRNO_PERM);
  check_err("nothing was created", stat_at(root, "sym/abs", 0, &st), __WASI_ERRNO_NOENT);
  check_err("a symlink to / is EPERM", __wasi_path_symlink("/", root, "sym/rootlink"), __WASI_ERRNO_PERM);
  check_true("libc symlink with an absolute target gives EPERM", symlink("/sym/target.txt", "/sym/abs") != 0 && errno == EPERM,
             "EPERM", strerror(errno));
  check_err("a relative target is still fine", __wasi_path_symlink("target.txt", root, "sym/rel"), 0);
}

/* With --allow-absolute-symlinks (the host's allowAbsoluteSymlinks): container-style, resolved inside the root. */
static void test_inside_root(void) {
  __wasi_fd_t fd;
  __wasi_filestat_t st;
  check_err("a symlink with an absolute target", __wasi_path_symlink("/sym/target.txt", root, "sym/abs"), 0);
  check_readlink("absolute targets are stored verbatim", "sym/abs", "/sym/target.txt");
  check_file("an absolute target resolves inside the root", root, "sym/abs", "TARGET");
  __wasi_path_symlink("/sym/dir", root, "sym/absdir");
  check_file("a path through an absolute directory link", root, "sym/absdir/inner", "inner");
  __wasi_path_symlink("../../../../../../../sym/target.txt", root, "sym/dir/up");
  check_file("a .. chain stops at the root", root, "sym/dir/up", "TARGET");
  __wasi_path_symlink("/", root, "sym/rootlink");
  check_err("a link to / resolves to the root", stat_at(root, "sym/rootlink/sym/target.txt", 1, &st), 0);
  __wasi_path_symlink("/..", root, "sym/rootup");
  check_err("/.. is the root", stat_at(root, "sym/rootup/sym/dir/inner", 1, &st), 0);
  check_err("open through an absolute link with O_NOFOLLOW on the last part",
            open_nofollow("sym/absdir/inner", 0, &fd), 0);
  __wasi_fd_close(fd);
}

static void test_link_rename_unlink(void) {
  __wasi_filestat_t st;
  __wasi_path_symlink("target.txt", root, "sym/hl-src");
  check_err("path_link of a symlink without follow", __wasi_path_link(root, 0, "sym/hl-src", root, "sym/hl-a"), 0);
  check_type("linking a symlink without follow links the symlink", root, "sym/hl-a", 0,
             __WASI_FILETYPE_SYMBOLIC_LINK);
  check_err("path_link of a symlink with SYMLINK_FOLLOW",
            __wasi_path_link(root, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sym/hl-src", root, "sym/hl-b"), 0);
  check_type("linking with follow links the target", root, "sym/hl-b", 0, __WASI_FILETYPE_REGULAR_FILE);
  check_err("rename a symlink", __wasi_path_rename(root, "sym/hl-src", root, "sym/renamed"), 0);
  check_readlink("a renamed symlink keeps its target", "sym/renamed", "target.txt");
  check_err("unlink a symlink", __wasi_path_unlink_file(root, "sym/renamed"), 0);
  check_err("the link is gone", stat_at(root, "sym/renamed", 0, &st), __WASI_ERRNO_NOENT);
  check_err("its target stays", stat_at(root, "sym/target.txt", 0, &st), 0);
  check_err("unlink a directory symlink removes the link", __wasi_path_unlink_file(root, "sym/ld"), 0);
  check_type("the directory stays", root, "sym/dir", 0, __WASI_FILETYPE_DIRECTORY);
  __wasi_path_symlink("dir", root, "sym/ld2");
  check_err("rename onto a directory symlink replaces the link", __wasi_path_rename(root, "sym/target.txt", root, "sym/ld2"), 0);
  check_type("the directory behind the replaced link stays", root, "sym/dir", 0, __WASI_FILETYPE_DIRECTORY);
  check_type("the new entry is the file", root, "sym/ld2", 0, __WASI_FILETYPE_REGULAR_FILE);
}

static void test_libc(void) {
  check_true("libc symlink", symlink("dir/inner", "/sym/lc") == 0, "0", strerror(errno));
  char buf[64];
  ssize_t n = readlink("/sym/lc", buf, sizeof buf);
  check_bytes("libc readlink", buf, n < 0 ? 0 : (size_t)n, "dir/inner");
  struct stat sb;
  check_true("libc lstat sees a link", lstat("/sym/lc", &sb) == 0 && S_ISLNK(sb.st_mode), "S_IFLNK", strerror(errno));
  check_true("libc stat follows", stat("/sym/lc", &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 5, "regular 5",
             strerror(errno));
  check_true("libc symlink onto an existing name gives EEXIST", symlink("x", "/sym/lc") != 0 && errno == EEXIST,
             "EEXIST", strerror(errno));
  check_true("libc stat of a loop gives ELOOP", stat("/sym/loop", &sb) != 0 && errno == ELOOP, "ELOOP",
             strerror(errno));
}

int main(int argc, char **argv) {
  root = find_root();
  make_workdir(root, "sym");
  test_basic();
  test_dir_links();
  test_dangling_and_loops();
  if (is_arg(argc, argv, "--allow-absolute-symlinks")) test_inside_root();
  else test_absolute_refused();
  test_link_rename_unlink();
  test_libc();
  return tap_finish();
}
