/**
 * How one read-only DirLayer's index (lower-index.ts) takes from and gives to
 * the SharedDirIndex of its host (shared-index.ts): a directory's names taken
 * at its first use after one lstat shows it unchanged (adopt), the clock before
 * a read worth sharing (takenAt), what was read handed over once an lstat
 * made after the read vouches for it (share; close for what still waits), and
 * the stamps of directories a stack memo keeps answers under (stamp:
 * core/stack-memo.ts). The rules it keeps are in lower-index.ts's header.
 */
import type { DirStamp } from "../../core/layer.ts";
import type { HostStat } from "./host-fs.ts";
import type { EntryIds } from "./entries.ts";
import { DEVICE_WHITEOUT, DIR, FILE, SYMLINK, clearPending } from "./indexed-dir.ts";
import type { IndexedDir } from "./indexed-dir.ts";
import { dirStampOf } from "./shared-index.ts";
import type { HostPaths, SharedDirIndex } from "./shared-index.ts";

/** An lstat that answers undefined instead of throwing (what only sharing needs: a failure is the usual path's to meet). */
export type QuietLstat = (hostPath: string, syscall: string, path: string) => HostStat | undefined;

export class IndexSharing {
  constructor(
    private readonly shared: SharedDirIndex,
    private readonly ids: EntryIds,
    /** The lstat of the root the layer was opened with: validates what is shared about the root. */
    private readonly rootHostStat: HostStat,
    /** The host paths of the root's directories (shared-index.ts). */
    private readonly hostPaths: HostPaths,
    /** The index's directories, by layer path (a directory taken whole joins them). */
    private readonly dirs: Map<string, IndexedDir>,
    private readonly quietLstat: QuietLstat,
  ) {
    this.memoKey = `${shared.id}:${hostPaths.id}`;
  }

  /**
   * Layer.memoKey: the shared index and the root (its HostPaths), which every
   * index over this root sharing through that index has too.
   */
  readonly memoKey: string;

  /** The last lstat a fresh stamp took of a directory (used once, by its adopt: a stack memo stamps a directory right before its first use). */
  private stampPath: string | undefined;
  private stampStat: HostStat | undefined;

  /**
   * An lstat of directory `path` this mount made before anything was answered
   * from it, if any: for the root the one the layer was opened with, else one a
   * fresh stamp took. It validates what is shared as one made now would.
   */
  private earlier(path: string): HostStat | undefined {
    if (path === "") return this.rootHostStat;
    if (path !== this.stampPath) return undefined;
    const st = this.stampStat;
    this.stampPath = this.stampStat = undefined;
    return st;
  }

  /**
   * Layer.dirStamp (the shared index's rules hold: shared-index.ts): `fresh`,
   * an lstat of directory `path` now (the root: the one it was opened with).
   * Else one this index made: the lstat that showed shared data unchanged when
   * it took them (adopt), before it answered anything from them; or the last
   * check of the directory (verify) if the clock before its first read here was
   * RACY_WINDOW_MS past the ctime that check shows (so a change made after a
   * read shows in the check's times or later ones). Identity and times, as the
   * shared index compares them.
   */
  stamp(path: string, fresh: boolean): DirStamp | undefined {
    let st: HostStat | undefined;
    if (fresh) {
      st = path === "" ? this.rootHostStat : this.quietLstat(this.hostPaths.of(path), "stat", path);
      // Before anything is answered from the directory: its first use here takes this one as made now (adopt).
      if (st !== undefined && path !== "" && !this.dirs.has(path)) {
        this.stampPath = path;
        this.stampStat = st;
      }
    } else {
      const d = this.dirs.get(path);
      st = d?.adopted ?? (d?.checked !== undefined && d.readAt >= 0 && this.shared.isSettled(d.checked, d.readAt) ? d.checked : undefined);
    }
    return st === undefined || st.kind !== "dir" ? undefined : dirStampOf(st);
  }

  /**
   * At the first use of `dir`: take what another index learned about it
   * (shared-index.ts), if an lstat of it made now (or earlier in this mount,
   * before anything was answered from it: earlier) shows it unchanged since, instead of listing or probing it.
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
    dir.adopted = st;
    if (dir.id === -1) {
      dir.id = id;
      dir.idFresh = dir.parent !== undefined;
    }
    dir.unchecked = true;
    if (held.listing !== undefined) {
      dir.entries = held.listing; // as it is: statAll copies it before it changes anything (sharedListing)
      dir.sharedListing = true;
      dir.devices = held.devices === undefined ? undefined : new Set(held.devices);
      dir.small = small;
      dir.probes = undefined; // none yet: this is its first use
      this.dirs.set(dir.path, dir);
    } else {
      for (const n of held.absent!) dir.probes!.set(n, null);
    }
    return true;
  }

  /**
   * The clock before reading directory `dir`, if what is read is worth sharing
   * (-1: nothing to share); the first such clock of this mount is kept too
   * (readAt: stamp).
   */
  takenAt(dir: IndexedDir): number {
    const t = this.shared.now();
    if (dir.readAt < 0) dir.readAt = t;
    return this.shared.wants(dir.hostPath, t) ? t : -1;
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
