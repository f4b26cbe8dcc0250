/*
 * The aufs walk-through program, run over bbb/ (read-only: file2, file3) under
 * aaa/ (writable: file1, file2). Steps are selected by arguments, run in order:
 *   edit    append a line to /file1 and /file2 (file2 exists in both: aaa's copy wins)
 *   modify  append a line to /file3 (a lower-only file: copy-up into aaa/)
 *   remove  rm /file3 (aaa/ gets the whiteout .wh.file3)
 *   show    print every file in / with its content
 * Exit status 0, or 1 with a message on the first failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int append(const char *path, const char *line) {
  FILE *f = fopen(path, "a");
  if (!f) {
    fprintf(stderr, "demo: cannot open %s: %s\n", path, strerror(errno));
    return 1;
  }
  fputs(line, f);
  if (fclose(f) != 0) {
    fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  printf("demo: appended to %s: %s", path, line);
  return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int show(void) {
  DIR *d = opendir("/");
  if (!d) {
    fprintf(stderr, "demo: cannot list /: %s\n", strerror(errno));
    return 1;
  }
  char *names[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 256)
    if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("demo: / holds %d entries\n", n);
  for (int i = 0; i < n; i++) {
    char path[300], buf[512];
    snprintf(path, sizeof path, "/%s", names[i]);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[len] = 0;
    printf("  %s: %s%s", path, buf, len && buf[len - 1] == '\n' ? "" : "\n");
    free(names[i]);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: demo.wasm edit|modify|remove|show...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    const char *step = argv[i];
    int rc;
    if (strcmp(step, "edit") == 0) {
      printf("demo: edit: appending to /file1 and /file2\n");
      rc = append("/file1", "edited by demo\n") || append("/file2", "edited by demo\n");
    } else if (strcmp(step, "modify") == 0) {
      printf("demo: modify: changing /file3 (lower file: copy-up)\n");
      rc = append("/file3", "modified by demo\n");
    } else if (strcmp(step, "remove") == 0) {
      printf("demo: remove: rm /file3\n");
      rc = unlink("/file3");
      if (rc) fprintf(stderr, "demo: cannot remove /file3: %s\n", strerror(errno));
      else printf("demo: removed /file3\n");
    } else if (strcmp(step, "show") == 0) {
      rc = show();
    } else {
      fprintf(stderr, "demo: unknown step %s (edit|modify|remove|show)\n", step);
      return 2;
    }
    if (rc) return 1;
  }
  return 0;
}
