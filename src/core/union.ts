/**
 * Union = an immutable Image (lower layers) + one WritableLayer (upper).
 * SKELETON: the signatures and contracts below are fixed (other modules code
 * against them); the bodies are being written.
 *
 * Paths: absolute union paths ("/", "/a/b"). A relative path is taken from "/".
 * "." and ".." are resolved component by component (".." at the root stays at
 * the root), symlinks resolve inside the union root (chroot semantics, ELOOP
 * after 40 hops). A trailing slash requires the result to be a directory
 * (ENOTDIR otherwise). Empty path: ENOENT. NUL in a path: EINVAL. A component
 * over 255 bytes or a path over 4096 bytes: ENAMETOOLONG.
 */
import type { EntryType, WritableLayer } from "./layer.ts";
import type { Image } from "./image.ts";

/** What a program sees for one object of the union. Times in ns since the epoch. */
export interface Stat {
  type: EntryType;
  /** One constant device number for the whole union. */
  dev: number;
  /** Synthetic, stable: kept through copy-up, shared by hard-link aliases. */
  ino: number;
  /** Permission bits (0o7777). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface DirEntry {
  name: string;
  type: EntryType;
  ino: number;
}

export interface UnionOptions {
  /**
   * "deep" (default): a directory with lower content can be renamed; the moved
   * tree lands in the upper as an opaque directory (SEMANTICS.md rule 11).
   * "exdev": strict kernel behaviour, EXDEV for such renames.
   */
  renameDir?: "deep" | "exdev";
}

export interface OpenOptions {
  /** Open for writing: triggers copy-up of a lower file (even if nothing is written). */
  write?: boolean;
  create?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
  /** Fail with ENOTDIR unless the target is a directory. */
  directory?: boolean;
  /** Follow a symlink in the last component (default true); false + symlink => ELOOP. */
  follow?: boolean;
  /** Permission bits for a created file (default 0o644). */
  mode?: number;
}

/** An open regular file or directory of the union. */
export interface UnionFile {
  readonly type: EntryType;
  readonly writable: boolean;
  /** Read at `position`. A read-only handle on a lower file reads the copied-up data once another handle copies it up. */
  read(into: Uint8Array, position: number): number;
  /** EBADF unless opened for writing. */
  write(data: Uint8Array, position: number): number;
  /** EBADF/EINVAL unless opened for writing. */
  truncate(size: number): void;
  stat(): Stat;
  /** Copy-up trigger. `undefined` leaves a time unchanged. */
  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void;
  sync(): void;
  close(): void;
}

export interface Change {
  /** docker diff: A added, C changed, D deleted. */
  kind: "A" | "C" | "D";
  path: string;
}

export class Union {
  readonly image: Image;
  readonly upper: WritableLayer;
  readonly options: Readonly<Required<UnionOptions>>;

  /** O(1): no copying, no walk. */
  constructor(image: Image, upper: WritableLayer, options: UnionOptions = {}) {
    this.image = image;
    this.upper = upper;
    this.options = { renameDir: options.renameDir ?? "deep" };
  }

  // ---- low-level API used by the WASI layer and the fs-style API ----

  /** Canonical absolute path of `path` (symlinks resolved; `follow` for the last component). */
  realpath(path: string, follow = true): string { throw todo(path, follow); }
  /** Open a file or directory (directories read-only). */
  open(path: string, options: OpenOptions = {}): UnionFile { throw todo(path, options); }
  /** Directory entries sorted by name bytes, without "." and "..", whiteouts filtered. */
  readdirEntries(path: string): DirEntry[] { throw todo(path); }
  /** Set times; `follow` false acts on a symlink itself. Copy-up trigger. */
  setTimes(path: string, atimeNs: bigint | undefined, mtimeNs: bigint | undefined, follow = true): void {
    throw todo(path, atimeNs, mtimeNs, follow);
  }

  // ---- node:fs-style sync API ----

  stat(path: string): Stat { throw todo(path); }
  lstat(path: string): Stat { throw todo(path); }
  exists(path: string): boolean { throw todo(path); }
  readdir(path: string): string[] { throw todo(path); }
  readFile(path: string): Uint8Array;
  readFile(path: string, encoding: "utf8"): string;
  readFile(path: string, encoding?: "utf8"): Uint8Array | string { throw todo(path, encoding); }
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }): void { throw todo(path, data, options); }
  mkdir(path: string, options?: number | { mode?: number; recursive?: boolean }): void { throw todo(path, options); }
  rmdir(path: string): void { throw todo(path); }
  unlink(path: string): void { throw todo(path); }
  rename(from: string, to: string): void { throw todo(from, to); }
  /** node order: symlink(target, path). */
  symlink(target: string, path: string): void { throw todo(target, path); }
  readlink(path: string): string { throw todo(path); }
  /** Hard link; does not follow a symlink source (node/Linux linkat default). */
  link(existing: string, newPath: string): void { throw todo(existing, newPath); }
  chmod(path: string, mode: number): void { throw todo(path, mode); }
  chown(path: string, uid: number, gid: number): void { throw todo(path, uid, gid); }
  /** Times in seconds (number) or Date, as node:fs. */
  utimes(path: string, atime: number | Date, mtime: number | Date): void { throw todo(path, atime, mtime); }
  lutimes(path: string, atime: number | Date, mtime: number | Date): void { throw todo(path, atime, mtime); }
  truncate(path: string, length = 0): void { throw todo(path, length); }
  /** docker diff of the upper against the image, sorted by path. */
  changes(): Change[] { throw todo(); }
}

function todo(..._args: unknown[]): Error {
  return new Error("not implemented yet");
}
