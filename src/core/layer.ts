/**
 * The layer interfaces. A layer is one directory tree in aufs/OCI on-disk form:
 * whiteouts are empty regular files named `.wh.NAME`, an opaque directory holds
 * an empty `.wh..wh..opq`. Layers store and report those names verbatim; only
 * the union interprets them (see union.ts and SEMANTICS.md).
 *
 * Paths given to a layer are layer-relative, already validated and normalised
 * by the union: "" is the root, otherwise components joined by "/" with no
 * leading or trailing slash, no "." or ".." and no empty component. Layers
 * never resolve symlinks: a symlink is an entry like any other.
 *
 * Every method that fails throws an FsError (errno.ts) and changes nothing.
 *
 * Ownership of open files and host resources (the one rule every layer and
 * the union follow):
 * - Whoever opens a LayerFile closes it, on success and on error paths alike.
 *   A layer never closes a LayerFile it was handed, and never keeps one past
 *   the call it was handed to (see `createFileFrom`).
 * - A layer holds host resources (descriptors) only for the LayerFiles it
 *   returned that are still open, plus a bounded cache of its own, which
 *   `Layer.close()` releases. So a union's descriptor count is bounded by its
 *   open handles, never by how many files were copied up.
 * - Lazy copy-up keeps a `ContentSource` (LayerFile.contentSource, or
 *   Layer.contentSourceOf without opening the file), not the LayerFile: a
 *   source outlives the handle and holds no descriptor while idle. Lower
 *   layers are immutable while mounted, which is what makes such a late read
 *   valid.
 */
import { Errno, FsError } from "./errno.ts";
import type { ErrnoValue } from "./errno.ts";

/** Read-only bytes a layer may keep to read a copied-up file's content later. */
export interface ContentSource {
  /** Copy up to `into.length` bytes from `position`; returns the count (0 at EOF). */
  read(into: Uint8Array, position: number): number;
}

/** The object kinds a layer holds (no devices, FIFOs or sockets). */
export type EntryType = "file" | "dir" | "symlink";

/** A layer's stamp of one of its directories (Layer.dirStamp): equal element by element, the same names. */
export type DirStamp = readonly (number | bigint | string)[];

/** Equal element by element (===): stamps (DirStamp), lists of layer indexes. */
export function sameElements(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Attributes of one entry in one layer. Times are nanoseconds since the epoch. */
export interface EntryStat {
  readonly type: EntryType;
  /** Permission bits only (0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes for files, target length for symlinks, 0 (or host size) for directories. */
  readonly size: number;
  readonly nlink: number;
  /**
   * Identity of the object inside this layer: stable while the layer lives,
   * shared by hard-link aliases, distinct otherwise, 1 <= id < 2**32.
   */
  readonly id: number;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** Read access to the content of one regular file. Survives rename and unlink of its path. */
export interface LayerFile {
  /** Copy up to `into.length` bytes starting at `position`; returns the count (0 at or past EOF). */
  read(into: Uint8Array, position: number): number;
  /** Current attributes of the open object. */
  stat(): EntryStat;
  /**
   * Optional (files of writable layers): set the open object's times
   * (undefined leaves one unchanged; ctime becomes now), whatever its names
   * are by now. The union uses it for handle-level futimens; without it the
   * union falls back to the path the file was opened under.
   */
  setTimes?(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void;
  /**
   * Optional (files of layers that do not change while mounted): this file's
   * content as a ContentSource that stays readable after `close()` and holds
   * no host descriptor while idle (a host layer reopens the file on demand
   * through a bounded pool). What a lazily copying upper keeps instead of the
   * handle. Undefined when the content may still change (a writable host layer).
   */
  contentSource?(): ContentSource | undefined;
  /**
   * Optional: the current size, as `stat().size`, without a host call where
   * the file knows it (a host upper's file tracks its own size while no other
   * descriptor can change it). O_APPEND writes and SEEK_END ask for it.
   */
  sizeNow?(): number;
  /** Release the handle (and its descriptor). Idempotent. */
  close(): void;
}

/** An open regular file in a writable layer. */
export interface WritableLayerFile extends LayerFile {
  /** Write all of `data` at `position` (extending with zeros past EOF); returns data.length. */
  write(data: Uint8Array, position: number): number;
  truncate(size: number): void;
  /** Flush to durable storage where the layer has any. */
  sync(): void;
  /**
   * Optional (quota accounting, core/quota.ts): bytes this file's content
   * really stores in the layer (a memory layer: its local chunk buffers).
   * Without it the file's size is counted.
   */
  storedBytes?(): number;
  /** Optional: how many stored bytes `write(data of length, position)` would add, computed without writing. */
  writeGrowth?(length: number, position: number): number;
}

/** A read-only layer: the one-screen interface every layer kind implements. */
export interface Layer {
  /** Attributes of the entry at `path` (not following symlinks), or undefined if absent. */
  stat(path: string): EntryStat | undefined;
  /** Raw names in the directory at `path` (including `.wh.*`), any order; throws ENOENT/ENOTDIR. */
  readdir(path: string): string[];
  /** Target of the symlink at `path`, verbatim; throws ENOENT/EINVAL. */
  readlink(path: string): string;
  /** Open the regular file at `path` for reading; throws ENOENT/EISDIR. */
  open(path: string): LayerFile;
  /**
   * Optional: `stat` of several names in directory `dir` at once (the lower
   * index stats a whole listing), element i for `names[i]`. Same answers as
   * `stat(childPath(dir, name))`; lets a layer check the directory once.
   */
  statChildren?(dir: string, names: readonly string[]): (EntryStat | undefined)[];
  /**
   * Optional: the type `stat` gives each of `names` in directory `dir`, asked
   * only to merge the lower copies of a directory found in a layer above
   * (lower-index.ts). Unlike stat's, an answer "dir" for a plain name (not
   * `.wh.*`) may rest on a look the layer has not yet checked to be inside it
   * (a host DirLayer checks such looks lazily): the caller only adds this copy
   * to the merge, and the layer checks before it shows anything found in it
   * or its attributes. Every other answer is as stat's.
   */
  typesToMerge?(dir: string, names: readonly string[]): (EntryType | undefined)[];
  /**
   * Optional: `stat` for a path the caller walks through, needing only the
   * entry's type, id, mode and owner: a directory's times, size and link count
   * may be stale (a host layer answers from a cache that changes inside the
   * directory do not drop). Everything else as `stat`.
   */
  statToTraverse?(path: string): EntryStat | undefined;
  /**
   * Optional: `readdir` with the type of each name (what a host listing's
   * d_type tells), so the lower index can merge a directory without a stat
   * per name and stat lazily. types[i] is the type `stat` gives names[i].
   */
  readdirTyped?(path: string): { names: readonly string[]; types: readonly EntryType[] };
  /**
   * Optional (layers that do not change while mounted): the content of the
   * regular file at `path` as a ContentSource, taken without opening the file
   * (what `open(path).contentSource()` gives, minus the open: a host layer
   * opens it on the first read, through its bounded pool, and checks it is
   * the object its index holds). Undefined where the layer cannot give one
   * (the caller opens the file instead). Lazy copy-up into a memory upper
   * takes it (WritableLayer.createFileFromSource).
   */
  contentSourceOf?(path: string): ContentSource | undefined;
  /**
   * Optional: release what the layer holds beyond its open files (pooled
   * descriptors; for a writable host layer also its lock and empty work
   * directory). Idempotent. A read-only layer stays readable (it reopens on
   * demand); a writable one refuses changes afterwards (EBADF).
   */
  close?(): void;
  /**
   * Optional, set on a layer frozen by `Union.fork` (core/lower-index.ts
   * numbers its objects): the union inode numbers recorded for its objects by
   * id; any other object kept its id as number (a directory merging a lower
   * one: that one's number), as the union showed them, so numbers stay stable
   * across a fork. Absent: the default lower numbering.
   */
  readonly unionInodes?: ReadonlyMap<number, number>;
  /**
   * Optional (read-only layers whose content outlives the layer object: a host
   * directory): a key naming what the layer shows, equal for every layer object
   * that shows the same, so merged answers about a stack of such layers serve
   * later unions over an equal stack (core/stack-memo.ts), while each layer's
   * dirStamp of the directory concerned stays the same. Set with dirStamp.
   */
  readonly memoKey?: string;
  /**
   * Optional, with memoKey: a stamp of directory `path` (canonical, as for
   * stat). Equal stamps (element by element) vouch that the directory shows
   * the same names with the same types, whiteouts and opaque marker included.
   * `fresh`: as it is now (may cost one host call). Else only a stamp the layer
   * took in this mount before it answered anything about the directory, and no
   * host call. Undefined where the layer cannot vouch (none taken; changed too
   * recently for its times to tell; not a directory).
   */
  dirStamp?(path: string, fresh: boolean): DirStamp | undefined;
}

/** Attribute changes accepted by WritableLayer.setattr. Absent fields stay as they are. */
export interface SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  atimeNs?: bigint;
  mtimeNs?: bigint;
}

/** Attributes to give a new entry (copy-up keeps the lower ones; defaults: now, uid/gid 0). */
export interface NewEntryAttr {
  mode: number;
  uid?: number;
  gid?: number;
  atimeNs?: bigint;
  mtimeNs?: bigint;
}

/**
 * The layer that takes all writes. Mutations act on exactly the named path;
 * the parent directory must exist (ENOENT otherwise) and the union has already
 * checked existence rules, but layers still check them and throw EEXIST,
 * ENOENT, ENOTDIR, ENOTEMPTY, EISDIR as a plain filesystem would.
 */
export interface WritableLayer extends Layer {
  readonly writable: true;
  mkdir(path: string, attr: NewEntryAttr): void;
  /** Create an empty regular file (EEXIST if the name is taken). */
  createFile(path: string, attr: NewEntryAttr): void;
  /**
   * Optional capability: createFile, then open the new file for writing
   * (`write`) or for reading only, as one step. A host layer does both with one
   * open(O_CREAT|O_EXCL) where it can. Same rules and errors as createFile
   * followed by openWrite/open; the union uses it (when present) for open
   * with create. Layers without it are driven through createFile + open.
   */
  createAndOpen?(path: string, attr: NewEntryAttr, write: boolean): WritableLayerFile;
  /**
   * Optional: open `path` for reading when the layer knows, without asking
   * anything first, that it holds a regular file there (it made or statted it
   * and nothing changed its name since); undefined when it does not know, or
   * the open failed (the caller then looks the path up as usual). What opens is
   * exactly what `open(path)` would open; the union uses it for a read-only
   * open of a name its upper holds, instead of a stat then an open.
   */
  openKnownFile?(path: string): LayerFile | undefined;
  /**
   * Optional (quota accounting, core/quota.ts): true when no file of this layer
   * has `storedBytes` (each stores its size), so accounting takes the size from
   * `stat` instead of opening the file.
   */
  readonly storesFileSizes?: boolean;
  /**
   * Create a regular file whose content is that of `source` (a lower layer's
   * open file, immutable while mounted): the copy-up primitive. EEXIST if the
   * name is taken.
   * Ownership: the caller owns `source` and closes it once this returns or
   * throws; the layer neither closes nor keeps it. A memory layer keeps
   * `source.contentSource()` (no bytes copied, no descriptor held; without one
   * it copies the bytes now) and stores only chunks written later; a host
   * layer copies atomically (reflink or copy to a temporary file + rename).
   */
  createFileFrom(path: string, source: LayerFile, attr: NewEntryAttr): void;
  /**
   * Optional (layers that copy up by reference): createFileFrom by reference
   * to `source`, a lower layer's `contentSourceOf`, holding `size` bytes (the
   * lower file's size). The layer keeps `source` and stores only what is
   * written later. Same rules and errors as createFileFrom.
   */
  createFileFromSource?(path: string, source: ContentSource, size: number, attr: NewEntryAttr): void;
  symlink(path: string, target: string, attr?: Partial<NewEntryAttr>): void;
  /** Hard link: `newPath` becomes another name of the file at `existing`. */
  link(existing: string, newPath: string): void;
  /** Remove a non-directory. */
  unlink(path: string): void;
  /** Remove an empty directory (raw emptiness: whiteout files count as entries). */
  rmdir(path: string): void;
  /** Remove a directory and everything in it (used when a directory collapses to a whiteout). */
  removeTree(path: string): void;
  /** rename(2) inside this layer: replaces a non-directory or empty-directory target. */
  rename(from: string, to: string): void;
  setattr(path: string, attr: SetAttr): void;
  /** Open a regular file for writing (and reading). */
  openWrite(path: string): WritableLayerFile;
  /**
   * Optional (Union.reset / Union.fork): a fresh, empty writable layer of the
   * same kind and options, in O(1). It shares this layer's id space: objects
   * of this layer, of the successor and of any other successor of either
   * (Union.fork makes several) never share an id.
   */
  successor?(): WritableLayer;
  /**
   * Optional (Union.fork): make this layer immutable in O(1) (later changes
   * and writes through open handles throw EROFS) and return it as a read-only
   * Layer. `inos`: union inode numbers of its objects by id (Layer.unionInodes).
   */
  freezeAsLayer?(inos?: ReadonlyMap<number, number>): Layer;
  /**
   * Optional (Union.dispose): the owner is done with this layer for good:
   * release what it holds (a memory layer hands its chunk buffers to the
   * chunk pool) and refuse every later call, its open files' included
   * (EBADF). A frozen layer (possibly shared as a lower) is left alone.
   * Idempotent.
   */
  dispose?(): void;
}

/** Is `layer` writable (can it be a union's upper)? */
export function isWritableLayer(layer: Layer): layer is WritableLayer {
  return (layer as Partial<WritableLayer>).writable === true;
}

/** aufs/OCI whiteout encoding. */
export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";
/** Names starting with this are aufs internals: ignored, never shown. */
export const WHITEOUT_META_PREFIX = ".wh..wh.";

/** Is `name` one plain component of a layer path: not "", "." or "..", no "/" and no NUL? */
export function isPlainName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0");
}

/**
 * A layer's own check of a layer-relative path (the union hands layers only
 * normalised ones; this guards other callers). "" (the root) is fine; a
 * leading "/" or a ".." component would leave the layer (`escapeErrno`: a
 * host directory says ENOTCAPABLE, a memory layer EINVAL); NUL, "." or an
 * empty component is not normalised (EINVAL).
 */
export function checkLayerPath(path: string, syscall: string, escapeErrno: ErrnoValue = Errno.INVAL): void {
  if (typeof path !== "string") throw new FsError(Errno.INVAL, syscall);
  if (path === "") return;
  if (path.includes("\0")) throw new FsError(Errno.INVAL, syscall, path);
  if (path.startsWith("/")) throw new FsError(escapeErrno, syscall, path);
  // Component by component without allocating (this runs on every layer call).
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 47 /* / */) continue;
    const len = i - start;
    const dot = len > 0 && path.charCodeAt(start) === 46; /* . */
    if (len === 2 && dot && path.charCodeAt(start + 1) === 46) throw new FsError(escapeErrno, syscall, path);
    if (len === 0 || (len === 1 && dot)) throw new FsError(Errno.INVAL, syscall, path, "not a normalised layer path");
    start = i + 1;
  }
}

/** Layer-relative path of `name` inside directory `dir`. */
export function childPath(dir: string, name: string): string {
  return dir === "" ? name : dir + "/" + name;
}

/**
 * Index of the last "/" in `s` before `end` (-1: none): `s.lastIndexOf("/", end - 1)`
 * without its cost. String.prototype.lastIndexOf is a C++ builtin in V8 (a runtime
 * call each time, ~2x this loop over a short path), and the layers call it several
 * times per guest call.
 */
export function lastSlash(s: string, end: number = s.length): number {
  let i = end - 1;
  while (i >= 0 && s.charCodeAt(i) !== 47 /* / */) i--;
  return i;
}

/** The string keySlice returned last. */
let lastKey = "";

/**
 * `s.slice(from, to)`, as the same string object as the previous call's result when
 * that is equal. For a directory's path used as a Map or Set key, call after call (the
 * parent of each name a guest creates, stats or removes in one directory): a string
 * made afresh has no hash yet, and computing it is a runtime call in V8 on every
 * lookup; an old string has it cached. Pure: any caller may get any earlier result.
 */
export function keySlice(s: string, from: number, to: number): string {
  const last = lastKey;
  if (last.length === to - from && s.startsWith(last, from)) return last;
  return (lastKey = s.slice(from, to));
}

/** Parent directory of a layer-relative path ("" for top-level names). */
export function parentPath(path: string): string {
  const i = lastSlash(path);
  return i < 0 ? "" : keySlice(path, 0, i);
}

/** Last component of a layer-relative path. */
export function baseName(path: string): string {
  return path.slice(lastSlash(path) + 1);
}

let lastNs = 0n;
// BigInt(ms) * 1e6 of the last millisecond seen: most calls fall in the same one.
let msSeen = -1;
let msSeenNs = 0n;
// Read once: Node's global `performance` is a getter (two extra calls per nowNs otherwise).
const perf = typeof performance !== "undefined" ? performance : undefined;

/**
 * Current time in nanoseconds since the epoch. Strictly increasing within this
 * process (Date.now plus performance.now's sub-millisecond part can step back),
 * so "changed after" comparisons of ctime/mtime are reliable.
 */
export function nowNs(): bigint {
  const ms = Date.now();
  if (ms !== msSeen) {
    msSeen = ms;
    msSeenNs = BigInt(ms) * 1_000_000n;
  }
  const frac = perf !== undefined ? Math.floor((perf.now() % 1) * 1e6) : 0;
  let ns = msSeenNs + BigInt(frac);
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns;
}
