/**
 * The index of a read-only DirLayer: per directory, built on first use, the
 * names it shows with their types (one readdir with d_type), then on the
 * first stat of any of its names the attributes of all of them (one lstat
 * each, in one batch). stat, readdir, whiteout probes and opens are answered
 * from it: a name missing from its directory's index is absent without a host
 * call, and after the first visit a lookup costs no host call at all.
 *
 * A directory reached only by looking names up (never listed, nor under a
 * listed one) is not read whole at first: each name asked for is probed with
 * one lstat (a batch of them, then one check of the directory) and the answer
 * kept, absent names too (the union asks each layer for a name, its `.wh.`
 * whiteout and the opaque marker: under 64 layers, 64 small probes instead of
 * 64 listings). After PROBES_BEFORE_LISTING distinct names, or when it is
 * listed, the directory is read whole, keeping the attributes probed. A
 * directory whose host size shows it small (SMALL_DIR_BYTES: the sparse
 * directories of a deep stack's upper layers, on tmpfs), first asked for
 * names only to merge a lower copy (typesToMerge), is read whole instead: one
 * readdir answers the name, its whiteout and the marker, and needs no check
 * until something is shown from it. Its subdirectories are then probed (their
 * ids learned at their first check, which checks the parent too), not read
 * whole at once as under a directory that was read or walked.
 *
 * A lower must not change while mounted (as for kernel overlayfs). If it does
 * anyway, the index gives the view as of first use (stale but consistent),
 * or a clean EIO "lower layer changed while mounted", never an escape:
 * - a directory's listing is kept only if, after it, lstat shows a real
 *   directory there (a symlink is not one) that is the object (dev, ino) its
 *   parent's batch saw, and the parent is still the directory indexed, so the
 *   listing came from inside the layer even if an ancestor was swapped for a
 *   symlink (the swap changes what the path resolves to);
 * - the same check of the directory follows every batch of attribute lstats
 *   and of probes that found something (an absent answer shows nothing),
 *   but for looks made only to merge lower copies (typesToMerge): probes that
 *   found nothing but directories, or the listing of a small directory. Their
 *   check waits until something else is shown from the directory or under it,
 *   and then runs up the chain of such unchecked directories, child first;
 *   ids learned and looks marked checked only once the whole chain holds.
 *   Merging a copy shows nothing by itself (the attributes shown come from
 *   the top copy, and anything found in a lower copy is checked first), so
 *   under 64 layers one lookup checks a few directories, not every layer's root;
 * - an open (O_NOFOLLOW) is checked by fstat to be the very object indexed;
 *   readlink is followed by the check of its directory;
 * - names taken from the shared index (shared-index.ts: what other unions'
 *   indexes read of the same host directory) replace only the readdir or the
 *   probes: they are taken at a directory's first use, top down (so only for a
 *   directory this index reached through its own parent), if an lstat of it
 *   made now (a layer's root: the one it was opened with) shows the object and
 *   times (dev, ino, mtime, ctime, size) they were read under, which any name
 *   added, removed or renamed since would have changed; the directory is then
 *   marked unchecked, its id, learned by that lstat alone, needing its parent's
 *   check too (idFresh), so nothing is shown from it before the usual check up
 *   the chain. Attributes are never shared: each union lstats what it shows.
 *   What this index reads is shared only at a check of the directory that
 *   follows the read (or one lstat at close, outside the guest's calls), and
 *   only if read RACY_WINDOW_MS after the directory's ctime.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { ContentSource, DirStamp, EntryStat, EntryType } from "../../core/layer.ts";
import { WHITEOUT_PREFIX } from "../../core/layer.ts";
import type { EntryIds } from "./entries.ts";
import { hostPathIn, layerError, lstatIfPresent } from "./entries.ts";
import { DirFile, EMPTY_SOURCE, closeQuietly } from "./file.ts";
import type { DirFileOwner } from "./file.ts";
import type { HostDirent, HostFs, HostStat } from "./host-fs.ts";
import { isOverlayWhiteout, isShown, whiteoutTargetName } from "./overlay.ts";
import { listingEntries } from "./listing.ts";
import { IndexSharing } from "./index-sharing.ts";
import { DEVICE_WHITEOUT, DIR, FILE, TYPES, newIndexedDir } from "./indexed-dir.ts";
import type { IndexedDir, Slot } from "./indexed-dir.ts";
import type { HostPaths, SharedDirIndex } from "./shared-index.ts";

/** Distinct names a directory not listed yet answers by probing (one lstat each) before it is listed instead. */
export const PROBES_BEFORE_LISTING = 48;

/**
 * A directory whose host size is at most this is listed at its first lookup
 * made to merge (typesToMerge) instead of probed: one readdir answers every
 * name of a small directory. On tmpfs (20 bytes per entry, 2 for . and ..: up
 * to 8 names) a readdir of one name costs 3.8 us in Node against 5.9 us for
 * the 3 probes of a first lookup (an absent name costs a full lookup there,
 * 2.1 us: tmpfs keeps no negative dentries), and ~0.25 us more per name. Filesystems whose directories are at
 * least a block (ext4: 4096) are always probed, which suits them: they cache
 * absent names.
 */
export const SMALL_DIR_BYTES = 200;

const CHANGED = "lower layer changed while mounted";

function changed(syscall: string, path: string): FsError {
  return new FsError(Errno.IO, syscall, path, CHANGED);
}

/** Were all the names found (shown[i] set) directories of plain names, none a device whiteout? */
function onlyPlainDirs(names: readonly string[], shown: readonly (HostStat | undefined)[], devices: readonly number[] | undefined): boolean {
  if (devices !== undefined) return false;
  for (let i = 0; i < names.length; i++) {
    const st = shown[i];
    if (st !== undefined && (st.kind !== "dir" || names[i]!.startsWith(WHITEOUT_PREFIX))) return false;
  }
  return true;
}

/** What the index knows about one path. */
export type Found =
  | { kind: "absent" }
  /** A parent component is not a directory. */
  | { kind: "notdir" }
  | { kind: "entry"; stat: EntryStat; hostPath: string; deviceWhiteout: boolean };

const ABSENT: Found = { kind: "absent" };
const NOTDIR: Found = { kind: "notdir" };

export class LowerIndex {
  private readonly dirs = new Map<string, IndexedDir>();
  private readonly rootId: number;
  /**
   * The root's attributes: from the lstat the layer was opened with (a lower
   * does not change while mounted), so the first lookup costs no lstat of it.
   * What it protects is unchanged: every batch of probes or attribute lstats
   * under the root still checks the root afterwards (verify).
   */
  private readonly rootStat: EntryStat;
  /** The root's host size (SMALL_DIR_BYTES). */
  private readonly rootSize: number;
  /** Sharing with other indexes over the same host (index-sharing.ts); undefined: nothing shared. */
  private readonly sharing: IndexSharing | undefined;
  /** With sharing: the host paths of this root's directories, made once for all unions (shared-index.ts). */
  private readonly hostPaths: HostPaths | undefined;
  /** Layer.memoKey: with sharing only (IndexSharing.memoKey). */
  get memoKey(): string | undefined {
    return this.sharing?.memoKey;
  }

  constructor(
    private readonly host: HostFs,
    private readonly root: string,
    private readonly ids: EntryIds,
    /** The lstat of the root directory the layer was opened with. */
    rootSt: HostStat,
    /** What other indexes over the same host learned about its directories (shared-index.ts); undefined: nothing shared. */
    shared: SharedDirIndex | undefined = undefined,
  ) {
    this.rootStat = Object.freeze(ids.entryOf(rootSt));
    this.rootId = this.rootStat.id;
    this.rootSize = rootSt.size;
    const hostPaths = shared?.hostPathsUnder(root);
    this.hostPaths = hostPaths;
    this.sharing = shared === undefined || hostPaths === undefined ? undefined
      : new IndexSharing(shared, ids, rootSt, hostPaths, this.dirs, (hp, syscall, path) => this.quietLstat(hp, syscall, path));
  }

  /** Indexed directories and the names they hold (for memory measurements). */
  get size(): { dirs: number; entries: number } {
    let entries = 0;
    for (const d of this.dirs.values()) entries += d.entries?.size ?? d.probes?.size ?? 0;
    return { dirs: this.dirs.size, entries };
  }

  private hostPath(path: string): string {
    return this.hostPaths !== undefined ? this.hostPaths.of(path) : hostPathIn(this.root, path);
  }

  private lstat(hostPath: string, syscall: string, path: string): HostStat | undefined {
    return lstatIfPresent(this.host, hostPath, syscall, path);
  }

  /**
   * After a host call under `dir`: throw unless the directory is still the one
   * indexed, then the same for each parent whose probes (the ones that gave the
   * id just checked) no check has followed yet. Child first: a check vouches
   * for the looks made before it.
   */
  verify(dir: IndexedDir, syscall: string, path: string): HostStat {
    const chain: IndexedDir[] = [];
    const ids: number[] = [];
    const stats: HostStat[] = [];
    for (let d = dir; ;) {
      const st = this.lstat(d.hostPath, syscall, path);
      if (st === undefined || st.kind !== "dir") throw changed(syscall, path);
      stats.push(st);
      const id = this.ids.idOf(st);
      if (d.id !== -1 && id !== d.id) throw changed(syscall, path);
      chain.push(d);
      ids.push(id);
      const p = d.parent;
      // The parent's looks gave d's id, or d's id is only learned now (or was, unchecked): the parent too.
      if (p === undefined || !(d.id === -1 || d.idFresh || p.unchecked)) break;
      d = p;
    }
    // Only once the whole chain holds: ids learned, looks checked.
    for (let i = 0; i < chain.length; i++) {
      const d = chain[i]!;
      d.id = ids[i]!;
      d.unchecked = false;
      d.idFresh = false;
      d.checked = stats[i];
      if (d.pendingAt >= 0) this.sharing?.share(d, stats[i]!); // this check follows what it read
    }
    return stats[0]!;
  }

  /** The index of directory `path`; undefined if nothing is there, "notdir" if it (or a parent) is not a directory. */
  dir(path: string, syscall: string): IndexedDir | "notdir" | undefined {
    const known = this.dirs.get(path);
    if (known !== undefined) return known;
    if (path === "") return this.remember("", this.rootId, this.rootSize, undefined); // probed until listed
    const slash = path.lastIndexOf("/");
    const parent = this.dir(slash < 0 ? "" : path.slice(0, slash), syscall);
    if (parent === undefined || parent === "notdir") return parent;
    const name = slash < 0 ? path : path.slice(slash + 1);
    // A probed parent: probe the name (a directory found may stay unchecked: walking
    // through it shows nothing until a look under it is checked, up the chain); a
    // directory found is probed in turn.
    if (parent.entries === undefined) this.ensureProbed(parent, [name], syscall, true);
    if (parent.entries === undefined) {
      const st = parent.probes!.get(name);
      if (st === null || st === undefined) return undefined;
      if (st.type !== "dir") return "notdir";
      return this.remember(path, st.id, st.size, parent);
    }
    const slot = parent.entries.get(name);
    if (slot === undefined) return undefined;
    const type = typeof slot === "number" ? slot : slot.type === "dir" ? DIR : FILE;
    if (type !== DIR) {
      if (parent.unchecked) this.verify(parent, syscall, path); // a listing made to merge: checked before it shows
      return "notdir";
    }
    const id = typeof slot === "number" ? -1 : slot.id;
    // Under a small directory listed at its first lookup, a directory is probed (its id learned
    // at its first check); under one read or walked, it is listed right away.
    if (parent.small) return this.remember(path, id, typeof slot === "number" ? -1 : slot.size, parent);
    return this.listDir(newIndexedDir(path, this.hostPath(path), id, -1, parent, false), syscall);
  }

  /** A directory to be probed name by name (its id -1: learned at its first check). */
  private remember(path: string, id: number, size: number, parent: IndexedDir | undefined): IndexedDir {
    const dir = newIndexedDir(path, this.hostPath(path), id, size, parent, true);
    this.dirs.set(path, dir);
    return dir;
  }

  /**
   * Read directory `dir` whole (its id -1: not known yet, taken from the lstat
   * after the listing), keeping the attributes it probed: from then on its
   * listing is its index. `small`: listed because it is small (SMALL_DIR_BYTES);
   * `toMerge` too (its id known): the check waits, as for probes (dir.unchecked).
   */
  private listDir(dir: IndexedDir, syscall: string, small = false, toMerge = false): IndexedDir {
    if (this.sharing?.adopt(dir, syscall, true, small) === true) return dir;
    const { path, hostPath: hp } = dir;
    const takenAt = this.takenAt(dir);
    let listing: HostDirent[];
    try { listing = this.host.readdir(hp); } catch (e) {
      const errno = errnoOf(e);
      throw errno === Errno.NOENT || errno === Errno.NOTDIR || errno === Errno.LOOP ? changed(syscall, path) : layerError(e, syscall, path);
    }
    const { entries, devices } = listingEntries(listing, hp, (h) => this.lstat(h, syscall, path), syscall, path);
    let checked: HostStat | undefined;
    if (toMerge && dir.id !== -1) {
      dir.unchecked = true;
    } else {
      // Kept only if the path names a real directory (readdir follows a symlink, lstat does not), the one
      // its parent saw, and the parent is still the directory indexed (so no ancestor was swapped either).
      const st = this.lstat(hp, syscall, path);
      if (st === undefined || st.kind !== "dir") throw changed(syscall, path);
      const id = this.ids.idOf(st);
      if (dir.id !== -1 && id !== dir.id) throw changed(syscall, path);
      if (dir.parent !== undefined) this.verify(dir.parent, syscall, path);
      dir.id = id; // learned only once the parent holds too
      dir.unchecked = false; // this check follows the probes too
      dir.idFresh = false;
      dir.checked = st;
      checked = st;
    }
    if (takenAt >= 0) {
      // The listing waits to be shared (it supersedes probes waiting): now if this check followed it.
      dir.pendingAt = takenAt;
      dir.pendingAbsent = undefined;
      dir.pendingListing = true;
    }
    // What was probed stays the answer where the listing agrees (same type): one view per name.
    if (dir.probes !== undefined) {
      for (const [name, probed] of dir.probes) {
        const slot = entries.get(name);
        if (probed === null || typeof slot !== "number") continue;
        const wasDevice = dir.devices !== undefined && dir.devices.has(name);
        const isDevice = slot === DEVICE_WHITEOUT;
        if (wasDevice === isDevice && (isDevice || TYPES[slot] === probed.type)) entries.set(name, probed);
      }
    }
    dir.small = small;
    dir.entries = entries;
    dir.sharedListing = false;
    dir.devices = devices;
    dir.probes = undefined;
    this.dirs.set(path, dir);
    if (checked !== undefined && dir.pendingAt >= 0) this.sharing?.share(dir, checked);
    return dir;
  }

  /**
   * Probe `names` of the unlisted directory `dir`: one lstat each, then, if
   * anything was found, one check of the directory (an absent answer shows
   * nothing, so it needs none). `toMerge` (typesToMerge, a walk): if all that
   * was found are directories of plain names, the check waits (dir.unchecked)
   * until something is shown from the directory or under it.
   */
  private probe(dir: IndexedDir, names: readonly string[], syscall: string, toMerge: boolean): void {
    const takenAt = this.takenAt(dir);
    const prefix = dir.hostPath.endsWith("/") ? dir.hostPath : dir.hostPath + "/";
    const raw: (HostStat | undefined)[] = [];
    for (const name of names) raw.push(this.probeLstat(prefix + name, syscall, dir.path));
    const shown: (HostStat | undefined)[] = [];
    let any = false;
    let devices: number[] | undefined;
    for (let i = 0; i < names.length; i++) {
      const st = raw[i];
      if (st !== undefined && isShown(st)) { shown.push(st); any = true; continue; }
      shown.push(undefined);
      // `.wh.X` is also there when X is an overlayfs char-device whiteout (as listed).
      const target = whiteoutTargetName(names[i]!); // the char device X `.wh.X` may stand for
      if (target === undefined) continue;
      const j = names.indexOf(target);
      const t = j >= 0 ? raw[j] : this.probeLstat(prefix + target, syscall, dir.path);
      if (t !== undefined && isOverlayWhiteout(t)) { shown[i] = t; any = true; (devices ??= []).push(i); }
    }
    // Kept only once the directory is shown to be the one indexed (else they may describe outside objects).
    let checked: HostStat | undefined;
    if (any) {
      if (toMerge && onlyPlainDirs(names, shown, devices)) dir.unchecked = true;
      else checked = this.verify(dir, syscall, dir.path);
    }
    const probes = dir.probes!;
    let absent: string[] | undefined;
    for (let i = 0; i < names.length; i++) {
      const st = shown[i];
      probes.set(names[i]!, st === undefined ? null : Object.freeze(this.ids.entryOf(st)));
      if (st === undefined) (absent ??= []).push(names[i]!);
    }
    if (devices !== undefined) for (const i of devices) (dir.devices ??= new Set()).add(names[i]!);
    if (takenAt >= 0 && absent !== undefined) {
      // They wait to be shared: now if a check followed them (verify above shared what waited before).
      if (dir.pendingAt < 0) dir.pendingAt = takenAt;
      if (dir.pendingAbsent === undefined) dir.pendingAbsent = absent;
      else for (const n of absent) dir.pendingAbsent.push(n);
      if (checked !== undefined) this.sharing?.share(dir, checked);
    }
  }

  /** The clock before reading directory `dir` to share what is read (-1: nothing to share: IndexSharing.takenAt). */
  private takenAt(dir: IndexedDir): number {
    return this.sharing === undefined ? -1 : this.sharing.takenAt(dir);
  }

  /** Layer.dirStamp: with sharing only (IndexSharing.stamp). */
  dirStamp(path: string, fresh: boolean): DirStamp | undefined {
    return this.sharing?.stamp(path, fresh);
  }

  /** Share what waits to be (DirLayer.close): outside any guest's calls. */
  close(): void {
    this.sharing?.close();
  }

  /** lstat that answers undefined instead of throwing: for what only sharing needs (a failure is the usual path's to meet). */
  private quietLstat(hostPath: string, syscall: string, path: string): HostStat | undefined {
    try { return this.lstat(hostPath, syscall, path); } catch { return undefined; }
  }

  /** lstat for a probe: a name the host cannot hold (too long) is simply not there, as in a listing. */
  private probeLstat(hostPath: string, syscall: string, path: string): HostStat | undefined {
    try { return this.lstat(hostPath, syscall, path); } catch (e) {
      if (errnoOf(e) === Errno.NAMETOOLONG) return undefined;
      throw e;
    }
  }

  /** Make sure `dir` has an answer for each of `names`: probed, or listed once enough names were asked for. */
  private ensureProbed(dir: IndexedDir, names: readonly string[], syscall: string, toMerge: boolean): void {
    if (dir.entries !== undefined) return;
    if (this.sharing?.adopt(dir, syscall, false, true) === true && dir.entries !== undefined) return;
    // Only to merge: then the listing needs no check yet and no attributes, where the
    // 3 probes it replaces cost more; for attributes (a name shown) probing is as cheap.
    if (toMerge && dir.size >= 0 && dir.size <= SMALL_DIR_BYTES && dir.probes!.size === 0) {
      this.listDir(dir, syscall, true, true);
      return;
    }
    const probes = dir.probes!;
    let missing: string[] | undefined;
    for (const n of names) if (!probes.has(n)) (missing ??= []).push(n);
    if (missing === undefined) return;
    if (probes.size + missing.length > PROBES_BEFORE_LISTING) this.listDir(dir, syscall);
    else this.probe(dir, missing, syscall, toMerge);
  }

  /** What directory `dir` holds under each of `names` (probed, or listed once enough names were asked for). */
  children(dir: IndexedDir, names: readonly string[], syscall: string): Found[] {
    this.ensureProbed(dir, names, syscall, false);
    return names.map((n) => this.known(dir, n, syscall));
  }

  /**
   * The types directory `path` (validated) shows under `names` (validated), for
   * Layer.typesToMerge: directories of plain names found by a probe may be
   * answered before the check (see probe); no attributes are read for them.
   */
  typesToMerge(path: string, names: readonly string[], syscall: string): (EntryType | undefined)[] {
    const dir = this.dir(path, syscall);
    if (dir === undefined || dir === "notdir") return names.map(() => undefined);
    this.ensureProbed(dir, names, syscall, true);
    if (dir.entries === undefined) return names.map((name) => dir.probes!.get(name)?.type);
    const entries = dir.entries;
    const types = names.map((name) => {
      const slot = entries.get(name);
      return slot === undefined ? undefined : typeof slot === "number" ? TYPES[slot] : slot.type;
    });
    // A listing made to merge answers "dir" for a plain name unchecked; anything else found is checked first.
    if (dir.unchecked && types.some((t, i) => t !== undefined && (t !== "dir" || names[i]!.startsWith(WHITEOUT_PREFIX)))) {
      this.verify(dir, syscall, path);
    }
    return types;
  }

  private child(dir: IndexedDir, name: string, syscall: string): Found {
    if (dir.entries !== undefined) return this.known(dir, name, syscall);
    return this.children(dir, [name], syscall)[0]!;
  }

  /** The answer for `name` in `dir`, listed or probed already. */
  private known(dir: IndexedDir, name: string, syscall: string): Found {
    let slot: Slot | null | undefined;
    if (dir.entries !== undefined) {
      slot = dir.entries.get(name);
      if (slot === undefined) return ABSENT;
      if (dir.unchecked) this.verify(dir, syscall, dir.path); // a listing made to merge: checked before it shows
      if (typeof slot === "number") {
        if (!dir.statted) this.statAll(dir, syscall);
        slot = dir.entries.get(name)!;
        if (typeof slot === "number") throw changed(syscall, dir.path === "" ? name : dir.path + "/" + name);
      }
    } else {
      slot = dir.probes!.get(name);
      if (slot === null || slot === undefined) return ABSENT;
      if (dir.unchecked) this.verify(dir, syscall, dir.path); // probes kept unchecked to merge: checked before they show
    }
    // A stand-in `.wh.X`'s host object is the device X.
    const deviceWhiteout = dir.devices !== undefined && dir.devices.has(name);
    const hostName = deviceWhiteout ? name.slice(WHITEOUT_PREFIX.length) : name;
    const hp = hostPathIn(dir.hostPath, hostName);
    return { kind: "entry", stat: slot, hostPath: hp, deviceWhiteout };
  }

  /** lstat every name of `dir` once (one batch, then one check of the directory). */
  private statAll(dir: IndexedDir, syscall: string): void {
    const prefix = dir.hostPath.endsWith("/") ? dir.hostPath : dir.hostPath + "/";
    const names: string[] = [];
    const stats: HostStat[] = [];
    for (const [name, slot] of dir.entries!) {
      if (typeof slot !== "number") continue;
      const hostName = slot === DEVICE_WHITEOUT ? name.slice(WHITEOUT_PREFIX.length) : name;
      const st = this.lstat(prefix + hostName, syscall, dir.path);
      const ok = st !== undefined && (slot === DEVICE_WHITEOUT ? isOverlayWhiteout(st) : st.kind === TYPES[slot]);
      if (!ok) throw changed(syscall, dir.path === "" ? name : dir.path + "/" + name);
      names.push(name);
      stats.push(st);
    }
    // Kept only once the directory is shown to be the one indexed (else they may describe outside objects).
    this.verify(dir, syscall, dir.path);
    // A listing taken from the shared index stays as it is there: this index changes its own copy.
    const entries = dir.sharedListing ? new Map(dir.entries!) : dir.entries as Map<string, Slot>;
    for (let i = 0; i < names.length; i++) entries.set(names[i]!, Object.freeze(this.ids.entryOf(stats[i]!)));
    dir.entries = entries;
    dir.sharedListing = false;
    dir.statted = true;
  }

  /** What is at `path` (already validated). */
  find(path: string, syscall: string): Found {
    if (path === "") return { kind: "entry", stat: this.rootStat, hostPath: this.root, deviceWhiteout: false };
    const slash = path.lastIndexOf("/");
    const dir = this.dir(slash < 0 ? "" : path.slice(0, slash), syscall);
    if (dir === undefined) return ABSENT;
    if (dir === "notdir") return NOTDIR;
    return this.child(dir, slash < 0 ? path : path.slice(slash + 1), syscall);
  }

  /** What directory `path` (already validated) holds under each of `names` (plain names, validated). */
  findChildren(path: string, names: readonly string[], syscall: string): Found[] {
    const dir = this.dir(path, syscall);
    if (dir === undefined) return names.map(() => ABSENT);
    if (dir === "notdir") return names.map(() => NOTDIR);
    return this.children(dir, names, syscall);
  }

  /** The names and types directory `path` shows; throws ENOENT / ENOTDIR. */
  list(path: string, syscall: string): { names: string[]; types: EntryType[] } {
    const found = this.find(path, syscall); // checks the directory itself
    if (found.kind === "absent") throw new FsError(Errno.NOENT, syscall, path);
    if (found.kind === "notdir" || found.stat.type !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
    const dir = this.dir(path, syscall);
    if (dir === undefined || dir === "notdir") throw new FsError(Errno.NOENT, syscall, path);
    if (dir.entries === undefined) this.listDir(dir, syscall);
    if (dir.unchecked) this.verify(dir, syscall, path); // a listing made to merge or shared: checked before it shows
    const names: string[] = [];
    const types: EntryType[] = [];
    for (const [name, slot] of dir.entries!) {
      names.push(name);
      types.push(typeof slot === "number" ? TYPES[slot]! : slot.type);
    }
    return { names, types };
  }

  /** readlink of an indexed symlink, its directory checked after the read (the link read was the one inside the layer). */
  readlink(path: string): string {
    const found = this.find(path, "readlink");
    if (found.kind === "absent") throw new FsError(Errno.NOENT, "readlink", path);
    if (found.kind === "notdir") throw new FsError(Errno.NOTDIR, "readlink", path);
    if (found.stat.type !== "symlink" || found.deviceWhiteout) throw new FsError(Errno.INVAL, "readlink", path);
    let target: string;
    try { target = this.host.readlink(found.hostPath); } catch (e) { throw layerError(e, "readlink", path); }
    this.verify(this.parentOf(path, "readlink"), "readlink", path);
    return target;
  }

  /** Open the indexed regular file `path` for `owner`: the object indexed, checked by fstat. */
  open(owner: DirFileOwner, path: string): DirFile {
    const found = this.find(path, "open");
    if (found.kind === "absent") throw new FsError(Errno.NOENT, "open", path);
    if (found.kind === "notdir") throw new FsError(Errno.NOTDIR, "open", path);
    const { stat, hostPath } = found;
    if (found.deviceWhiteout) {
      const st = this.lstat(hostPath, "open", path);
      if (st === undefined || this.ids.idOf(st) !== stat.id) throw new FsError(Errno.IO, "open", path, CHANGED);
      return new DirFile(owner, -1, hostPath, false, st);
    }
    if (stat.type === "dir") throw new FsError(Errno.ISDIR, "open", path);
    if (stat.type === "symlink") throw new FsError(Errno.LOOP, "open", path);
    let fd: number;
    try { fd = this.host.open(hostPath); } catch (e) {
      const errno = errnoOf(e);
      throw errno === Errno.NOENT || errno === Errno.LOOP || errno === Errno.NOTDIR || errno === Errno.NXIO
        ? new FsError(Errno.IO, "open", path, CHANGED) : layerError(e, "open", path);
    }
    let st: HostStat;
    try { st = this.host.fstat(fd); } catch (e) { closeQuietly(this.host, fd); throw layerError(e, "open", path); }
    // The descriptor must be the object indexed, wherever the path leads now.
    if (st.kind !== "file" || this.ids.idOf(st) !== stat.id) {
      closeQuietly(this.host, fd);
      throw new FsError(Errno.IO, "open", path, CHANGED);
    }
    return new DirFile(owner, fd, hostPath, false, st);
  }

  /**
   * The content of the indexed regular file `path`, read through `owner`'s
   * pool, whose first read opens it and checks (fstat) that it is the object
   * indexed, as open() does; undefined for anything but a regular file (open
   * gives the error).
   */
  contentSourceOf(owner: DirFileOwner, path: string): ContentSource | undefined {
    const found = this.find(path, "open");
    if (found.kind !== "entry" || found.stat.type !== "file") return undefined;
    return found.deviceWhiteout ? EMPTY_SOURCE : owner.sourceOf(found.hostPath, found.stat.id);
  }

  /** The indexed directory holding `path` (for the check after a readlink). */
  parentOf(path: string, syscall: string): IndexedDir {
    const slash = path.lastIndexOf("/");
    const dir = this.dir(slash < 0 ? "" : path.slice(0, slash), syscall);
    if (dir === undefined || dir === "notdir") throw changed(syscall, path);
    return dir;
  }
}
