/**
 * The public types of the Union API (what a program sees and passes in), in a
 * module of their own so that union.ts and its helpers (file.ts, changes.ts,
 * readdir-merge.ts, ...) all import them from here: the arrows point one way.
 */
import type { EntryType } from "./layer.ts";
import type { Quota } from "./quota.ts";

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

/** One entry of a merged directory listing (readdirEntries). */
export interface DirEntry {
  name: string;
  type: EntryType;
  ino: number;
}

/** Options of `new Union(image, upper, options)`. */
export interface UnionOptions {
  /**
   * "deep" (default): a directory with lower content can be renamed; the moved
   * tree lands in the upper as an opaque directory (SEMANTICS.md rule 11).
   * "exdev": strict kernel behaviour, EXDEV for such renames.
   */
  renameDir?: "deep" | "exdev";
  /**
   * Limits on what this union stores in its upper (core/quota.ts defines what
   * counts). Past one, the change fails whole with ENOSPC.
   */
  quota?: Quota;
}

/**
 * Options of `Union.open` (node:fs open flags as booleans; `open(path, "a+")`
 * takes node's flag strings instead). Unknown keys are EINVAL.
 */
export interface OpenOptions {
  /** Open for reading (default true); false: reads are EBADF, as with O_WRONLY. */
  read?: boolean;
  /** Open for writing: triggers copy-up of a lower file (even if nothing is written). */
  write?: boolean;
  /** Every write lands at the end of the file (O_APPEND), whatever position it names. */
  append?: boolean;
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

/** Options of `readFile`: an encoding name, or node's `{ encoding, flag }` (default flag "r"). */
export type ReadFileOptions = { encoding?: "utf8" | "utf-8" | null; flag?: string } | "utf8" | "utf-8";

/** Options of `writeFile` / `appendFile`: an encoding name, or node's `{ encoding, mode, flag }`. */
export type WriteFileOptions = { encoding?: "utf8" | "utf-8" | null; mode?: number | string; flag?: string } | "utf8" | "utf-8";

/** Options of `readdir`: an encoding name, or `{ encoding, withFileTypes }`. */
export type ReaddirOptions = { encoding?: "utf8" | "utf-8" | null; withFileTypes?: boolean } | "utf8" | "utf-8";

/** Options of `stat` / `lstat` (node's; bigint stats are not supported). */
export interface StatOptions {
  bigint?: false;
  /** false: a missing path gives undefined instead of ENOENT. */
  throwIfNoEntry?: boolean;
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
  /** Optional: `stat().size` without the rest of a stat (LayerFile.sizeNow); absent: use stat(). */
  sizeNow?(): number;
  /** Copy-up trigger. `undefined` leaves a time unchanged. */
  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void;
  sync(): void;
  close(): void;
}

/** One entry of `Union.changes()`. */
export interface Change {
  /** docker diff: A added, C changed, D deleted. */
  kind: "A" | "C" | "D";
  path: string;
}
