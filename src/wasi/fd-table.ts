/**
 * Open file descriptions (handles) and the table that numbers them. Handles
 * are separate from union nodes: several handles may share one file, each
 * with its own offset, flags and rights; a handle keeps working after its
 * path is renamed or unlinked (it holds the UnionFile, not the name).
 */
import { Errno, FsError } from "../core/errno.ts";
import type { DirEntry, Union, UnionFile } from "../core/union.ts";
import type { InputSource, OutputSink } from "./stdio.ts";

interface DescriptorBase {
  rightsBase: number;
  rightsInheriting: number;
  /** fdflags (APPEND, DSYNC, NONBLOCK, RSYNC, SYNC) as reported by fd_fdstat_get. */
  fdflags: number;
}

export interface FileDescriptor extends DescriptorBase {
  kind: "file";
  union: Union;
  /** Union path at open time (for diagnostics only: the file object is what counts). */
  path: string;
  file: UnionFile;
  position: number;
}

/**
 * One snapshot of a directory listing (SEMANTICS.md rule 15): ".", "..", then
 * the sorted entries, as the dirent stream fd_readdir returns (readdir.ts).
 */
export interface DirListing {
  /** Every entry's dirent (header, then its name), back to back. */
  bytes: Uint8Array;
  /** Offset of entry i in `bytes`; one more element, `bytes.length`. */
  starts: Uint32Array;
}

export interface DirDescriptor extends DescriptorBase {
  kind: "dir";
  union: Union;
  /** Canonical absolute union path of the directory (path_* calls resolve from here). */
  path: string;
  file: UnionFile | undefined;
  /** Set for preopened directories: the name fd_prestat_dir_name reports. */
  preopen: Uint8Array | undefined;
  listing: DirListing | undefined;
}

export interface StdioDescriptor extends DescriptorBase {
  kind: "stdio";
  input: InputSource | undefined;
  output: OutputSink | undefined;
}

export type Descriptor = FileDescriptor | DirDescriptor | StdioDescriptor;

export type { DirEntry };

/**
 * Most descriptors one guest may hold (its RLIMIT_NOFILE): each open DirLayer
 * file pins a host descriptor, so a guest that never closes must hit EMFILE
 * long before the host process runs out of descriptors or memory.
 */
const MAX_OPEN_FDS = 8192;

/**
 * fd numbers -> handles. New descriptors take the lowest free number (POSIX).
 * Held in an array indexed by fd, not a Map: a guest opening and closing one
 * file at a time adds and deletes one entry per file, and a Map rebuilds its
 * hash table every few such pairs (an allocation and a copy on path_open).
 */
export class FdTable {
  /** The handle at each open fd (undefined: free); never longer than `next`. */
  private readonly slots: (Descriptor | undefined)[] = [];
  private count = 0;
  /** Freed numbers below `next`, kept sorted descending so pop() gives the lowest. */
  private free: number[] = [];
  private next = 0;

  get size(): number {
    return this.count;
  }

  get(fd: number): Descriptor {
    const h = fd < this.next ? this.slots[fd] : undefined;
    if (h === undefined) throw new FsError(Errno.BADF);
    return h;
  }

  tryGet(fd: number): Descriptor | undefined {
    return fd < this.next ? this.slots[fd] : undefined;
  }

  has(fd: number): boolean {
    return this.tryGet(fd) !== undefined;
  }

  /** EMFILE when the table is full (checked before a path_open opens anything). */
  checkRoom(): void {
    if (this.count >= MAX_OPEN_FDS) throw new FsError(Errno.MFILE);
  }

  /** Give `h` the lowest free descriptor number. */
  add(h: Descriptor): number {
    let fd: number;
    while (true) {
      const f = this.free.pop();
      if (f === undefined) {
        fd = this.next++;
        break;
      }
      if (this.slots[f] === undefined) {
        fd = f;
        break;
      }
    }
    this.put(fd, h);
    return fd;
  }

  /** Put `h` at exactly `fd` (used for stdio and preopens at setup). */
  set(fd: number, h: Descriptor): void {
    if (fd >= this.next) {
      for (let i = this.next; i < fd; i++) this.pushFree(i);
      this.next = fd + 1;
    }
    this.put(fd, h);
  }

  /** Remove `fd` and return its handle (EBADF if not open). */
  remove(fd: number): Descriptor {
    const h = this.get(fd);
    this.slots[fd] = undefined;
    this.count--;
    this.pushFree(fd);
    return h;
  }

  /** fd_renumber: `to` is closed (its handle returned) and `from` moves there. */
  renumber(from: number, to: number): Descriptor | undefined {
    const h = this.get(from);
    const old = this.get(to);
    if (from === to) return undefined;
    this.slots[from] = undefined;
    this.count--;
    this.pushFree(from);
    this.slots[to] = h;
    return old;
  }

  /** The open descriptors, by number. */
  *entries(): IterableIterator<[number, Descriptor]> {
    const slots = this.slots;
    for (let fd = 0; fd < slots.length; fd++) {
      const h = slots[fd];
      if (h !== undefined) yield [fd, h];
    }
  }

  private put(fd: number, h: Descriptor): void {
    if (this.slots[fd] === undefined) this.count++;
    // Fill up to `fd` first: the array stays packed (no holes), elements set in order.
    while (this.slots.length < fd) this.slots.push(undefined);
    this.slots[fd] = h;
  }

  private pushFree(fd: number): void {
    // Sorted descending; tables are small so an insertion is cheap.
    let i = this.free.length;
    while (i > 0 && this.free[i - 1]! < fd) i--;
    if (i === this.free.length) this.free.push(fd); // the lowest (the usual close of the last open): no splice
    else this.free.splice(i, 0, fd);
  }
}
