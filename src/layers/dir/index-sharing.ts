/**
 * How one read-only DirLayer's index (lower-index.ts) takes from and gives to
 * the SharedDirIndex of its host (shared-index.ts): a directory's names taken
 * at its first use after one lstat shows it unchanged (adopt), the clock before
 * a read worth sharing (takenAt), and what was read handed over once an lstat
 * made after the read vouches for it (share; close for what still waits). The
 * rules it keeps are in lower-index.ts's header.
 */
import type { HostStat } from "./host-fs.ts";
import type { EntryIds } from "./entries.ts";
import { DEVICE_WHITEOUT, DIR, FILE, SYMLINK, clearPending } from "./indexed-dir.ts";
import type { IndexedDir } from "./indexed-dir.ts";
import type { SharedDirIndex } from "./shared-index.ts";

/** An lstat that answers undefined instead of throwing (what only sharing needs: a failure is the usual path's to meet). */
export type QuietLstat = (hostPath: string, syscall: string, path: string) => HostStat | undefined;

export class IndexSharing {
  constructor(
    private readonly shared: SharedDirIndex,
    private readonly ids: EntryIds,
    /**
     * An lstat of directory `path` this mount made before anything was answered
     * from it, if any: for the root the one the layer was opened with, else one
     * a stamp took (LowerIndex.dirStamp). It validates what is shared as one made now.
     */
    private readonly earlier: (path: string) => HostStat | undefined,
    /** The index's directories, by layer path (a directory taken whole joins them). */
    private readonly dirs: Map<string, IndexedDir>,
    private readonly quietLstat: QuietLstat,
  ) {}

  /**
   * At the first use of `dir`: take what another index learned about it
   * (shared-index.ts), if an lstat of it made now (or earlier in this mount,
   * before anything was answered from it: `earlier`) shows it unchanged since, instead of listing or probing it.
   * The names taken were read from inside the layer and checked then; here
   * they are marked unchecked (as looks made to merge are), so nothing is shown
   * from them before a check of the directory and, its id learned by this
   * lstat alone (idFresh), of its parent. Anything else (no data, a directory
   * changed or replaced): false, and the usual path meets what is there.
   * `listingOnly`: only a whole listing is worth the lstat (it is listed next).
   */
  adopt(dir: IndexedDir, syscall: string, listingOnly: boolean, small: boolean): boolean {
    if (dir.sharedTried) return false; // only at its first use
    dir.sharedTried = true;
    const held = this.shared.held(dir.hostPath);
    if (held === undefined || (listingOnly && held.listing === undefined)) return false;
    const st = this.earlier(dir.path) ?? this.quietLstat(dir.hostPath, syscall, dir.path);
    if (st === undefined || st.kind !== "dir") return false;
    const id = this.ids.idOf(st);
    if (dir.id !== -1 && id !== dir.id) return false;
    if (!this.shared.stillValid(dir.hostPath, held, st)) return false;
    const known = held;
    dir.adopted = st;
    if (dir.id === -1) {
      dir.id = id;
      dir.idFresh = dir.parent !== undefined;
    }
    dir.unchecked = true;
    if (known.listing !== undefined) {
      dir.entries = known.listing; // as it is: statAll copies it before it changes anything (sharedListing)
      dir.sharedListing = true;
      dir.devices = known.devices === undefined ? undefined : new Set(known.devices);
      dir.small = small;
      dir.probes = undefined; // none yet: this is its first use
      this.dirs.set(dir.path, dir);
    } else {
      for (const n of known.absent!) dir.probes!.set(n, null);
    }
    return true;
  }

  /** The shared index's clock (ms since the epoch). */
  now(): number {
    return this.shared.now();
  }

  /** `t`, the clock before reading host directory `hostPath`, if what is read is worth sharing (-1: nothing to share). */
  takenAt(hostPath: string, t: number): number {
    return this.shared.wants(hostPath, t) ? t : -1;
  }

  /** Would data read from `takenAtMs` on be safe from the racy case, `st` an lstat of its directory made after (shared-index.ts)? */
  settled(st: HostStat, takenAtMs: number): boolean {
    return takenAtMs >= 0 && this.shared.isSettled(st, takenAtMs);
  }

  /**
   * Share what `dir` read and keeps waiting (pendingAt), `st` an lstat of it
   * made after those reads (a check, or close's); nothing if `st` is not the
   * directory indexed. Only what this index read itself: names taken from the
   * shared index are not its to vouch for under other times.
   */
  share(dir: IndexedDir, st: HostStat): void {
    const at = dir.pendingAt;
    const absent = dir.pendingAbsent;
    const listing = dir.pendingListing;
    clearPending(dir);
    if (st.kind !== "dir" || (dir.id !== -1 && this.ids.idOf(st) !== dir.id)) return;
    if (listing) {
      const entries = dir.entries!;
      const devices = dir.devices;
      const codes = new Map<string, number>();
      for (const [name, slot] of entries) {
        codes.set(name, typeof slot === "number" ? slot
          : devices !== undefined && devices.has(name) ? DEVICE_WHITEOUT : slot.type === "dir" ? DIR : slot.type === "symlink" ? SYMLINK : FILE);
      }
      this.shared.keepListing(dir.hostPath, st, at, codes, devices === undefined ? undefined : [...devices]);
    } else if (absent !== undefined) {
      this.shared.keepAbsent(dir.hostPath, st, at, absent);
    }
  }

  /**
   * Share what waits to be (DirLayer.close): one lstat of each directory
   * concerned, after every read of it and outside any guest's calls.
   */
  close(): void {
    for (const dir of this.dirs.values()) {
      if (dir.pendingAt < 0) continue;
      const st = this.quietLstat(dir.hostPath, "close", dir.path);
      if (st === undefined) clearPending(dir);
      else this.share(dir, st);
    }
  }
}
