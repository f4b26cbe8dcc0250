/**
 * Open files of the union (handles), kept apart from the objects they name.
 * A read-only handle on a lower file is registered under its path; when any
 * other operation copies that file up, the union retargets the handle to the
 * upper copy (SEMANTICS rule 9), so nothing is checked per read.
 */
import { Errno, FsError } from "./errno.ts";
import type { EntryStat, EntryType, LayerFile, WritableLayerFile } from "./layer.ts";
import { UNION_DEV } from "./inode.ts";
import type { Inodes } from "./inode.ts";
import type { HandleList, Listed } from "./handle-list.ts";
import type { Stat, UnionFile } from "./union-types.ts";

/** What a handle needs back from its union. */
export interface HandleContext {
  /**
   * The union's current inode records. A handle keeps the ones in effect when
   * it reached its object: after Union.reset/fork the union starts new ones,
   * and a held object keeps the number the guest saw.
   */
  readonly inodes: Inodes;
  /** Set times on the object at union path `path` (no follow). */
  setTimesAt(path: string, atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void;
  /** Stop following copy-ups for this handle. */
  unregister(path: string, file: LowerReadFile): void;
  /** Keep `dir`'s path current through renames of it or its parents, until it is removed. */
  registerDir(dir: DirHandle): void;
  unregisterDir(dir: DirHandle): void;
  /** Open writable upper handles (Union.fork moves them), until closed. */
  readonly writers: HandleList<UpperFile>;
  /** Open read-only handles on upper objects (Union.fork makes them follow), until closed or following. */
  readonly upperReaders: HandleList<LowerReadFile>;
  /** Follow copy-ups of the file at layer path `path` with `file` (rule 9). */
  register(path: string, file: LowerReadFile): void;
}

/**
 * Handle-level set-times on an open upper file: on the open object itself
 * (its names may have changed since it was opened), through the layer file;
 * a layer file without setTimes falls back to the path it was opened under.
 */
function setTimesOn(ctx: HandleContext, file: LayerFile, path: string, atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
  if (file.setTimes !== undefined) file.setTimes(atimeNs, mtimeNs);
  else ctx.setTimesAt(path, atimeNs, mtimeNs);
}

/** A layer stat as the union reports it (union device, synthetic inode). */
export function toStat(st: EntryStat, ino: number): Stat {
  return {
    type: st.type,
    dev: UNION_DEV,
    ino,
    mode: st.mode,
    nlink: st.nlink,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
  };
}

function closed(syscall: string): FsError {
  return new FsError(Errno.BADF, syscall);
}

/**
 * A regular file in the upper layer opened for writing (read-only handles on
 * upper objects are LowerReadFiles in their "upper" state: Union.fork can
 * turn them into followers).
 */
export class UpperFile implements UnionFile, Listed {
  readonly type: EntryType = "file";
  readonly writable: boolean;
  /** @internal Slot in UnionState.writers. */
  handleSlot = -1;
  #file: LayerFile | WritableLayerFile | undefined;
  readonly #ctx: HandleContext;
  #inodes: Inodes;
  #path: string;

  constructor(ctx: HandleContext, path: string, file: LayerFile | WritableLayerFile, writable: boolean) {
    this.#ctx = ctx;
    this.#inodes = ctx.inodes;
    this.#path = path;
    this.#file = file;
    this.writable = writable;
    if (writable) ctx.writers.add(this);
  }

  /** @internal Layer path of the object (kept current through renames while the union tracks it). */
  get layerPath(): string {
    return this.#path;
  }

  /** @internal The open layer file (Union.fork). */
  get layerFile(): LayerFile | undefined {
    return this.#file;
  }

  /** @internal It (or a parent directory) was renamed. */
  rebase(path: string): void {
    this.#path = path;
  }

  /** @internal Union.fork: continue on `file` (the parent's copy of the object, at `path`); the old one is closed. */
  retarget(file: WritableLayerFile, path: string): void {
    this.#file?.close();
    this.#file = file;
    this.#path = path;
    this.#inodes = this.#ctx.inodes;
  }

  #f(syscall: string): LayerFile | WritableLayerFile {
    if (this.#file === undefined) throw closed(syscall);
    return this.#file;
  }

  read(into: Uint8Array, position: number): number {
    return this.#f("read").read(into, position);
  }

  write(data: Uint8Array, position: number): number {
    const f = this.#f("write");
    if (!this.writable) throw new FsError(Errno.BADF, "write");
    return (f as WritableLayerFile).write(data, position);
  }

  truncate(size: number): void {
    const f = this.#f("ftruncate");
    if (!this.writable) throw new FsError(Errno.INVAL, "ftruncate");
    if (!Number.isSafeInteger(size) || size < 0) throw new FsError(Errno.INVAL, "ftruncate");
    (f as WritableLayerFile).truncate(size);
  }

  stat(): Stat {
    const st = this.#f("fstat").stat();
    return toStat(st, this.#inodes.ofUpperId(st.id));
  }

  /** stat().size, from the layer file's own size where it has one (an O_APPEND write asks on every write). */
  sizeNow(): number {
    const f = this.#f("fstat");
    return f.sizeNow !== undefined ? f.sizeNow() : f.stat().size;
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    setTimesOn(this.#ctx, this.#f("futimens"), this.#path, atimeNs, mtimeNs);
  }

  sync(): void {
    const f = this.#f("fsync");
    if (this.writable) (f as WritableLayerFile).sync();
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
    if (this.writable) this.#ctx.writers.delete(this);
  }
}

/**
 * A read-only handle on a file that a later copy-up may replace: a lower file,
 * or a relocated hard-linked lower file (which the kernel would still read
 * from the lower layer). Follows that copy-up.
 */
export class LowerReadFile implements UnionFile, Listed {
  readonly type: EntryType = "file";
  readonly writable = false;
  /** @internal Slot in UnionState.upperReaders. */
  handleSlot = -1;
  #file: LayerFile | undefined;
  /** Inode of the lower object; undefined: look the upper id up in #inodes. */
  #ino: number | undefined;
  readonly #ctx: HandleContext;
  #inodes: Inodes;
  #path: string;
  /**
   * "following": a lower (or still shared) object, registered under #path,
   * which the union keeps current. "upper": retargeted to its own upper copy
   * (no longer registered: #path may go stale, act on #file). "gone": its
   * name was removed or replaced (the open object is no longer visible).
   */
  #state: "following" | "upper" | "gone";

  /** `following`: registered with the union under `path` (the caller registers it); else a plain upper object. */
  constructor(ctx: HandleContext, path: string, file: LayerFile, ino: number | undefined, following = true) {
    this.#ctx = ctx;
    this.#inodes = ctx.inodes;
    this.#path = path;
    this.#file = file;
    this.#ino = ino;
    this.#state = following ? "following" : "upper";
    if (!following) ctx.upperReaders.add(this);
  }

  /** @internal Layer path it is tracked under. */
  get layerPath(): string {
    return this.#path;
  }

  /** @internal The open layer file (Union.fork). */
  get layerFile(): LayerFile | undefined {
    return this.#file;
  }

  /** @internal Union.fork froze its upper object at `path`: follow its copy-ups from now on (rule 9). */
  follow(path: string): void {
    if (this.#state !== "upper" || this.#file === undefined) return;
    this.#ctx.upperReaders.delete(this);
    this.#state = "following";
    this.#path = path;
    this.#ctx.register(path, this);
  }

  /** @internal Union.fork: its (invisible) object continues as `file`, the parent's private copy. */
  replaceFile(file: LayerFile): void {
    this.#file?.close();
    this.#file = file;
    this.#inodes = this.#ctx.inodes;
  }

  /** @internal Union.reset: the object is no longer part of the union; keep it, follow nothing. */
  orphan(): void {
    this.#ctx.upperReaders.delete(this);
    this.#state = "gone";
  }

  /** Its directory was renamed: the path it is registered under changed. */
  rebase(path: string): void {
    this.#path = path;
  }

  /** The file was copied up: read the upper copy from now on (`keep`: still registered, may be replaced again). */
  retarget(upperFile: LayerFile, keep = false): void {
    if (this.#file === undefined) {
      upperFile.close(); // closed meanwhile: the new handle is not needed
      return;
    }
    this.#file.close();
    this.#file = upperFile;
    this.#ino = undefined;
    this.#inodes = this.#ctx.inodes;
    if (!keep) {
      this.#state = "upper";
      this.#ctx.upperReaders.add(this);
    }
  }

  /** Its name was removed or replaced: the union stops following it. */
  detach(): void {
    if (this.#state === "following") this.#state = "gone";
  }

  #f(syscall: string): LayerFile {
    if (this.#file === undefined) throw closed(syscall);
    return this.#file;
  }

  read(into: Uint8Array, position: number): number {
    return this.#f("read").read(into, position);
  }

  write(_data: Uint8Array, _position: number): number {
    this.#f("write");
    throw new FsError(Errno.BADF, "write");
  }

  truncate(_size: number): void {
    this.#f("ftruncate");
    throw new FsError(Errno.INVAL, "ftruncate");
  }

  stat(): Stat {
    const st = this.#f("fstat").stat();
    return toStat(st, this.#ino ?? this.#inodes.ofUpperId(st.id));
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    const f = this.#f("futimens");
    if (this.#state === "upper") return setTimesOn(this.#ctx, f, this.#path, atimeNs, mtimeNs);
    // An object no longer visible under any name: the change cannot be seen (the kernel's copy-up goes to its work dir).
    if (this.#state === "gone") return;
    // Still the object at #path (kept current): the copy-up trigger, which retargets this handle.
    this.#ctx.setTimesAt(this.#path, atimeNs, mtimeNs);
  }

  sync(): void {
    this.#f("fsync");
  }

  close(): void {
    if (this.#file === undefined) return;
    this.#file.close();
    this.#file = undefined;
    if (this.#state === "upper") this.#ctx.upperReaders.delete(this);
    else this.#ctx.unregister(this.#path, this);
  }
}

/** An open directory (read-only; listing goes through the union's readdirEntries). */
export class DirHandle implements UnionFile {
  readonly type: EntryType = "dir";
  readonly writable = false;
  #open = true;
  #path: string;
  /** Removed (or replaced by a rename): no longer visible under any name. */
  #gone = false;
  readonly #statNow: (path: string | undefined) => Stat;
  readonly #ctx: HandleContext;

  /** `statNow(path)`: stat of the directory now at `path`; undefined: of the directory as opened. */
  constructor(ctx: HandleContext, path: string, statNow: (path: string | undefined) => Stat) {
    this.#ctx = ctx;
    this.#path = path;
    this.#statNow = statNow;
    ctx.registerDir(this);
  }

  /** Union path of the directory (current: follows renames of it and of its parents). */
  get path(): string {
    return "/" + this.#path;
  }

  /** @internal Layer path, for the union's bookkeeping. */
  get layerPath(): string {
    return this.#path;
  }

  /** @internal It (or a parent) was renamed. */
  rebase(path: string): void {
    this.#path = path;
  }

  /** @internal It was removed or replaced. */
  detach(): void {
    this.#gone = true;
  }

  #check(syscall: string): void {
    if (!this.#open) throw closed(syscall);
  }

  read(_into: Uint8Array, _position: number): number {
    this.#check("read");
    throw new FsError(Errno.ISDIR, "read", this.path);
  }

  write(_data: Uint8Array, _position: number): number {
    this.#check("write");
    throw new FsError(Errno.BADF, "write", this.path);
  }

  truncate(_size: number): void {
    this.#check("ftruncate");
    throw new FsError(Errno.INVAL, "ftruncate", this.path);
  }

  stat(): Stat {
    this.#check("fstat");
    return this.#statNow(this.#gone ? undefined : this.#path);
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.#check("futimens");
    if (this.#gone) return; // no longer visible: nothing anyone could see changes
    this.#ctx.setTimesAt(this.#path, atimeNs, mtimeNs);
  }

  sync(): void {
    this.#check("fsync");
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#ctx.unregisterDir(this);
  }
}

/**
 * A handle opened with a node flag that forbids reading ("w", "a": EBADF, as
 * O_WRONLY) or appends ("a", "a+": every write lands at the end, as O_APPEND,
 * whatever position it names). Wraps the union's own handle.
 */
export class FlaggedFile implements UnionFile {
  readonly #inner: UnionFile;
  readonly #read: boolean;
  readonly #append: boolean;

  constructor(inner: UnionFile, read: boolean, append: boolean) {
    this.#inner = inner;
    this.#read = read;
    this.#append = append;
  }

  get type(): EntryType {
    return this.#inner.type;
  }

  get writable(): boolean {
    return this.#inner.writable;
  }

  read(into: Uint8Array, position: number): number {
    if (!this.#read) {
      this.#inner.stat(); // EBADF once closed, like every other call
      throw new FsError(Errno.BADF, "read", undefined, "not open for reading");
    }
    return this.#inner.read(into, position);
  }

  write(data: Uint8Array, position: number): number {
    return this.#inner.write(data, this.#append ? this.sizeNow() : position);
  }

  sizeNow(): number {
    const inner = this.#inner;
    return inner.sizeNow !== undefined ? inner.sizeNow() : inner.stat().size;
  }

  truncate(size: number): void {
    this.#inner.truncate(size);
  }

  stat(): Stat {
    return this.#inner.stat();
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.#inner.setTimes(atimeNs, mtimeNs);
  }

  sync(): void {
    this.#inner.sync();
  }

  close(): void {
    this.#inner.close();
  }
}
