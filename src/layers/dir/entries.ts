/**
 * How a DirLayer reports host objects: EntryStats with stable per-layer ids,
 * and errors that name the layer path (never the host path).
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { EntryStat } from "../../core/layer.ts";
import type { HostFs, HostStat } from "./host-fs.ts";
import { isShown } from "./overlay.ts";

const MAX_SAFE_INO = BigInt(Number.MAX_SAFE_INTEGER);
/** Inodes 1 .. 2**31-1 on the layer root's device are used as ids directly; other objects get ids above. */
const DIRECT_ID_LIMIT = 2n ** 31n;

/** A host error as an FsError naming the layer path (never the host path), for the caller to throw. */
export function layerError(e: unknown, syscall: string, path: string): FsError {
  return new FsError(errnoOf(e), syscall, path);
}

/** lstat that answers undefined for a missing object (ENOENT, or ENOTDIR on the way). */
export function lstatIfPresent(host: HostFs, hostPath: string, syscall: string, path: string): HostStat | undefined {
  if (host.lstatIfExists !== undefined) {
    try { return host.lstatIfExists(hostPath); } catch (e) { throw layerError(e, syscall, path); }
  }
  try { return host.lstat(hostPath); } catch (e) {
    const errno = errnoOf(e);
    if (errno === Errno.NOENT || errno === Errno.NOTDIR) return undefined;
    throw layerError(e, syscall, path);
  }
}

/** The host path of layer path `path` under the layer root `root` ("" is the root). */
export function hostPathIn(root: string, path: string): string {
  if (path === "") return root;
  return root.endsWith("/") ? root + path : root + "/" + path;
}

export class EntryIds {
  /**
   * Host identity -> layer id for objects whose inode is not their id (see
   * idOf); keyed by the inode alone (as a number: Map lookups by BigInt are
   * slow) on the root's device, by a string elsewhere.
   */
  private readonly ids = new Map<number | string, number>();
  /** Ids of objects not named by their inode (see idOf) count up from DIRECT_ID_LIMIT. */
  private nextId = Number(DIRECT_ID_LIMIT);

  constructor(private readonly rootDev: bigint) {}

  /** The layer id of a host object (its identity: equal ids, same dev and inode). */
  idOf(st: HostStat): number {
    const ino = st.ino;
    const rootDev = st.dev === this.rootDev;
    // Small inodes on the root's device are their own id: no table entry per object.
    if (rootDev && ino > 0n && ino < DIRECT_ID_LIMIT) return Number(ino);
    const key = rootDev && ino <= MAX_SAFE_INO ? Number(ino) : `${st.dev}:${ino}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.nextId++;
      if (id >= 2 ** 32) throw new FsError(Errno.OVERFLOW, "stat", undefined, "too many objects");
      this.ids.set(key, id);
    }
    return id;
  }

  /** EntryStat of a host stat result. */
  entryOf(st: HostStat): EntryStat {
    return {
      type: st.kind === "dir" ? "dir" : st.kind === "symlink" ? "symlink" : "file",
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: isShown(st) ? st.size : 0,
      nlink: st.nlink,
      id: this.idOf(st),
      atimeNs: this.sharedTime(st.atimeNs),
      mtimeNs: this.sharedTime(st.mtimeNs),
      ctimeNs: this.sharedTime(st.ctimeNs),
    };
  }

  /** The last distinct times handed out (round robin). */
  private readonly times: bigint[] = [-1n, -1n, -1n, -1n];
  private nextTime = 0;

  /**
   * `t`, or an equal BigInt handed out just before: an object's three times are
   * usually equal, and files made together share their times (the kernel's
   * clock ticks every few ms), so an index of a tree keeps a few BigInts instead
   * of three per entry (each one an object the GC copies while the index grows).
   */
  private sharedTime(t: bigint): bigint {
    const times = this.times;
    for (let i = 0; i < 4; i++) if (times[i] === t) return times[i]!;
    times[this.nextTime] = t;
    this.nextTime = (this.nextTime + 1) & 3;
    return t;
  }
}
