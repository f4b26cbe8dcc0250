/**
 * One directory of a read-only DirLayer's index (lower-index.ts) as the index
 * and its sharing across unions (index-sharing.ts) both hold it: its listing
 * or probes, the checks it waits for, and what waits to be shared.
 */
import type { EntryStat, EntryType } from "../../core/layer.ts";
import type { HostStat } from "./host-fs.ts";

/** Type codes of names not statted yet. */
export const FILE = 0;
export const DIR = 1;
export const SYMLINK = 2;
/** `.wh.X` standing for the overlayfs char-device whiteout X. */
export const DEVICE_WHITEOUT = 3;
export const TYPES: readonly EntryType[] = ["file", "dir", "symlink", "file"];

/** Before the batch stat: a type code; after it: the entry's attributes (frozen, shared by every caller). */
export type Slot = number | EntryStat;

/** A directory's record as first met: nothing read, checked or shared yet (`probes`: probed name by name, not listed). */
export function newIndexedDir(
  path: string, hostPath: string, id: number, size: number, parent: IndexedDir | undefined, probes: boolean,
): IndexedDir {
  return {
    path, hostPath, id, size, small: false, parent, entries: undefined, sharedListing: false, probes: probes ? new Map() : undefined,
    devices: undefined, statted: false, unchecked: false, idFresh: false, sharedTried: false, adopted: undefined,
    readAt: -1, checked: undefined,
    pendingAt: -1, pendingAbsent: undefined, pendingListing: false,
  };
}

/** Nothing of `dir` waits to be shared any more. */
export function clearPending(dir: IndexedDir): void {
  dir.pendingAt = -1;
  dir.pendingAbsent = undefined;
  dir.pendingListing = false;
}

export interface IndexedDir {
  readonly path: string;
  readonly hostPath: string;
  /** Layer id (dev, ino) of the directory object (-1 until its first check, when it was found in a listing). */
  id: number;
  /** Its host size when known, else -1: a small one is listed at its first lookup (SMALL_DIR_BYTES). */
  readonly size: number;
  /** Listed because it is small, not because it was read or walked: its subdirectories are probed, not listed at once. */
  small: boolean;
  /** The directory holding it (undefined for the root): still the one indexed after this one's listing. */
  readonly parent: IndexedDir | undefined;
  /**
   * Its listing; undefined until it is listed (names are probed one by one until then).
   * Changed in place only while it is not the shared index's own map (sharedListing).
   */
  entries: ReadonlyMap<string, Slot> | undefined;
  /** `entries` is a listing taken from the shared index as it is (index-sharing.ts adopt): copied before a change. */
  sharedListing: boolean;
  /** Before the listing: the names probed so far (null: nothing shown there). */
  probes: Map<string, EntryStat | null> | undefined;
  /** The `.wh.X` names standing for overlayfs char-device whiteouts X (rare). */
  devices: Set<string> | undefined;
  statted: boolean;
  /**
   * It holds looks no check of it has followed yet, made only to merge
   * (typesToMerge): probes that found only directories of plain names, or the
   * listing of a small directory. They are checked, with it and up the chain
   * of unchecked parents, before anything is shown from it.
   */
  unchecked: boolean;
  /** Its id was learned by an lstat of it that no check of its parent has followed yet (a shared index taken: adopt). */
  idFresh: boolean;
  /** The shared index was asked about it (once, at its first use). */
  sharedTried: boolean;
  /** What the shared index held was taken (adopt): the lstat that showed it unchanged, before anything was answered from it. */
  adopted: HostStat | undefined;
  /** The clock (ms since the epoch) before the first host read of it in this mount (-1: none yet; with sharing only). */
  readAt: number;
  /** The lstat of its last check (verify, or the one after its listing). */
  checked: HostStat | undefined;
  /**
   * What it read that waits to be shared (at its next check, or at close): the
   * clock before the first such read (-1: nothing waits), and the names probed
   * absent since, or (pendingListing) its listing.
   */
  pendingAt: number;
  pendingAbsent: string[] | undefined;
  pendingListing: boolean;
}
