/*
 * Union semantics over the fixed lower-layer fixture in test/wasm/fixture.ts
 * (layer0 bottom, layer1 with whiteouts and an opaque dir), seen through WASI.
 *
 * CLI: union_ops.wasm [check] [--layerfs]
 *        checks (TAP-like output, see tap.h). Run on a fresh union of the fixture with an
 *        empty upper. Without --layerfs, only behaviour the kernel's overlayfs shares is
 *        required (a lower-directory rename may give EXDEV); --layerfs adds layerfs's own
 *        rules: `.wh.*` names are EPERM, directory rename always succeeds (deep rename),
 *        absolute and `..` symlinks resolve inside the union.
 *      union_ops.wasm mutate
 *        performs a fixed sequence of mutations, no checks (prints "# op: ERRNO" per op and
 *        "# mutate done: N ops, M failed"; exit 0 iff M == 0). For comparing the merged
 *        tree and the upper layer between kernel overlayfs (-o redirect_dir=on, since it
 *        renames a lower directory) and layerfs.
 */
#include "tap.h"
#include <dirent.h>
#include <errno.h>

static __wasi_fd_t root;
static int layerfs;

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted, comma-joined names in a directory (without . and ..), via libc; "!ERR" on failure. */
static const char *listing(const char *path) {
  static char out[1024];
  DIR *d = opendir(path);
  if (!d) {
    snprintf(out, sizeof out, "!%s", strerror(errno));
    return out;
  }
  char *names[128];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 128)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], cmpstr);
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    if (i) strncat(out, ",", sizeof out - strlen(out) - 1);
    strncat(out, names[i], sizeof out - strlen(out) - 1);
    free(names[i]);
  }
  return out;
}

static void check_missing(const char *name, const char *path) {
  __wasi_filestat_t st;
  check_err(name, stat_at(root, path, 0, &st), __WASI_ERRNO_NOENT);
}

static __wasi_errno_t append(const char *path, const char *data) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(root, path, 0, RIGHTS_RW, __WASI_FDFLAGS_APPEND, &fd);
  if (e) return e;
  __wasi_ciovec_t iov = {(const uint8_t *)data, strlen(data)};
  __wasi_size_t n;
  e = __wasi_fd_write(fd, &iov, 1, &n);
  __wasi_fd_close(fd);
  return e;
}

#define FIXED_NS 1234567890000000000ULL /* 2009-02-13T23:31:30Z */

static void check_reads(void) {
  check_file("a layer0 file reads through the union", root, "etc/passwd", "root:x:0:0\n");
  check_file("layer1's copy hides layer0's", root, "etc/hosts", "127.0.0.1 layer1\n");
  check_str("a merged directory lists both layers", listing("/merged"), "fromL0,fromL1");
  check_missing("a whiteout hides a lower file", "data/gone.txt");
  check_str("whiteouts and markers never show in listings", listing("/data"), "big.txt,keep.txt,trunc.txt");
  check_str("an opaque directory hides everything below", listing("/opq"), "new");
  check_missing("an opaque directory's lower files are gone", "opq/old1");
  check_missing("a whiteout hides a lower directory", "wh/dirx");
  check_str("directory with whiteouts for a file and a dir", listing("/wh"), "y");
  check_str("the root lists the merged top level", listing("/"),
            "bin,data,empty,etc,merged,opq,rmme,ro.txt,times.txt,tree,wh");
  check_str("bin lists files, links and layer1's symlinks", listing("/bin"), "abs,h1,h2,link,tool,up");
  char buf[64];
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_path_readlink(root, "bin/link", (uint8_t *)buf, sizeof buf, &n);
  check_err("readlink of a lower symlink", e, 0);
  check_bytes("the lower symlink's target", buf, e ? 0 : n, "tool");
  check_file("a lower symlink resolves", root, "bin/link", "#!/bin/sh\necho tool\n");
  __wasi_filestat_t a, b;
  stat_at(root, "bin/h1", 0, &a);
  stat_at(root, "bin/h2", 0, &b);
  check_true("lower hard-link aliases share an inode", a.ino == b.ino, "equal inodes", "different");
  check_u64("lower hard links have nlink 2", a.nlink, 2);
  if (layerfs) {
    check_file("an absolute symlink resolves inside the union", root, "bin/abs", "root:x:0:0\n");
    check_file("a .. chain resolves inside the union", root, "bin/up", "127.0.0.1 layer1\n");
    check_missing("a whiteout name cannot be looked up", "data/.wh.gone.txt");
    check_missing("an opaque marker cannot be looked up", "opq/.wh..wh..opq");
  }
}

static void check_copy_up(void) {
  __wasi_fd_t ro, rw;
  /* an fd opened read-only before another fd copies the file up sees the new data */
  check_err("open a lower file read-only", open_at(root, "ro.txt", 0, RIGHTS_RO, 0, &ro), 0);
  char buf[32];
  __wasi_iovec_t iov = {(uint8_t *)buf, 4};
  __wasi_size_t n = 0;
  __wasi_fd_read(ro, &iov, 1, &n);
  check_bytes("read-only fd reads lower data", buf, n, "read");
  check_err("open the same file for writing", open_at(root, "ro.txt", 0, RIGHTS_RW, 0, &rw), 0);
  __wasi_ciovec_t w = {(const uint8_t *)"WRITTEN", 7};
  check_err("pwrite through the second fd (copy-up)", __wasi_fd_pwrite(rw, &w, 1, 0, &n), 0);
  __wasi_fd_close(rw);
  __wasi_iovec_t all = {(uint8_t *)buf, sizeof buf};
  n = 0;
  __wasi_fd_pread(ro, &all, 1, 0, &n);
  check_bytes("the earlier read-only fd sees the copied-up data", buf, n, "WRITTEN\n");
  __wasi_fd_close(ro);
  check_err("append to a lower file", append("data/big.txt", "appended\n"), 0);
  check_file("copy-up keeps the lower data and adds the new", root, "data/big.txt", "lower data\nappended\n");
  __wasi_fd_t t;
  check_err("open a lower file with O_TRUNC", open_at(root, "data/trunc.txt", __WASI_OFLAGS_TRUNC, RIGHTS_RW, 0, &t), 0);
  __wasi_fd_close(t);
  check_file("O_TRUNC copies up an empty file", root, "data/trunc.txt", "");
  /* hard-link aliases: writing one copies up that alias only */
  check_err("append to one lower hard-link alias", append("bin/h1", "more\n"), 0);
  check_file("the written alias changes", root, "bin/h1", "hard\nmore\n");
  check_file("the other alias keeps the old data", root, "bin/h2", "hard\n");
  /* set-times copies up and keeps the content */
  check_err("set times on a lower file",
            __wasi_path_filestat_set_times(root, 0, "times.txt", FIXED_NS, FIXED_NS,
                                           __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM), 0);
  __wasi_filestat_t st;
  stat_at(root, "times.txt", 0, &st);
  check_u64("the lower file's new mtime", st.mtim, FIXED_NS);
  check_file("set-times keeps the content", root, "times.txt", "t\n");
  __wasi_fd_t mode_fd;
  check_err("fd_filestat_set_times on a lower file's fd", (open_at(root, "etc/hosts", 0, RIGHTS_RW, 0, &mode_fd),
            __wasi_fd_filestat_set_times(mode_fd, FIXED_NS, FIXED_NS, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM)), 0);
  __wasi_fd_close(mode_fd);
  check_file("etc/hosts content kept after set-times", root, "etc/hosts", "127.0.0.1 layer1\n");
}

static void check_removals(void) {
  check_err("unlink a lower file", __wasi_path_unlink_file(root, "data/keep.txt"), 0);
  check_missing("the unlinked lower file is gone", "data/keep.txt");
  check_str("the listing drops it", listing("/data"), "big.txt,trunc.txt");
  check_err("unlink a lower symlink", __wasi_path_unlink_file(root, "bin/link"), 0);
  check_file("the symlink's target stays", root, "bin/tool", "#!/bin/sh\necho tool\n");
  check_err("rmdir of a non-empty merged directory is ENOTEMPTY", __wasi_path_remove_directory(root, "rmme"),
            __WASI_ERRNO_NOTEMPTY);
  check_err("unlink the layer0 child", __wasi_path_unlink_file(root, "rmme/onlyL0"), 0);
  check_err("still not empty with the layer1 child", __wasi_path_remove_directory(root, "rmme"),
            __WASI_ERRNO_NOTEMPTY);
  check_err("unlink the layer1 child", __wasi_path_unlink_file(root, "rmme/onlyL1"), 0);
  check_str("a merged directory emptied by whiteouts lists nothing", listing("/rmme"), "");
  check_err("rmdir of the emptied merged directory", __wasi_path_remove_directory(root, "rmme"), 0);
  check_missing("the removed merged directory is gone", "rmme");
  check_err("mkdir where the merged directory was", __wasi_path_create_directory(root, "rmme"), 0);
  check_str("the new directory is empty (opaque)", listing("/rmme"), "");
  check_err("rmdir of an empty lower directory", __wasi_path_remove_directory(root, "empty"), 0);
  check_missing("the lower directory is gone", "empty");
}

static void check_whiteout_mkdir(void) {
  check_err("mkdir over a whiteout of a lower directory", __wasi_path_create_directory(root, "wh/dirx"), 0);
  check_str("the new directory hides the old contents", listing("/wh/dirx"), "");
  check_missing("the old lower child stays hidden", "wh/dirx/inner");
  check_err("mkdir over a whiteout of a lower file", __wasi_path_create_directory(root, "wh/x"), 0);
  check_type("it is a directory now", root, "wh/x", 0, __WASI_FILETYPE_DIRECTORY);
  check_str("the directory lists the new entries", listing("/wh"), "dirx,x,y");
  check_err("create a file where a whited-out file was", put_file(root, "data/gone.txt", "back\n"), 0);
  check_file("the recreated file has the new data", root, "data/gone.txt", "back\n");
}

static void check_renames(void) {
  check_err("rename a lower file", __wasi_path_rename(root, "etc/passwd", root, "etc/passwd.bak"), 0);
  check_file("the renamed file keeps its data", root, "etc/passwd.bak", "root:x:0:0\n");
  check_missing("the old name is gone", "etc/passwd");
  check_err("rename a lower file across directories", __wasi_path_rename(root, "wh/y", root, "merged/y"), 0);
  check_str("the target directory lists it", listing("/merged"), "fromL0,fromL1,y");
  check_err("rename a lower file over another lower file", __wasi_path_rename(root, "merged/fromL0", root,
                                                                              "merged/fromL1"), 0);
  check_file("the target now holds the source's data", root, "merged/fromL1", "m0\n");
  __wasi_errno_t e = __wasi_path_rename(root, "tree", root, "tree2");
  if (layerfs) check_err("rename a lower directory (deep rename)", e, 0);
  else check_err2("rename a lower directory (deep rename or EXDEV)", e, 0, __WASI_ERRNO_XDEV);
  if (e == 0) {
    check_file("the deep file moved with the directory", root, "tree2/a/b/deep.txt", "deep\n");
    check_str("the moved directory lists its lower content", listing("/tree2"), "a,top.txt");
    check_missing("the old directory name is gone", "tree");
    check_err("the old name can be made again", __wasi_path_create_directory(root, "tree"), 0);
    check_str("the new directory at the old name is empty", listing("/tree"), "");
  }
  check_err("a lower directory hidden by an opaque marker cannot be renamed",
            (__wasi_path_create_directory(root, "newdir"), __wasi_path_rename(root, "opq/sub", root, "newdir")),
            __WASI_ERRNO_NOENT);
  check_err("rename a directory over a non-empty merged directory is ENOTEMPTY",
            __wasi_path_rename(root, "newdir", root, "merged"), __WASI_ERRNO_NOTEMPTY);
  check_err("rename a directory over an empty one made over a whiteout",
            (__wasi_path_create_directory(root, "newdir/inner"), __wasi_path_rename(root, "newdir", root, "wh/dirx")), 0);
  check_str("the replaced directory holds the moved content only", listing("/wh/dirx"), "inner");
  check_missing("the lower content under the whiteout stays hidden", "wh/dirx/inner/inner");
}

static void check_links(void) {
  check_err("link a lower file", __wasi_path_link(root, 0, "bin/tool", root, "bin/tool2"), 0);
  __wasi_filestat_t a, b;
  stat_at(root, "bin/tool", 0, &a);
  stat_at(root, "bin/tool2", 0, &b);
  check_true("the new link shares the inode", a.ino == b.ino, "equal", "different");
  check_u64("nlink is 2 after linking a lower file", a.nlink, 2);
  check_file("the link reads the lower data", root, "bin/tool2", "#!/bin/sh\necho tool\n");
  check_err("link onto an existing lower name is EEXIST", __wasi_path_link(root, 0, "bin/tool", root, "bin/h2"),
            __WASI_ERRNO_EXIST);
}

static void check_reserved_names(void) {
  __wasi_fd_t fd;
  check_err("creating .wh.x is EPERM", open_at(root, ".wh.x", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd),
            __WASI_ERRNO_PERM);
  check_err("mkdir .wh.d is EPERM", __wasi_path_create_directory(root, "data/.wh.d"), __WASI_ERRNO_PERM);
  check_err("renaming to .wh.y is EPERM", __wasi_path_rename(root, "ro.txt", root, ".wh.y"), __WASI_ERRNO_PERM);
  check_err("linking to .wh.z is EPERM", __wasi_path_link(root, 0, "ro.txt", root, ".wh.z"), __WASI_ERRNO_PERM);
  check_err("a symlink named .wh.s is EPERM", __wasi_path_symlink("ro.txt", root, ".wh.s"), __WASI_ERRNO_PERM);
  check_err("creating the opaque marker is EPERM",
            open_at(root, "merged/.wh..wh..opq", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd), __WASI_ERRNO_PERM);
  check_file("ro.txt is untouched by the refused rename", root, "ro.txt", "WRITTEN\n");
}

/* ---- mutate mode ---- */
static int ops, op_failed;
static void op(const char *what, __wasi_errno_t e) {
  ops++;
  if (e) op_failed++;
  printf("# %s: %s\n", what, errname(e));
}

static int mutate(void) {
  __wasi_fd_t fd;
  op("append data/big.txt", append("data/big.txt", "appended\n"));
  op("open ro.txt for writing", open_at(root, "ro.txt", 0, RIGHTS_RW, 0, &fd));
  __wasi_ciovec_t w = {(const uint8_t *)"WRITTEN", 7};
  __wasi_size_t n;
  op("pwrite ro.txt", __wasi_fd_pwrite(fd, &w, 1, 0, &n));
  __wasi_fd_close(fd);
  op("truncate data/trunc.txt", open_at(root, "data/trunc.txt", __WASI_OFLAGS_TRUNC, RIGHTS_RW, 0, &fd));
  __wasi_fd_close(fd);
  op("append bin/h1", append("bin/h1", "more\n"));
  op("set times times.txt", __wasi_path_filestat_set_times(root, 0, "times.txt", FIXED_NS, FIXED_NS,
                                                           __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  op("unlink data/keep.txt", __wasi_path_unlink_file(root, "data/keep.txt"));
  op("unlink bin/link", __wasi_path_unlink_file(root, "bin/link"));
  op("unlink opq/new", __wasi_path_unlink_file(root, "opq/new"));
  op("unlink rmme/onlyL0", __wasi_path_unlink_file(root, "rmme/onlyL0"));
  op("unlink rmme/onlyL1", __wasi_path_unlink_file(root, "rmme/onlyL1"));
  op("rmdir rmme", __wasi_path_remove_directory(root, "rmme"));
  op("rmdir empty", __wasi_path_remove_directory(root, "empty"));
  op("mkdir wh/dirx", __wasi_path_create_directory(root, "wh/dirx"));
  op("create wh/dirx/new", put_file(root, "wh/dirx/new", "new\n"));
  op("mkdir wh/x", __wasi_path_create_directory(root, "wh/x"));
  op("create data/gone.txt", put_file(root, "data/gone.txt", "back\n"));
  op("rename etc/passwd etc/passwd.bak", __wasi_path_rename(root, "etc/passwd", root, "etc/passwd.bak"));
  op("rename wh/y merged/y", __wasi_path_rename(root, "wh/y", root, "merged/y"));
  op("rename merged/fromL0 merged/fromL1", __wasi_path_rename(root, "merged/fromL0", root, "merged/fromL1"));
  op("rename tree tree2", __wasi_path_rename(root, "tree", root, "tree2"));
  op("create tree2/a/new.txt", put_file(root, "tree2/a/new.txt", "in moved dir\n"));
  op("link bin/tool bin/tool2", __wasi_path_link(root, 0, "bin/tool", root, "bin/tool2"));
  op("mkdir newdir", __wasi_path_create_directory(root, "newdir"));
  op("create newdir/file", put_file(root, "newdir/file", "fresh\n"));
  op("symlink newdir/link", __wasi_path_symlink("../bin/tool", root, "newdir/link"));
  op("mkdir newdir/sub", __wasi_path_create_directory(root, "newdir/sub"));
  op("rename newdir/sub merged/sub", __wasi_path_rename(root, "newdir/sub", root, "merged/sub"));
  printf("# mutate done: %d ops, %d failed\n", ops, op_failed);
  return op_failed == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  root = find_root();
  layerfs = is_arg(argc, argv, "--layerfs");
  if (is_arg(argc, argv, "mutate")) return mutate();
  check_reads();
  check_copy_up();
  check_removals();
  check_whiteout_mkdir();
  check_renames();
  check_links();
  if (layerfs) check_reserved_names();
  return tap_finish();
}
