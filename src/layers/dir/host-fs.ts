/**
 * HostFs: the port DirLayer is written against, the small synchronous
 * host-filesystem interface it needs. It lives beside its consumer: src/host
 * implements it (node-fs.ts over node:fs, deno-fs.ts over Deno's APIs,
 * fault-fs.ts wrapping one to inject errors) and nothing here imports src/host.
 *
 * Contract for every implementation:
 * - Paths are absolute host paths. No method follows a symlink in the LAST
 *   component of a path (lstat semantics); the caller is responsible for the
 *   parent components (DirLayer lstat-checks each one).
 * - Every failure is thrown as an FsError carrying the WASI errno, never as a
 *   platform exception.
 * - File descriptors are small numbers private to the implementation.
 */

/** What kind of object a host path names. */
export type HostFileKind = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket";

/** Result of lstat/fstat. Times are nanoseconds since the epoch (as precise as the host gives). */
export interface HostStat {
  kind: HostFileKind;
  /** Permission bits only (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  dev: bigint;
  ino: bigint;
  /** Device number of a char/block device (0 otherwise); overlayfs whiteouts are char 0:0. */
  rdev: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** One entry of `HostFs.readdir`. */
export interface HostDirent {
  name: string;
  /** Kind as reported by the directory listing (no extra stat); "unknown" if the host did not say. */
  kind: HostFileKind | "unknown";
}

/** Options of `HostFs.open`. */
export interface HostOpenOptions {
  /** Open read-write (default: read-only). */
  write?: boolean;
  /** Create the file; fail with EEXIST if the name is taken (O_CREAT|O_EXCL, never follows). Implies write. */
  createNew?: boolean;
  /** Permission bits for a created file (umask applies; callers chmod afterwards for exact bits). */
  mode?: number;
}

/** A process as a lock records its holder. */
export interface ProcessIdentity {
  pid: number;
  /** Host name: whether a process still runs can only be told on its own host. */
  host: string;
  /**
   * Tells this process apart from a later one given the same pid (Linux: boot
   * id and start time from /proc); "" where the host cannot say.
   */
  start: string;
}

/** What a lock needs to know about processes (lock files of killed holders must not block forever). */
export interface HostProcesses {
  /** This process. */
  self(): ProcessIdentity;
  /**
   * Is process `p` still running? False for a gone pid, a zombie, or a pid now
   * used by another process (`start` differs). True when it cannot be told
   * (another host): a lock is never broken on a guess.
   */
  alive(p: ProcessIdentity): boolean;
  /** Call `fn` when the process exits (normally, or by process.exit / Deno.exit); returns the unregistering function. */
  atExit(fn: () => void): () => void;
}

/** The host filesystem a DirLayer works on (contract: this module's header). */
export interface HostFs {
  /** A name for messages ("node", "deno", "faulty(node)"). */
  readonly name: string;
  /**
   * Optional: processes of this host, for the lock a writable DirLayer holds
   * (layers/dir/lock.ts). Without it a DirLayer takes no lock.
   */
  readonly processes?: HostProcesses;
  lstat(path: string): HostStat;
  /**
   * Optional fast path: lstat, but undefined (no exception) when nothing is
   * there (ENOENT, ENOTDIR). Misses are the common case in an upper layer, and
   * building an exception per miss dominated lookups.
   */
  lstatIfExists?(path: string): HostStat | undefined;
  fstat(fd: number): HostStat;
  /**
   * Optional: true when `open` itself refuses a final symlink (ELOOP) and
   * anything but a regular file or directory (ENXIO), without blocking on a
   * FIFO: in the kernel (O_NOFOLLOW|O_NONBLOCK), or by its own lstat and
   * descriptor identity check (DenoFs). A caller may then open first and
   * fstat the descriptor instead of lstat-checking the path before opening.
   */
  readonly openNoFollow?: boolean;
  /**
   * Optional: true when lstat gives a directory's mtime and ctime as exactly
   * as the filesystem keeps them (Node: ns). Read-only DirLayers share what
   * their indexes learned across unions only over such a host: a directory's
   * unchanged times are what vouch for its unchanged names (shared-index.ts).
   * Deno gives ctime in whole seconds, which cannot tell an mtime set back by
   * utimes within the same second, so DenoFs leaves it unset.
   */
  readonly exactDirTimes?: boolean;
  /**
   * Optional: the process's file-creation mask, so a caller can tell when
   * `open(path, { createNew, mode })` already gives exactly `mode` (no chmod).
   */
  umask?(): number;
  readdir(path: string): HostDirent[];
  readlink(path: string): string;
  /** Canonical absolute path (follows symlinks): used only for a layer's root, which the user chose. */
  realpath(path: string): string;

  /** Open a file without following a final symlink (ELOOP if it is one). */
  open(path: string, options?: HostOpenOptions): number;
  /** pread: read into `buf` at `position`; returns the count, 0 at EOF (may be short). */
  pread(fd: number, buf: Uint8Array, position: number): number;
  /** pwrite: write `buf` at `position`; returns the count written (may be short). */
  pwrite(fd: number, buf: Uint8Array, position: number): number;
  ftruncate(fd: number, size: number): void;
  fsync(fd: number): void;
  /** Set times of an open file (ns since the epoch). */
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): void;
  close(fd: number): void;

  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  /** Remove a non-directory (EISDIR for a directory). */
  unlink(path: string): void;
  /** rename(2): atomic, replaces a file or empty directory at `to`, follows neither path. */
  rename(from: string, to: string): void;
  symlink(target: string, path: string): void;
  /** Hard link; a symlink `existing` is linked itself, not followed. */
  link(existing: string, newPath: string): void;
  /** chmod of a file or directory; a final symlink is not followed (ELOOP/NOTSUP). */
  chmod(path: string, mode: number): void;
  /** chown without following a final symlink (lchown). */
  lchown(path: string, uid: number, gid: number): void;
  /** Set times without following a final symlink (lutimes); ns since the epoch. */
  lutimes(path: string, atimeNs: bigint, mtimeNs: bigint): void;
  /**
   * Copy the regular file `from` to the new name `to` (EEXIST if taken): the
   * host's own copy (Linux: copy_file_range, which the kernel may serve with a
   * clone). To ask for a clone and know that one was made: cloneFile.
   */
  copyFile(from: string, to: string): void;
  /**
   * Optional: `from` cloned to the new name `to` (EEXIST if taken), sharing its
   * extents, or an FsError that leaves nothing at `to`: ENOTSUP, EXDEV or
   * EINVAL where the filesystems cannot clone. A caller that gets a clone knows
   * no data was copied (entry-maker.ts then skips the copy's fsync).
   */
  cloneFile?(from: string, to: string): void;
}
