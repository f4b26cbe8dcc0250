/**
 * What the indexes of read-only DirLayers learned about host directories,
 * shared by every LowerIndex over the same HostFs in this process: per host
 * directory, the names and types of its listing, or the names probed and
 * found absent (lower-index.ts). Thousands of sandboxes over one image then
 * list and probe its directories once: a later union takes a directory's
 * names with ONE lstat of it (a positive lookup), or none for a layer's root
 * (the lstat DirLayer opens it with), instead of listing or probing it again.
 * Only names, types and absence are shared: attributes (EntryStat) still come
 * from lstats in each union (a file changed in place leaves its directory's
 * times alone), and so do the checks that guard containment.
 *
 * Validity: data is taken as (dev, ino, mtime, ctime, size) of the directory,
 * from an lstat made AFTER the read (so a path swapped during the read shows
 * as another object): the index's next check of that directory, or, if none
 * comes, one lstat when the layer closes (DirLayer.close), so sharing adds no
 * host call inside a guest's calls. It is used only while an lstat made in the
 * using union shows the very same five. Adding, removing or renaming a name changes the
 * directory's mtime and ctime, and nothing sets a ctime back (utimes sets it
 * to now), so an edited directory is read again by the next union.
 *
 * Racy data (git's racy-index rule): timestamps are coarse (a jiffy, 1-10 ms,
 * on Linux filesystems; FAT's are 2 s), so a change made in the same tick as
 * the one before it leaves the times equal. Data is therefore kept only if
 * the clock read BEFORE the read was at least RACY_WINDOW_MS past the
 * directory's ctime: any change after the read is then at least a tick later
 * than the ctime recorded, and shows as a new ctime. 3 s covers FAT's 2 s and
 * a second of clock step or skew; a directory changed less than that ago is
 * simply read by each union (as without sharing) until it has settled. The
 * rule assumes the host stamps times from the clock `now` reads (true for
 * local filesystems; a file server whose clock is behind ours by more than
 * the window defeats it: turn sharing off there, DirLayerOptions.shareIndex).
 *
 * Memory: at most `maxNames` names (default MAX_SHARED_NAMES) are held, over
 * all directories; the directories used least recently are dropped first, in
 * the second-chance (CLOCK) approximation: a use only marks a directory, and
 * dropping passes over the marked ones once, unmarking them (a use costs no
 * Map operation; a directory with more names than the bound is not kept). A
 * directory that was found racy costs one name until it has settled. The host
 * paths of the directories of each layer root are made once too (pathsUnder).
 *
 * Only over a HostFs with exactDirTimes (NodeFs; not DenoFs, whose ctime is in whole seconds).
 */
import type { DirStamp } from "../../core/layer.ts";
import { hostPathIn } from "./entries.ts";
import type { HostFs, HostStat } from "./host-fs.ts";

/** Data is kept only if taken at least this long after its directory's last change (module header). */
export const RACY_WINDOW_MS = 3000;

/** Names held in all, by default: about 170 bytes each, the name included (measured: 17 MB at the bound). */
export const MAX_SHARED_NAMES = 100_000;

/** Host paths made once (HostPaths) over all layer roots, at most: about 100 bytes each. */
export const MAX_INTERNED_PATHS = 100_000;

/**
 * The host paths of the directories under one layer root, by layer path, made
 * once for every union over that root: a path made by concatenation is
 * flattened and hashed at its first use as a Map key or host path, which for
 * a new union's first lookup was the largest cost of the shared index per
 * layer (a fresh concatenation as key: 130 ns, a kept one: 8 ns).
 */
export class HostPaths {
  private readonly byPath = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly owner: SharedDirIndex,
    /** Names this root among the owner's (a short memoKey: DirLayer). */
    readonly id: number,
  ) {}

  /** The host path of layer path `path` ("" is the root): hostPathIn(root, path), the same string each time. */
  of(path: string): string {
    let hp = this.byPath.get(path);
    if (hp === undefined) {
      this.byPath.set(path, (hp = hostPathIn(this.root, path)));
      this.owner.noteInterned();
    }
    return hp;
  }
}

/** What was learned about one host directory, valid while it shows the same identity and times. */
export interface SharedDir {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly size: number;
  /** Its whole listing: name -> type code (lower-index.ts's codes). */
  readonly listing: ReadonlyMap<string, number> | undefined;
  /** With the listing: the `.wh.X` names standing for overlayfs char-device whiteouts X. */
  readonly devices: readonly string[] | undefined;
  /** Before a listing: names probed and found absent. */
  readonly absent: ReadonlySet<string> | undefined;
  /** Used since the last pass that drops directories (second chance: module header). */
  used: boolean;
}

interface Young {
  /** The directory's data is racy until then (ms since the epoch): not read to be kept before. */
  readonly untilMs: number;
}

type Held = SharedDir | Young;

function sharedDir(st: HostStat, listing: ReadonlyMap<string, number> | undefined, devices: readonly string[] | undefined, absent: ReadonlySet<string> | undefined): SharedDir {
  return { dev: st.dev, ino: st.ino, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, size: st.size, listing, devices, absent, used: false };
}

function namesOf(h: Held): number {
  if ("untilMs" in h) return 1;
  return Math.max(1, h.listing?.size ?? h.absent?.size ?? 0);
}

/** Does `st` show the directory `d` was learned from, unchanged: its identity and times? */
function sameDir(d: SharedDir, st: HostStat): boolean {
  return d.ino === st.ino && d.dev === st.dev && d.mtimeNs === st.mtimeNs && d.ctimeNs === st.ctimeNs && d.size === st.size;
}

/** What sameDir compares, as a stamp (Layer.dirStamp): equal stamps, the same directory unchanged. */
export function dirStampOf(st: HostStat): DirStamp {
  return [st.dev, st.ino, st.mtimeNs, st.ctimeNs, st.size];
}

export interface SharedDirIndexOptions {
  /** Names held in all (default MAX_SHARED_NAMES). */
  maxNames?: number;
  /** The racy window (default RACY_WINDOW_MS). */
  racyWindowMs?: number;
  /** The clock, ms since the epoch (default Date.now). */
  now?: () => number;
}

let lastIndexId = 0;

export class SharedDirIndex {
  /** Names this index among others in the process (with HostPaths.id, a DirLayer's memoKey). */
  readonly id = ++lastIndexId;
  /** By host path, least recently used first. */
  private readonly dirs = new Map<string, Held>();
  private names = 0;
  private readonly maxNames: number;
  private readonly windowNs: bigint;
  /** The clock, ms since the epoch: read before a directory is read to be kept. */
  readonly now: () => number;

  constructor(options: SharedDirIndexOptions = {}) {
    this.maxNames = options.maxNames ?? MAX_SHARED_NAMES;
    this.windowNs = BigInt(options.racyWindowMs ?? RACY_WINDOW_MS) * 1_000_000n;
    this.now = options.now ?? Date.now;
  }

  /** The host paths under each layer root (HostPaths), by root. */
  private readonly roots = new Map<string, HostPaths>();
  private lastRootId = 0;
  private interned = 0;

  /** The host paths of directories under layer root `root` (canonical), shared by every index over it. */
  hostPathsUnder(root: string): HostPaths {
    let paths = this.roots.get(root);
    if (paths === undefined) {
      this.roots.set(root, (paths = new HostPaths(root, this, ++this.lastRootId)));
      this.noteInterned(); // a root counts as one path: roots never used stay bounded too
    }
    return paths;
  }

  /** @internal A HostPaths made one more path: past the bound, every root starts over (indexes still open keep theirs). */
  noteInterned(): void {
    if (++this.interned <= MAX_INTERNED_PATHS) return;
    this.roots.clear();
    this.interned = 0;
  }

  /** Host paths made and held for later unions, roots included (for tests and measurements). */
  get internedPaths(): number {
    return this.interned;
  }

  /** Directories and names held (for tests and measurements). */
  get size(): { dirs: number; names: number } {
    return { dirs: this.dirs.size, names: this.names };
  }

  /** What is kept for `hostPath`, not validated yet (is an lstat of it worth making?). */
  held(hostPath: string): SharedDir | undefined {
    const h = this.dirs.get(hostPath);
    return h === undefined || "untilMs" in h ? undefined : h;
  }

  /**
   * Is `h`, just returned by held(hostPath), still valid: does `st`, an lstat
   * of it made by the caller since, show it unchanged? Then it becomes the
   * most recently used; a stale one is dropped. (Given `h`, no second lookup.)
   */
  stillValid(hostPath: string, h: SharedDir, st: HostStat): boolean {
    if (!sameDir(h, st)) {
      this.drop(hostPath, h);
      return false;
    }
    h.used = true; // spared by the next pass that drops (hold)
    return true;
  }

  /** Would data of `hostPath` read from `takenAtMs` on be worth keeping (not known to be racy then)? */
  wants(hostPath: string, takenAtMs: number): boolean {
    const h = this.dirs.get(hostPath);
    return h === undefined || !("untilMs" in h) || h.untilMs <= takenAtMs;
  }

  /**
   * Keep the listing of `hostPath` read from `takenAtMs` on (the clock read
   * before the readdir), `st` the lstat of it made after; dropped if racy.
   */
  keepListing(hostPath: string, st: HostStat, takenAtMs: number, listing: ReadonlyMap<string, number>, devices: readonly string[] | undefined): void {
    if (!this.settled(hostPath, st, takenAtMs)) return;
    this.replace(hostPath, sharedDir(st, listing, devices, undefined));
  }

  /**
   * Keep the names of `hostPath` probed and found absent from `takenAtMs` on,
   * `st` the lstat of it made after the probes; added to what is kept for the
   * same times (probes of other unions), else replacing it.
   */
  keepAbsent(hostPath: string, st: HostStat, takenAtMs: number, names: readonly string[]): void {
    if (names.length === 0 || !this.settled(hostPath, st, takenAtMs)) return;
    const h = this.dirs.get(hostPath);
    if (h !== undefined && !("untilMs" in h) && sameDir(h, st)) {
      if (h.listing !== undefined) return; // the listing already answers them
      const absent = h.absent as Set<string>;
      this.drop(hostPath, h);
      for (const n of names) absent.add(n);
      this.hold(hostPath, h);
      return;
    }
    this.replace(hostPath, sharedDir(st, undefined, undefined, new Set(names)));
  }

  /** Is data taken from `takenAtMs` on, `st` its directory's lstat after, safe from the racy case (module header)? */
  isSettled(st: HostStat, takenAtMs: number): boolean {
    return st.kind === "dir" && BigInt(takenAtMs) * 1_000_000n - st.ctimeNs >= this.windowNs;
  }

  /** isSettled, else the directory is noted young. */
  private settled(hostPath: string, st: HostStat, takenAtMs: number): boolean {
    if (st.kind !== "dir") return false;
    if (this.isSettled(st, takenAtMs)) return true;
    const untilMs = Number((st.ctimeNs + this.windowNs) / 1_000_000n) + 1;
    this.replace(hostPath, { untilMs });
    return false;
  }

  private replace(hostPath: string, h: Held): void {
    const old = this.dirs.get(hostPath);
    if (old !== undefined) this.drop(hostPath, old);
    if (namesOf(h) <= this.maxNames) this.hold(hostPath, h);
  }

  /**
   * Hold `h` as the most recently used, then drop the least recently used down
   * to the bound: from the oldest on, a directory used since the last pass is
   * spared once (unmarked, moved to the end; the pass meets it again only after
   * all the others), any other dropped.
   */
  private hold(hostPath: string, h: Held): void {
    this.dirs.set(hostPath, h);
    this.names += namesOf(h);
    if (this.names <= this.maxNames) return;
    for (const [p, o] of this.dirs) {
      if (this.names <= this.maxNames) return;
      if (o === h) continue;
      if ("used" in o && o.used) {
        o.used = false;
        this.dirs.delete(p);
        this.dirs.set(p, o); // met again by this loop, after the others
        continue;
      }
      this.drop(p, o);
    }
    if (this.names > this.maxNames) this.drop(hostPath, h); // alone over the bound (absent names grown)
  }

  private drop(hostPath: string, h: Held): void {
    this.dirs.delete(hostPath);
    this.names -= namesOf(h);
  }
}

const byHost = new WeakMap<HostFs, SharedDirIndex>();

/** The SharedDirIndex of every read-only DirLayer over `host` that does not bring its own. */
export function sharedIndexOf(host: HostFs): SharedDirIndex {
  let s = byHost.get(host);
  if (s === undefined) byHost.set(host, (s = new SharedDirIndex()));
  return s;
}
