/**
 * What a DirLayer remembers about its host tree so that a union's repeated
 * probes (the same missing names, whiteouts and directories on every lookup)
 * cost no host call. All of it is valid only while nobody else changes the
 * layer's directory (layers are immutable while mounted; the upper is ours):
 * every mutation through the layer drops what it may change, and forgetting
 * is always safe.
 */
import type { EntryStat } from "../../core/layer.ts";
import { OPAQUE_MARKER, WHITEOUT_PREFIX, childPath, keySlice, lastSlash, parentPath } from "../../core/layer.ts";
import { overlayWhiteoutPath } from "./overlay.ts";

/** Bounds of the complete-listing cache (directories, names per directory). */
const LISTINGS_MAX = 1024;
const LISTING_NAMES_MAX = 16384;
/** Bound of the per-path facts (cleared when full). */
export const PATH_CACHE_MAX = 4096;

/** The name whose `.wh.` sibling is the opaque marker. */
const OPAQUE_SIBLING_OF = OPAQUE_MARKER.slice(WHITEOUT_PREFIX.length);

/** A complete listing (DirCaches.listings): the layer paths of its names, and whether one may be a char device. */
interface Listing {
  readonly paths: Set<string>;
  /** The host listed a char device (or an entry of unknown kind): `.wh.X` may stand for one. */
  readonly chars: boolean;
}

/**
 * What the caches know about one layer path: one Map entry per path for all of
 * it, so a stat, a creation or a removal makes one lookup where it made one per
 * kind of fact (a path is a directory, a non-directory or absent, never two).
 */
class PathFacts {
  /** lstat found no entry there (and for a `.wh.X` name, no overlayfs whiteout X either). */
  absent = false;
  /** Absent, and counted in DirCaches.whiteoutAbsents. */
  countedWhiteout = false;
  /** A directory's stat: dropped by a change inside it (`changed` of a child) and by readdir. */
  dirStat: EntryStat | undefined = undefined;
  /** A directory's stat for walking through it: kept through changes inside it. */
  traverseStat: EntryStat | undefined = undefined;
  /** A regular file or symlink that stat saw or the layer made. */
  nonDir: "file" | "symlink" | undefined = undefined;
  /** Stat of a regular file or symlink with one link, valid while `fileGen` is the caches' (`touchedFile`). */
  fileStat: EntryStat | undefined = undefined;
  fileGen = 0;

  /** Know nothing any more (the record stays in its Map: see DirCaches.facts). */
  clear(): void {
    this.absent = false;
    this.countedWhiteout = false;
    this.dirStat = undefined;
    this.traverseStat = undefined;
    this.nonDir = undefined;
    this.fileStat = undefined;
  }
}

export class DirCaches {
  /** Layer-relative directories already checked to be real directories (not symlinks), each with all its ancestors. */
  readonly dirs = new Set<string>();
  /**
   * What is known per layer path (bounded, PathFacts), valid only while nobody
   * else changes the layer:
   * - absent: a union asks the upper about the same missing names (`X`, `.wh.X`,
   *   the opaque marker) on every lookup; this answers them without a host call.
   * - directory stats: a union stats the directories on a path (the upper root
   *   first) on every lookup. A mutation drops the entry it changes and its
   *   parent's (`changed`); `readdir` drops its directory's (the host may update atime).
   * - stats of directories for walking through them (DirLayer.statToTraverse):
   *   their type, id, mode and owner stay exact, their times, size and link count
   *   may be stale; a change inside the directory keeps them, only a change to the
   *   directory itself (`changed`, `changedSubtrees`) drops them.
   * - non-directories: paths of a writable layer that `stat` found to be a regular
   *   file or a symlink, or that the layer just created as a regular file, with that
   *   type: unlink of such a path needs no lstat first, and a regular file opens for
   *   reading without one (openKnownFile).
   * - file stats of regular files and symlinks of a writable layer with one link: a
   *   union stats a file's path on every open, stat and unlink. Dropped by `changed`
   *   and, all of them, by `touchedFile` (any write, truncate, time change or read
   *   through an open file of the layer: sizes and times move). A file with more
   *   links is never kept (a write through another name would not drop it).
   * A path's record is emptied, not deleted, when what it knew goes (`changed`), and
   * reused when it learns again: a removal, then a creation of the same name, make no
   * Map deletion and insertion, and the paths of removed names count toward the
   * bound until the facts start over.
   */
  private readonly facts = new Map<string, PathFacts>();
  /** The generation of valid file stats: touchedFile drops them all by a bump. */
  private fileGen = 0;
  /** File stats noted in this generation (an upper bound: touchedFile's early exit). */
  private fileStats = 0;
  /**
   * Absent facts whose name starts with `.wh.`, other than the opaque marker:
   * `changed` only looks for the `.wh.` sibling of a name among the absent ones
   * when there may be one.
   */
  private whiteoutAbsents = 0;
  /**
   * Complete listings (every host name) of directories of a writable layer
   * that it created itself or has listed, kept current by its own mutations
   * (bounded). A name missing from its parent's listing is absent without a
   * host call: a union looks up each new name, and its `.wh.` sibling, before
   * creating it. Names are added before a creation is attempted and removed
   * only after a removal succeeded, so a listing may hold a name too many
   * (then the host is asked), never too few. A listing holds the layer paths
   * of its names (not the names): the path a caller asks about is the key, with
   * its hash already computed, and no name is cut out of it.
   */
  private readonly listings = new Map<string, Listing>();
  /** The directory listingOf looked up last and its listing (undefined: none): a guest works in one directory at a time. */
  private lastListed: string | undefined = undefined;
  private lastListing: Listing | undefined = undefined;

  /** `listings` are kept for a writable layer only (lowers are indexed by the union instead). */
  constructor(private readonly writable: boolean) {}

  /** The emptied PathFacts of `path`, to note what it learnt (the facts start over when full). */
  private fresh(path: string): PathFacts {
    let f = this.facts.get(path);
    if (f !== undefined) {
      this.empty(f);
      return f;
    }
    if (this.facts.size >= PATH_CACHE_MAX) this.clearFacts();
    f = new PathFacts();
    this.facts.set(path, f);
    return f;
  }

  /** `f` knows nothing any more (keeping whiteoutAbsents exact). */
  private empty(f: PathFacts): void {
    if (f.countedWhiteout) this.whiteoutAbsents--;
    f.clear();
  }

  private clearFacts(): void {
    this.facts.clear();
    this.fileStats = 0;
    this.whiteoutAbsents = 0;
  }

  /** The stat cached for `path` (a directory's, or a file's still valid), null if it is known absent, undefined if unknown. */
  cachedStat(path: string): EntryStat | null | undefined {
    const f = this.facts.get(path);
    if (f === undefined) return undefined;
    if (f.absent) return null;
    return f.dirStat ?? (f.fileGen === this.fileGen ? f.fileStat : undefined);
  }

  /** A stat to walk through directory `path` (see `facts`), if cached. */
  traverseStatOf(path: string): EntryStat | undefined {
    const f = this.facts.get(path);
    return f === undefined ? undefined : f.dirStat ?? f.traverseStat;
  }

  /** Is `path` known to be absent on the host? */
  isAbsent(path: string): boolean {
    return this.facts.get(path)?.absent === true;
  }

  /** The type of the non-directory at `path`, if known (see `facts`). */
  nonDirOf(path: string): "file" | "symlink" | undefined {
    return this.facts.get(path)?.nonDir;
  }

  /** readdir of directory `path`: the host may update its atime. */
  dropDirStat(path: string): void {
    const f = this.facts.get(path);
    if (f !== undefined) f.dirStat = undefined;
  }

  noteAbsent(path: string): void {
    const f = this.fresh(path);
    f.absent = true;
    const at = lastSlash(path) + 1;
    if (path.startsWith(WHITEOUT_PREFIX, at) && !(path.length - at === OPAQUE_MARKER.length && path.endsWith(OPAQUE_MARKER))) {
      f.countedWhiteout = true;
      this.whiteoutAbsents++;
    }
  }

  noteDirStat(path: string, st: EntryStat): void {
    const frozen = Object.freeze(st); // shared by every caller: frozen
    const f = this.fresh(path);
    f.dirStat = frozen;
    f.traverseStat = frozen;
  }

  /** A regular file or symlink at `path`, with its stat if it has one link (else undefined: never kept, see `facts`). */
  noteNonDir(path: string, type: "file" | "symlink", st?: EntryStat): void {
    const f = this.fresh(path);
    f.nonDir = type;
    if (st !== undefined) {
      f.fileStat = Object.freeze(st);
      f.fileGen = this.fileGen;
      this.fileStats++;
    }
  }

  /**
   * Bumped whenever names may have moved between objects (rename, link,
   * subtree removal): a file opened in an older epoch may now have another name.
   */
  epoch = 0;

  /**
   * An open file of the layer was written, truncated, retimed or read: drop
   * its stat (`opened`: the path and epoch it was opened under), or, if a
   * name may have moved since, every file stat.
   */
  touchedFile(opened: { path: string; epoch: number } | undefined): void {
    if (this.fileStats === 0) return;
    if (opened !== undefined && opened.epoch === this.epoch) {
      const f = this.facts.get(opened.path);
      if (f !== undefined) f.fileStat = undefined;
    } else {
      this.fileGen++;
      this.fileStats = 0;
    }
  }

  /**
   * The entry at `path` was created, removed or changed through this layer:
   * drop what the caches say about it, about `.wh.NAME` beside it (an
   * overlayfs whiteout is read through that name) and about its parent
   * directory (its times and size change). Returns the type of the
   * non-directory it knew there, if any (what unlink needs: one lookup for both).
   */
  changed(path: string): "file" | "symlink" | undefined {
    const facts = this.facts;
    if (facts.size === 0) return undefined;
    const f = facts.get(path);
    const nonDir = f?.nonDir;
    if (f !== undefined) this.empty(f);
    if (path === "") return nonDir;
    const slash = lastSlash(path);
    const dir = slash < 0 ? "" : keySlice(path, 0, slash);
    const parent = facts.get(dir);
    if (parent !== undefined) parent.dirStat = undefined;
    // `.wh.NAME` can be among the absent facts only if one with that prefix is there (or it is the opaque marker).
    if (this.whiteoutAbsents === 0 && !path.endsWith(OPAQUE_SIBLING_OF)) return nonDir;
    const s = facts.get(childPath(dir, WHITEOUT_PREFIX + path.slice(slash + 1)));
    if (s?.absent === true) this.empty(s);
    return nonDir;
  }

  /** The complete listing of directory `dir`, if kept. */
  private listingOf(dir: string): Listing | undefined {
    if (dir === this.lastListed) return this.lastListing;
    const names = this.listings.get(dir);
    this.lastListed = dir;
    this.lastListing = names;
    return names;
  }

  /** `listings` changed: the memo of listingOf goes. */
  private forgetListed(): void {
    this.lastListed = undefined;
    this.lastListing = undefined;
  }

  /** Is `path` absent according to its parent's complete listing? */
  unlisted(path: string): boolean {
    if (path === "" || this.listings.size === 0) return false;
    const listing = this.listingOf(parentPath(path));
    if (listing === undefined) return false;
    if (listing.paths.has(path)) return false;
    // `.wh.X` is there when X is an overlayfs char-device whiteout (only the host's
    // listing can show one: a char device is never made, linked or renamed through the layer).
    if (!listing.chars) return true;
    const target = overlayWhiteoutPath(path);
    return target === undefined || !listing.paths.has(target);
  }

  listAdd(path: string): void {
    if (this.listings.size === 0) return;
    this.listingOf(parentPath(path))?.paths.add(path);
  }

  listRemove(path: string): void {
    if (this.listings.size === 0) return;
    this.listingOf(parentPath(path))?.paths.delete(path);
  }

  /** Start (or restart) the complete listing of directory `path` with `names` (`chars`: one may be a char device). */
  listStart(path: string, names: Iterable<string>, chars: boolean): void {
    if (!this.writable) return;
    if (this.listings.size >= LISTINGS_MAX) this.listings.clear();
    this.forgetListed();
    const set = new Set<string>();
    for (const name of names) set.add(childPath(path, name));
    if (set.size <= LISTING_NAMES_MAX) this.listings.set(path, { paths: set, chars });
    else this.listings.delete(path);
  }

  /**
   * Directories at `paths` are about to be moved or removed: whole subtrees
   * change, so drop every cached stat and every listing and checked directory
   * at or below them. This runs before the host call (a failed call only
   * costs the caches).
   */
  changedSubtrees(...paths: string[]): void {
    this.clearFacts();
    this.epoch++;
    this.forgetListed();
    for (const path of paths) {
      if (path === "") { this.listings.clear(); this.dirs.clear(); continue; }
      const prefix = path + "/";
      for (const d of this.listings.keys()) if (d === path || d.startsWith(prefix)) this.listings.delete(d);
      for (const d of this.dirs) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
    }
  }
}
