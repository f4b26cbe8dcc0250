/**
 * Open files of the union (handles), kept apart from the objects they name.
 * A read-only handle on a lower file is registered under its path; when any
 * other operation copies that file up, the union retargets the handle to the
 * upper copy (SEMANTICS rule 9), so nothing is checked per read.
 */
import { Errno, FsError } from "./errno.ts";
import type { EntryStat, EntryType, LayerFile, WritableLayerFile } from "./layer.ts";
import { UNION_DEV } from "./inode.ts";
import type { Stat, UnionFile } from "./union.ts";

/** What a handle needs back from its union. */
export interface FileHost {
  /** Inode number of an upper object by id. */
  upperIno(id: number): number;
  /** Set times on the object at union path `path` (no follow). */
  setTimesAt(path: string, atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void;
  /** Stop following copy-ups for this handle. */
  unregister(path: string, file: LowerReadFile): void;
}

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

/** A regular file in the upper layer, read-only or writable. */
export class UpperFile implements UnionFile {
  readonly type: EntryType = "file";
  readonly writable: boolean;
  #file: LayerFile | WritableLayerFile | undefined;
  readonly #host: FileHost;
  readonly #path: string;

  constructor(host: FileHost, path: string, file: LayerFile | WritableLayerFile, writable: boolean) {
    this.#host = host;
    this.#path = path;
    this.#file = file;
    this.writable = writable;
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
    return toStat(st, this.#host.upperIno(st.id));
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.#f("futimens");
    this.#host.setTimesAt(this.#path, atimeNs, mtimeNs);
  }

  sync(): void {
    const f = this.#f("fsync");
    if (this.writable) (f as WritableLayerFile).sync();
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

/**
 * A read-only handle on a file that a later copy-up may replace: a lower file,
 * or a relocated hard-linked lower file (which the kernel would still read
 * from the lower layer). Follows that copy-up.
 */
export class LowerReadFile implements UnionFile {
  readonly type: EntryType = "file";
  readonly writable = false;
  #file: LayerFile | undefined;
  /** Inode of the lower object; undefined: ask the host by upper id. */
  #ino: number | undefined;
  readonly #host: FileHost;
  #path: string;

  constructor(host: FileHost, path: string, file: LayerFile, ino: number | undefined) {
    this.#host = host;
    this.#path = path;
    this.#file = file;
    this.#ino = ino;
  }

  /** Its directory was renamed: the path it is registered under changed. */
  rebase(path: string): void {
    this.#path = path;
  }

  /** The file was copied up: read the upper copy from now on. */
  retarget(upperFile: LayerFile): void {
    if (this.#file === undefined) return;
    this.#file.close();
    this.#file = upperFile;
    this.#ino = undefined;
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
    return toStat(st, this.#ino ?? this.#host.upperIno(st.id));
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.#f("futimens");
    this.#host.setTimesAt(this.#path, atimeNs, mtimeNs);
  }

  sync(): void {
    this.#f("fsync");
  }

  close(): void {
    if (this.#file === undefined) return;
    this.#file.close();
    this.#file = undefined;
    this.#host.unregister(this.#path, this);
  }
}

/** An open directory (read-only; listing goes through the union's readdirEntries). */
export class DirHandle implements UnionFile {
  readonly type: EntryType = "dir";
  readonly writable = false;
  #open = true;
  readonly #path: string;
  readonly #statNow: () => Stat;
  readonly #host: FileHost;

  constructor(host: FileHost, path: string, statNow: () => Stat) {
    this.#host = host;
    this.#path = path;
    this.#statNow = statNow;
  }

  /** Union path of the directory as opened. */
  get path(): string {
    return "/" + this.#path;
  }

  #check(syscall: string): void {
    if (!this.#open) throw closed(syscall);
  }

  read(_into: Uint8Array, _position: number): number {
    this.#check("read");
    throw new FsError(Errno.ISDIR, "read", this.#path);
  }

  write(_data: Uint8Array, _position: number): number {
    this.#check("write");
    throw new FsError(Errno.BADF, "write", this.#path);
  }

  truncate(_size: number): void {
    this.#check("ftruncate");
    throw new FsError(Errno.INVAL, "ftruncate", this.#path);
  }

  stat(): Stat {
    this.#check("fstat");
    return this.#statNow();
  }

  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.#check("futimens");
    this.#host.setTimesAt(this.#path, atimeNs, mtimeNs);
  }

  sync(): void {
    this.#check("fsync");
  }

  close(): void {
    this.#open = false;
  }
}
