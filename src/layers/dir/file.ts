/**
 * An open regular file of a DirLayer. It owns one host descriptor until
 * closed (the ownership rule of core/layer.ts). A read-only layer's files also
 * offer a contentSource() that a memory upper keeps for lazy copy-up; those
 * read through the layer's SourcePool, never through this descriptor.
 */
import { Errno, FsError } from "../../core/errno.ts";
import type { ContentSource, EntryStat, LayerFile, WritableLayerFile } from "../../core/layer.ts";
import { ReadAhead } from "../read-ahead.ts";
import type { PreadSource } from "../read-ahead.ts";
import { layerError } from "./entries.ts";
import type { HostFs, HostStat } from "./host-fs.ts";

const COPY_CHUNK = 1 << 18;

/**
 * A writable layer's open writers, so that a file can know its own size from
 * its writes instead of asking the host on every write (quota accounting needs
 * each write's growth). Nothing but a writable DirFile changes a file's size
 * (the upper is ours while mounted, as DirCaches assumes too: lock.ts, or the
 * caller's word with `lock: false`), so a file's tracked size stays
 * exact while no other descriptor can write its object: it was just created
 * (a new object), or it was the layer's only open writer when it last asked
 * the host; every later open of an existing object for writing moves
 * `generation`, which ends every file's tracking (it asks the host again).
 */
export class Writers {
  /** Moved by every writable open of an existing object (a new name of it may have been opened). */
  generation = 0;
  /** Writable files open now. */
  open = 0;
  /** Moved by every write and truncate through any file of the layer: bytes read ahead before it may be stale. */
  writes = 0;
}

/** What a DirFile needs of its layer. */
export interface DirFileOwner {
  readonly host: HostFs;
  readonly writable: boolean;
  readonly writers: Writers;
  /** Nobody but the layer's own files changes its files while open (read-only, or writable and locked). */
  readonly exclusive: boolean;
  entryOf(st: HostStat): EntryStat;
  /** The content of lower file `hostPath`, the object with layer id `id`, read through the layer's descriptor pool. */
  sourceOf(hostPath: string, id: number): ContentSource;
  /** Take over descriptor `fd` of lower file `hostPath` (layer id `id`) for later reads of its sources; false: close it yourself. */
  adoptSource(hostPath: string, fd: number, id: number): boolean;
  /** Sizes or times of `file` may have changed (a write, truncate, time change or read through it). */
  touched(file: DirFile): void;
}

/** An open regular file of a DirLayer (fd -1: the empty stand-in for an overlayfs whiteout). */
export class DirFile implements WritableLayerFile {
  private closed = false;
  /** The size as of `sizeAt` (Writers.generation), exact while that is current; -1: ask the host. */
  private size = -1;
  private sizeAt = -1;
  /**
   * Small sequential reads (read-ahead.ts), where nobody else changes the
   * layer's files (`exclusive`). A read-only layer's file does not change
   * while mounted (what stat() also relies on), so bytes read ahead stay its
   * bytes. A locked writable layer's files change only through its own files,
   * each write or truncate moving `writers.writes`: a read after any of them,
   * through any descriptor, drops what was read ahead before. An unlocked
   * writable layer (`lock: false`, shared on purpose) reads from the host every time.
   */
  private ahead: ReadAhead | null | undefined = undefined; // made on the first read (most files are only written or read once); null: never
  /** `writers.writes` as of the read-ahead buffer's content (writable layers). */
  private aheadAt = 0;

  constructor(
    private readonly layer: DirFileOwner,
    private readonly fd: number,
    private readonly hostPath: string,
    private readonly canWrite: boolean,
    /** What was opened (undefined for a file this layer just created: fstat when needed). */
    private readonly opened: HostStat | undefined,
    /** The layer just created this file (empty, and no other descriptor has it). */
    created = false,
  ) {
    if (!canWrite) return;
    const w = layer.writers;
    w.open++;
    if (created) {
      this.size = 0;
      this.sizeAt = w.generation;
    } else {
      w.generation++; // another name of a file some other descriptor tracks may be this one
    }
  }

  /** Is `size` exact (no descriptor but this one can have changed the object since it was learnt)? */
  private tracking(): boolean {
    return this.size >= 0 && this.sizeAt === this.layer.writers.generation;
  }

  /** Learn the size `size` the host just gave (or this file just set): exact from now on if no other writer is open. */
  private learnSize(size: number): void {
    const w = this.layer.writers;
    if (w.open === 1) {
      this.size = size;
      this.sizeAt = w.generation;
    } else {
      this.size = -1;
    }
  }

  /** The current size: tracked, or one fstat. */
  private currentSize(): number {
    if (this.tracking()) return this.size;
    let size: number;
    try { size = this.layer.host.fstat(this.fd).size; } catch (e) { throw layerError(e, "stat", ""); }
    this.learnSize(size);
    return size;
  }

  /** A writable layer's file: the layer path and cache epoch it was opened under (see DirCaches.touchedFile). */
  openedAs: { path: string; epoch: number } | undefined;

  private check(syscall: string, write = false): void {
    if (this.closed) throw new FsError(Errno.BADF, syscall);
    if (write && !this.canWrite) throw new FsError(Errno.BADF, syscall);
  }

  read(into: Uint8Array, position: number): number {
    this.check("read");
    if (!Number.isSafeInteger(position) || position < 0) throw new FsError(Errno.INVAL, "read");
    if (this.fd < 0) return 0;
    let ahead = this.ahead;
    if (ahead === undefined) ahead = this.ahead = this.layer.exclusive ? this.newReadAhead() : null;
    if (this.layer.writable) {
      this.layer.touched(this); // atime
      const writes = this.layer.writers.writes;
      if (writes !== this.aheadAt && ahead !== null) {
        ahead.forget();
        this.aheadAt = writes;
      }
    }
    try {
      return ahead !== null ? ahead.read(into, position) : preadFully(this.layer.host, this.fd, into, position);
    } catch (e) { throw layerError(e, "read", ""); }
  }

  private newReadAhead(): ReadAhead {
    this.aheadAt = this.layer.writers.writes; // nothing read ahead yet: current as of now
    return new ReadAhead(new HostPreads(this.layer.host, this.fd));
  }

  write(data: Uint8Array, position: number): number {
    this.check("write", true);
    if (!Number.isSafeInteger(position) || position < 0) throw new FsError(Errno.INVAL, "write");
    // Like MemoryLayer: a file never grows past the safe-integer range (sizes stay exact numbers).
    if (position + data.length > Number.MAX_SAFE_INTEGER) throw new FsError(Errno.FBIG, "write");
    this.layer.touched(this);
    this.layer.writers.writes++;
    try { writeAll(this.layer.host, this.fd, data, position); } catch (e) {
      this.size = -1; // part of it may have landed
      throw layerError(e, "write", "");
    }
    // An empty write changes no size, wherever it is.
    if (data.length > 0 && this.tracking()) this.size = Math.max(this.size, position + data.length);
    return data.length;
  }

  /** Bytes `write(data of length, position)` would add to the size (quota accounting): from the tracked size, no host call while it is exact. */
  writeGrowth(length: number, position: number): number {
    this.check("write", true);
    return length === 0 ? 0 : Math.max(0, position + length - this.currentSize());
  }

  truncate(size: number): void {
    this.check("truncate", true);
    if (!Number.isSafeInteger(size) || size < 0) throw new FsError(Errno.INVAL, "truncate");
    this.layer.touched(this);
    this.layer.writers.writes++;
    try { this.layer.host.ftruncate(this.fd, size); } catch (e) {
      this.size = -1;
      throw layerError(e, "truncate", "");
    }
    if (this.tracking()) this.size = size;
    else this.learnSize(size);
  }

  sync(): void {
    this.check("sync");
    if (this.fd < 0) return;
    try { this.layer.host.fsync(this.fd); } catch (e) { throw layerError(e, "sync", ""); }
  }

  stat(): EntryStat {
    this.check("stat");
    if (this.fd < 0) return this.layer.entryOf(this.opened!);
    // A read-only layer's file does not change while mounted: what open saw is its stat.
    if (!this.layer.writable && this.opened !== undefined) return this.layer.entryOf(this.opened);
    let st: HostStat;
    try { st = this.layer.host.fstat(this.fd); } catch (e) { throw layerError(e, "stat", ""); }
    if (this.canWrite && !this.tracking()) this.learnSize(st.size);
    return this.layer.entryOf(st);
  }

  /** The size as stat() would give it: a writable file's tracked size while exact (no fstat per O_APPEND write), else one fstat. */
  sizeNow(): number {
    if (!this.canWrite || this.fd < 0) return this.stat().size;
    this.check("stat");
    return this.currentSize();
  }

  /** futimens on the descriptor: the open object, whatever its names are now. */
  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.check("futimens");
    if (!this.layer.writable || this.fd < 0) throw new FsError(Errno.ROFS, "futimens");
    this.layer.touched(this);
    try {
      const cur = atimeNs === undefined || mtimeNs === undefined ? this.layer.host.fstat(this.fd) : undefined;
      this.layer.host.futimes(this.fd, atimeNs ?? cur!.atimeNs, mtimeNs ?? cur!.mtimeNs);
    } catch (e) { throw layerError(e, "futimens", ""); }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ahead?.release();
    if (this.canWrite) this.layer.writers.open--;
    if (this.fd < 0) return;
    // A source taken from this file reads next: its descriptor pool keeps this descriptor (no reopen).
    if (this.sourceId !== undefined && this.layer.adoptSource(this.hostPath, this.fd, this.sourceId)) return;
    try { this.layer.host.close(this.fd); } catch (e) { throw layerError(e, "close", ""); }
  }

  /** The layer id of the object a contentSource() of this file reads (set when one is taken). */
  private sourceId: number | undefined;

  /**
   * The content, readable after close (LayerFile.contentSource): only for a
   * read-only layer, whose files do not change while mounted. Reads go
   * through the layer's descriptor pool, so no descriptor is kept per source.
   */
  contentSource(): ContentSource | undefined {
    this.check("read");
    if (this.layer.writable) return undefined;
    if (this.fd < 0) return EMPTY_SOURCE;
    const id = this.layer.entryOf(this.opened ?? this.layer.host.fstat(this.fd)).id;
    this.sourceId = id;
    return this.layer.sourceOf(this.hostPath, id);
  }

  /**
   * Host path (and its device) to clone this file from, if the path still names
   * the very object this descriptor has open (lower layers are immutable, so it normally does).
   */
  clonable(): { path: string; dev: bigint } | undefined {
    if (this.closed || this.fd < 0) return undefined;
    try {
      const opened = this.opened ?? this.layer.host.fstat(this.fd);
      const st = this.layer.host.lstat(this.hostPath);
      return st.kind === "file" && st.dev === opened.dev && st.ino === opened.ino ? { path: this.hostPath, dev: st.dev } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The content of an overlayfs whiteout's stand-in file: nothing. */
export const EMPTY_SOURCE: ContentSource = { read: () => 0 };

/** One host descriptor as a ReadAhead's source (a class, not a closure per file: see PreadSource). */
class HostPreads implements PreadSource {
  constructor(private readonly host: HostFs, private readonly fd: number) {}
  read(into: Uint8Array, position: number): number {
    return preadFully(this.host, this.fd, into, position);
  }
}

/** pread until `into` is full or EOF; returns the count. Straight into `into` (guest memory): no copy. */
export function preadFully(host: HostFs, fd: number, into: Uint8Array, position: number): number {
  // One pread fills it in the common case: no view to make.
  let n = host.pread(fd, into, position);
  if (n <= 0 || n === into.length) return Math.max(n, 0);
  while (n < into.length) {
    const r = host.pread(fd, into.subarray(n), position + n);
    if (r <= 0) break;
    n += r;
  }
  return n;
}

export function writeAll(host: HostFs, fd: number, data: Uint8Array, position: number): void {
  let n = host.pwrite(fd, data, position);
  while (n < data.length) {
    if (n < 0) throw new FsError(Errno.IO, "write");
    const w = host.pwrite(fd, data.subarray(n), position + n);
    if (w <= 0) throw new FsError(Errno.IO, "write");
    n += w;
  }
}

/** Stream a LayerFile's content into `fd` (the copy-up path for non-host sources). */
export function copyContent(host: HostFs, fd: number, source: LayerFile): void {
  const buf = new Uint8Array(COPY_CHUNK);
  let pos = 0;
  for (;;) {
    const n = source.read(buf, pos);
    if (n <= 0) break;
    writeAll(host, fd, buf.subarray(0, n), pos);
    pos += n;
  }
}

/** Close a descriptor on a path that is already failing (or cleaning up). */
export function closeQuietly(host: HostFs, fd: number): void {
  if (fd < 0) return;
  try { host.close(fd); } catch { /* already failing */ }
}
