/*
 * Directories: mkdir/rmdir, directory renames (over empty and non-empty targets,
 * into themselves), hard links, trailing slashes on non-directories, relative
 * directory fds, and libc mkdir/opendir/readdir/rename.
 * CLI: wasi_dirs.wasm      (needs a fresh writable root preopen "/"; works in /dirs)
 */
#include "tap.h"
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static __wasi_fd_t root;

static void test_mkdir_rmdir(void) {
  check_err("path_create_directory", __wasi_path_create_directory(root, "dirs/a"), 0);
  check_type("new directory stats as DIRECTORY", root, "dirs/a", 0, __WASI_FILETYPE_DIRECTORY);
  check_err("mkdir of an existing directory is EEXIST", __wasi_path_create_directory(root, "dirs/a"),
            __WASI_ERRNO_EXIST);
  put_file(root, "dirs/f", "file");
  check_err("mkdir over a file is EEXIST", __wasi_path_create_directory(root, "dirs/f"), __WASI_ERRNO_EXIST);
  check_err("mkdir in a missing parent is ENOENT", __wasi_path_create_directory(root, "dirs/nope/x"),
            __WASI_ERRNO_NOENT);
  check_err("mkdir under a file is ENOTDIR", __wasi_path_create_directory(root, "dirs/f/x"), __WASI_ERRNO_NOTDIR);
  check_err("mkdir with a trailing slash", __wasi_path_create_directory(root, "dirs/b/"), 0);
  check_type("dir made with trailing slash exists", root, "dirs/b", 0, __WASI_FILETYPE_DIRECTORY);
  put_file(root, "dirs/a/inner", "x");
  check_err("rmdir of a non-empty directory is ENOTEMPTY", __wasi_path_remove_directory(root, "dirs/a"),
            __WASI_ERRNO_NOTEMPTY);
  check_err("rmdir of a file is ENOTDIR", __wasi_path_remove_directory(root, "dirs/f"), __WASI_ERRNO_NOTDIR);
  check_err("rmdir of a missing name is ENOENT", __wasi_path_remove_directory(root, "dirs/zz"), __WASI_ERRNO_NOENT);
  __wasi_path_create_directory(root, "dirs/dot");
  check_err("rmdir of dir/. is EINVAL", __wasi_path_remove_directory(root, "dirs/dot/."), __WASI_ERRNO_INVAL);
  check_err("rmdir of an empty directory", __wasi_path_remove_directory(root, "dirs/b"), 0);
  __wasi_filestat_t st;
  check_err("removed directory is gone", stat_at(root, "dirs/b", 0, &st), __WASI_ERRNO_NOENT);
  check_err("rmdir with a trailing slash", (__wasi_path_create_directory(root, "dirs/c"),
                                             __wasi_path_remove_directory(root, "dirs/c/")), 0);
}

static void test_trailing_slash(void) {
  __wasi_fd_t fd;
  __wasi_filestat_t st;
  put_file(root, "dirs/ts", "x");
  check_err("open file/ is ENOTDIR", open_at(root, "dirs/ts/", 0, RIGHTS_RO, 0, &fd), __WASI_ERRNO_NOTDIR);
  check_err("open CREAT file/ on an existing file is EISDIR (Linux)",
            open_at(root, "dirs/ts/", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd), __WASI_ERRNO_ISDIR);
  check_err("path_filestat_get file/ is ENOTDIR", stat_at(root, "dirs/ts/", 0, &st), __WASI_ERRNO_NOTDIR);
  check_err("path_filestat_get file/. is ENOTDIR", stat_at(root, "dirs/ts/.", 0, &st), __WASI_ERRNO_NOTDIR);
  check_err("unlink file/ is ENOTDIR", __wasi_path_unlink_file(root, "dirs/ts/"), __WASI_ERRNO_NOTDIR);
  check_err("rename file/ is ENOTDIR", __wasi_path_rename(root, "dirs/ts/", root, "dirs/ts2"), __WASI_ERRNO_NOTDIR);
  check_err("rename file to name/ is ENOTDIR", __wasi_path_rename(root, "dirs/ts", root, "dirs/ts2/"),
            __WASI_ERRNO_NOTDIR);
  check_err("link file/ is ENOTDIR", __wasi_path_link(root, 0, "dirs/ts/", root, "dirs/ts3"), __WASI_ERRNO_NOTDIR);
  check_err("open CREAT new/ is EISDIR (Linux)", open_at(root, "dirs/new/", __WASI_OFLAGS_CREAT, RIGHTS_RW, 0, &fd),
            __WASI_ERRNO_ISDIR);
  check_err("file still there after the failures", stat_at(root, "dirs/ts", 0, &st), 0);
  check_err("path_filestat_get dir/ works", stat_at(root, "dirs/", 0, &st), 0);
  check_true("dir/ is a directory", st.filetype == __WASI_FILETYPE_DIRECTORY, "DIRECTORY", ftname(st.filetype));
}

static void test_dir_rename(void) {
  __wasi_filestat_t st;
  __wasi_path_create_directory(root, "dirs/src");
  __wasi_path_create_directory(root, "dirs/src/deep");
  put_file(root, "dirs/src/deep/file", "deep");
  __wasi_path_create_directory(root, "dirs/empty");
  __wasi_path_create_directory(root, "dirs/full");
  put_file(root, "dirs/full/x", "x");
  check_err("rename a directory over a non-empty one is ENOTEMPTY",
            __wasi_path_rename(root, "dirs/src", root, "dirs/full"), __WASI_ERRNO_NOTEMPTY);
  check_err("rename a directory over a file is ENOTDIR", __wasi_path_rename(root, "dirs/src", root, "dirs/full/x"),
            __WASI_ERRNO_NOTDIR);
  check_err("rename a directory into itself is EINVAL",
            __wasi_path_rename(root, "dirs/src", root, "dirs/src/deep/inside"), __WASI_ERRNO_INVAL);
  check_err("rename a directory over an empty one", __wasi_path_rename(root, "dirs/src", root, "dirs/empty"), 0);
  check_file("renamed tree keeps its content", root, "dirs/empty/deep/file", "deep");
  check_err("old directory name is gone", stat_at(root, "dirs/src", 0, &st), __WASI_ERRNO_NOENT);
  check_err("rename a directory to a new name with a trailing slash",
            __wasi_path_rename(root, "dirs/empty", root, "dirs/moved/"), 0);
  check_err("rename a directory with trailing slashes on both", __wasi_path_rename(root, "dirs/moved/", root, "dirs/m2/"),
            0);
  check_file("deep file follows the directory", root, "dirs/m2/deep/file", "deep");
  check_err("rename a directory onto itself", __wasi_path_rename(root, "dirs/m2", root, "dirs/m2"), 0);
  check_err("rename root-relative missing parent is ENOENT", __wasi_path_rename(root, "dirs/m2", root, "dirs/no/m3"),
            __WASI_ERRNO_NOENT);
}

static void test_link(void) {
  __wasi_filestat_t a, b;
  put_file(root, "dirs/l1", "linked");
  check_err("path_link", __wasi_path_link(root, 0, "dirs/l1", root, "dirs/l2"), 0);
  stat_at(root, "dirs/l1", 0, &a);
  stat_at(root, "dirs/l2", 0, &b);
  check_u64("hard links share the inode", b.ino, a.ino);
  check_u64("nlink is 2", a.nlink, 2);
  check_file("link reads the same data", root, "dirs/l2", "linked");
  __wasi_fd_t fd;
  open_at(root, "dirs/l2", 0, RIGHTS_RW, __WASI_FDFLAGS_APPEND, &fd);
  __wasi_ciovec_t iov = {(const uint8_t *)"+", 1};
  __wasi_size_t n;
  __wasi_fd_write(fd, &iov, 1, &n);
  __wasi_fd_close(fd);
  check_file("a write through one link shows through the other", root, "dirs/l1", "linked+");
  put_file(root, "dirs/l3", "other");
  check_err("path_link onto an existing name is EEXIST", __wasi_path_link(root, 0, "dirs/l1", root, "dirs/l3"),
            __WASI_ERRNO_EXIST);
  check_file("the existing target is untouched", root, "dirs/l3", "other");
  check_err("path_link of a directory is EPERM", __wasi_path_link(root, 0, "dirs/m2", root, "dirs/m2link"),
            __WASI_ERRNO_PERM);
  check_err("path_link of a missing file is ENOENT", __wasi_path_link(root, 0, "dirs/none", root, "dirs/l4"),
            __WASI_ERRNO_NOENT);
  check_err("path_link into a missing directory is ENOENT",
            __wasi_path_link(root, 0, "dirs/l1", root, "dirs/none/l4"), __WASI_ERRNO_NOENT);
  check_err("unlink one link", __wasi_path_unlink_file(root, "dirs/l1"), 0);
  stat_at(root, "dirs/l2", 0, &b);
  check_u64("nlink drops to 1", b.nlink, 1);
}

static void test_dirfd(void) {
  __wasi_fd_t d;
  check_err("open a directory with DIRECTORY", open_dir(root, "dirs/m2", 0, &d), 0);
  __wasi_fdstat_t fs;
  __wasi_fd_fdstat_get(d, &fs);
  check_true("directory fd filetype", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY, "DIRECTORY", ftname(fs.fs_filetype));
  __wasi_filestat_t st;
  check_err("fd_filestat_get on a directory fd", __wasi_fd_filestat_get(d, &st), 0);
  check_true("directory filestat type", st.filetype == __WASI_FILETYPE_DIRECTORY, "DIRECTORY", ftname(st.filetype));
  check_err("create a file relative to a directory fd", put_file(d, "rel.txt", "rel"), 0);
  check_file("file created through the dir fd is visible from the root", root, "dirs/m2/rel.txt", "rel");
  check_err("mkdir relative to a directory fd", __wasi_path_create_directory(d, "sub"), 0);
  check_err("rename between two directory fds", __wasi_path_rename(d, "rel.txt", root, "dirs/rel-moved.txt"), 0);
  check_file("moved across fds", root, "dirs/rel-moved.txt", "rel");
  check_err("link between two directory fds", __wasi_path_link(root, 0, "dirs/rel-moved.txt", d, "sub/rel-link"), 0);
  check_file("linked across fds", d, "sub/rel-link", "rel");
  __wasi_fd_close(d);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_libc(void) {
  check_true("mkdir", mkdir("/dirs/lib", 0755) == 0, "0", strerror(errno));
  check_true("mkdir existing gives EEXIST", mkdir("/dirs/lib", 0755) != 0 && errno == EEXIST, "EEXIST",
             strerror(errno));
  const char *names[] = {"b", "a", "c.txt"};
  for (int i = 0; i < 3; i++) {
    char p[64];
    snprintf(p, sizeof p, "/dirs/lib/%s", names[i]);
    FILE *f = fopen(p, "w");
    if (f) fclose(f);
  }
  mkdir("/dirs/lib/sub", 0755);
  DIR *dir = opendir("/dirs/lib");
  check_true("opendir", dir != NULL, "DIR*", strerror(errno));
  if (!dir) return;
  char *got[16];
  int n = 0, dots = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && n < 16) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) { dots++; continue; }
    got[n++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(got, n, sizeof got[0], cmpstr);
  char joined[128] = "";
  for (int i = 0; i < n; i++) {
    strcat(joined, got[i]);
    strcat(joined, i + 1 < n ? "," : "");
    free(got[i]);
  }
  check_str("libc readdir lists the entries", joined, "a,b,c.txt,sub");
  check_u64("libc readdir shows . and ..", dots, 2);
  check_true("rmdir non-empty gives ENOTEMPTY", rmdir("/dirs/lib") != 0 && errno == ENOTEMPTY, "ENOTEMPTY",
             strerror(errno));
  check_true("rename a directory", rename("/dirs/lib", "/dirs/lib2") == 0, "0", strerror(errno));
  struct stat sb;
  check_true("stat the renamed directory", stat("/dirs/lib2/sub", &sb) == 0 && S_ISDIR(sb.st_mode), "dir",
             strerror(errno));
  check_true("rmdir an empty directory", rmdir("/dirs/lib2/sub") == 0, "0", strerror(errno));
}

int main(void) {
  root = find_root();
  make_workdir(root, "dirs");
  test_mkdir_rmdir();
  test_trailing_slash();
  test_dir_rename();
  test_link();
  test_dirfd();
  test_libc();
  return tap_finish();
}
