/**
 * The descriptors behind a read-only DirLayer's contentSource() reads. A
 * memory upper keeps one source per copied-up file; they share at most
 * SOURCE_POOL_MAX descriptors (least recently used closed first), so a memory
 * upper over this lower never pins one descriptor per copied-up file. Each
 * reopen (no-follow) is checked to be the same (dev, ino) object: a lower is
 * immutable while mounted, and if it changed anyway the read fails with EIO
 * rather than return other bytes. A source is taken either from an open
 * file (its descriptor is handed over at close: adopt) or straight from the
 * lower index (LowerIndex.contentSourceOf: the first read opens the file).
 */
import { Errno, FsError } from "../../core/errno.ts";
import type { ContentSource } from "../../core/layer.ts";
import { layerError } from "./entries.ts";
import type { HostFs, HostStat } from "./host-fs.ts";
import { closeQuietly, preadFully } from "./file.ts";

const SOURCE_POOL_MAX = 16;

export class SourcePool {
  /** By host path, least recently used first; `id`: the layer id (EntryIds.idOf) of the object opened. */
  private readonly pool = new Map<string, { fd: number; id: number }>();

  constructor(
    private readonly host: HostFs,
    /** The layer id of a host object (equal ids: same dev and inode). */
    private readonly idOf: (st: HostStat) => number,
  ) {}

  get size(): number {
    return this.pool.size;
  }

  /** Read from the lower file `hostPath` that is the object with layer id `id`. */
  read(hostPath: string, id: number, into: Uint8Array, position: number): number {
    const pool = this.pool;
    let entry = pool.get(hostPath);
    if (entry !== undefined) {
      if (entry.id !== id) throw new FsError(Errno.IO, "read", undefined, "lower file changed while mounted");
      pool.delete(hostPath); // re-inserted below: most recently used last
    } else {
      let fd: number;
      try { fd = this.host.open(hostPath); } catch (e) { throw layerError(e, "read", ""); }
      let st: HostStat;
      try { st = this.host.fstat(fd); } catch (e) { closeQuietly(this.host, fd); throw layerError(e, "read", ""); }
      if (st.kind !== "file" || this.idOf(st) !== id) {
        closeQuietly(this.host, fd);
        throw new FsError(Errno.IO, "read", undefined, "lower file changed while mounted");
      }
      this.evictIfFull();
      entry = { fd, id };
    }
    pool.set(hostPath, entry);
    try { return preadFully(this.host, entry.fd, into, position); } catch (e) { throw layerError(e, "read", ""); }
  }

  /** Keep the open descriptor `fd` of `hostPath` (layer id `id`) for later reads; false if the pool has one already. */
  adopt(hostPath: string, fd: number, id: number): boolean {
    if (this.pool.has(hostPath)) return false;
    this.evictIfFull();
    this.pool.set(hostPath, { fd, id });
    return true;
  }

  private evictIfFull(): void {
    if (this.pool.size < SOURCE_POOL_MAX) return;
    const [oldest, victim] = this.pool.entries().next().value!;
    this.pool.delete(oldest);
    closeQuietly(this.host, victim.fd);
  }

  /** Close every pooled descriptor (sources reopen on demand). */
  close(): void {
    for (const { fd } of this.pool.values()) closeQuietly(this.host, fd);
    this.pool.clear();
  }
}

/** A lower file's content read through its layer's pool (what a lazy copy-up keeps: no descriptor of its own). */
export class PooledSource implements ContentSource {
  constructor(
    private readonly pool: SourcePool,
    private readonly hostPath: string,
    private readonly id: number,
  ) {}

  read(into: Uint8Array, position: number): number {
    return into.length === 0 ? 0 : this.pool.read(this.hostPath, this.id, into, position);
  }
}
