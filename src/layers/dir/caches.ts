/**
 * What a DirLayer remembers about its host tree so that a union's repeated
 * probes (the same missing names, whiteouts and directories on every lookup)
 * cost no host call. All of it is valid only while nobody else changes the
 * layer's directory (layers are immutable while mounted; the upper is ours):
 * every mutation through the layer drops what it may change, and forgetting
 * is always safe.
 */
import type { EntryStat } from "../../core/layer.ts";
import { WHITEOUT_PREFIX, baseName, childPath, parentPath } from "../../core/layer.ts";
import { whiteoutTargetName } from "./overlay.ts";

/** Bounds of the complete-listing cache (directories, names per directory). */
const LISTINGS_MAX = 1024;
const LISTING_NAMES_MAX = 16384;
/** Bound of the absent-path, directory-stat and non-directory caches (each cleared when full). */
export const PATH_CACHE_MAX = 4096;

export class DirCaches {
  /** Layer-relative directories already checked to be real directories (not symlinks), each with all its ancestors. */
  readonly dirs = new Set<string>();
  /**
   * Layer paths where the host has nothing (lstat found no entry, and for a
   * `.wh.X` name no overlayfs whiteout X either), bounded. A union asks the
   * upper about the same missing names (`X`, `.wh.X`, the opaque marker) on
   * every lookup; this answers them without a host call.
   */
  readonly absent = new Set<string>();
  /**
   * Stats of directories (bounded): a union stats the directories on a path
   * (the upper root first) on every lookup. A mutation drops the entry it
   * changes and its parent (`changed`); `readdir` drops its directory (the
   * host may update atime).
   */
  readonly dirStats = new Map<string, EntryStat>();
  /**
   * Stats of directories for walking through them (bounded; DirLayer.statToTraverse):
   * their type, id, mode and owner stay exact, their times, size and link count
   * may be stale. Unlike `dirStats`, a change inside the directory keeps the
   * entry: only a change to the directory itself (`changed`, `changedSubtrees`) drops it.
   */
  readonly traverseStats = new Map<string, EntryStat>();
  /**
   * Complete listings (every host name) of directories of a writable layer
   * that it created itself or has listed, kept current by its own mutations
   * (bounded). A name missing from its parent's listing is absent without a
   * host call: a union looks up each new name, and its `.wh.` sibling, before
   * creating it. Names are added before a creation is attempted and removed
   * only after a removal succeeded, so a listing may hold a name too many
   * (then the host is asked), never too few.
   */
  private readonly listings = new Map<string, Set<string>>();
  /**
   * Paths of a writable layer that `stat` found to be a regular file or a
   * symlink, or that the layer just created as a regular file (bounded), with
   * that type, dropped by `changed`: unlink of such a path needs no lstat
   * first, and a regular file opens for reading without one (openKnownFile).
   */
  readonly nonDirs = new Map<string, "file" | "symlink">();
  /**
   * Stats of regular files and symlinks of a writable layer with one link
   * (bounded): a union stats a file's path on every open, stat and unlink.
   * Dropped by `changed` and, all of them, by `touchedFiles` (any write,
   * truncate, time change or read through an open file of the layer: sizes
   * and times move). A file with more links is never kept (a write through
   * another name would not drop it).
   */
  readonly fileStats = new Map<string, EntryStat>();

  /** `listings` are kept for a writable layer only (lowers are indexed by the union instead). */
  constructor(private readonly writable: boolean) {}

  noteAbsent(path: string): void {
    if (this.absent.size >= PATH_CACHE_MAX) this.absent.clear();
    this.absent.add(path);
  }

  noteDirStat(path: string, st: EntryStat): void {
    if (this.dirStats.size >= PATH_CACHE_MAX) this.dirStats.clear();
    if (this.traverseStats.size >= PATH_CACHE_MAX) this.traverseStats.clear();
    const frozen = Object.freeze(st); // shared by every caller: frozen
    this.dirStats.set(path, frozen);
    this.traverseStats.set(path, frozen);
  }

  noteFileStat(path: string, st: EntryStat): void {
    if (this.fileStats.size >= PATH_CACHE_MAX) this.fileStats.clear();
    this.fileStats.set(path, Object.freeze(st));
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
    if (this.fileStats.size === 0) return;
    if (opened !== undefined && opened.epoch === this.epoch) this.fileStats.delete(opened.path);
    else this.fileStats.clear();
  }

  noteNonDir(path: string, type: "file" | "symlink"): void {
    if (this.nonDirs.size >= PATH_CACHE_MAX) this.nonDirs.clear();
    this.nonDirs.set(path, type);
  }

  /**
   * The entry at `path` was created, removed or changed through this layer:
   * drop what the caches say about it, about `.wh.NAME` beside it (an
   * overlayfs whiteout is read through that name) and about its parent
   * directory (its times and size change).
   */
  changed(path: string): void {
    // (Every create, unlink and setattr comes here: an empty cache costs no lookup, and the
    // `.wh.` sibling's name is only built when there are absent names to drop it from.)
    const absent = this.absent.size > 0;
    if (absent) this.absent.delete(path);
    if (this.dirStats.size > 0) this.dirStats.delete(path);
    if (this.traverseStats.size > 0) this.traverseStats.delete(path);
    if (this.nonDirs.size > 0) this.nonDirs.delete(path);
    if (this.fileStats.size > 0) this.fileStats.delete(path);
    if (path === "") return;
    const dir = parentPath(path);
    if (this.dirStats.size > 0) this.dirStats.delete(dir);
    if (absent) this.absent.delete(childPath(dir, WHITEOUT_PREFIX + baseName(path)));
  }

  /** Is `path` absent according to its parent's complete listing? */
  unlisted(path: string): boolean {
    if (path === "" || this.listings.size === 0) return false;
    const names = this.listings.get(parentPath(path));
    if (names === undefined) return false;
    const name = baseName(path);
    if (names.has(name)) return false;
    // `.wh.X` is there when X is an overlayfs char-device whiteout.
    const target = whiteoutTargetName(name);
    return target === undefined || !names.has(target);
  }

  listAdd(path: string): void {
    if (this.listings.size === 0) return;
    this.listings.get(parentPath(path))?.add(baseName(path));
  }

  listRemove(path: string): void {
    if (this.listings.size === 0) return;
    this.listings.get(parentPath(path))?.delete(baseName(path));
  }

  /** Start (or restart) the complete listing of directory `path` with `names`. */
  listStart(path: string, names: Iterable<string>): void {
    if (!this.writable) return;
    if (this.listings.size >= LISTINGS_MAX) this.listings.clear();
    const set = new Set(names);
    if (set.size <= LISTING_NAMES_MAX) this.listings.set(path, set);
  }

  /**
   * Directories at `paths` are about to be moved or removed: whole subtrees
   * change, so drop every cached stat and every listing and checked directory
   * at or below them. This runs before the host call (a failed call only
   * costs the caches).
   */
  changedSubtrees(...paths: string[]): void {
    this.absent.clear();
    this.dirStats.clear();
    this.traverseStats.clear();
    this.nonDirs.clear();
    this.fileStats.clear();
    this.epoch++;
    for (const path of paths) {
      if (path === "") { this.listings.clear(); this.dirs.clear(); continue; }
      const prefix = path + "/";
      for (const d of this.listings.keys()) if (d === path || d.startsWith(prefix)) this.listings.delete(d);
      for (const d of this.dirs) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
    }
  }
}
