/**
 * The per-union mutable state, allocated on first use so that creating a
 * Union stays O(1) and tiny: the inode origin table, the registry of
 * read-only handles on lower files that must follow a copy-up (rule 9), and
 * the cache of directories walked through (dir-cache.ts). It is what paths
 * are resolved in (resolve.ts ResolveContext).
 */
import type { CopyUpContext } from "./copy-up.ts";
import { DirCache } from "./dir-cache.ts";
import type { DirHandle, HandleContext, LowerReadFile, UpperFile } from "./file.ts";
import type { Image } from "./image.ts";
import { Inodes } from "./inode.ts";
import type { WritableLayer } from "./layer.ts";
import { isWithin } from "./path.ts";
import { HandleList } from "./handle-list.ts";
import { QuotaLayer } from "./quota.ts";
import type { Quota } from "./quota.ts";
import type { ResolveContext } from "./resolve.ts";

export class UnionState implements CopyUpContext, HandleContext, ResolveContext {
  // image and upper change on Union.fork/reset (see rebase); handles keep this state.
  image: Image;
  /** The union's upper behind its quota accounting: every change goes through it (and tells `dirs`). */
  upper: QuotaLayer;
  /** The directories walked through, valid for `image` and `upper` (cleared when they change). */
  readonly dirs = new DirCache();
  inodes = new Inodes();
  readonly quota: Readonly<Quota>;
  /** Open writable upper handles (Union.fork moves them onto the parent's new upper). */
  readonly writers = new HandleList<UpperFile>();
  /** Open read-only handles on upper objects (Union.fork makes them follow the parent's copy-ups). */
  readonly upperReaders = new HandleList<LowerReadFile>();
  #readers: Map<string, Set<LowerReadFile>> | undefined;
  #aliases: Map<number, { path: string; id: number }> | undefined;
  /** Open directory handles, whose paths follow renames (allocated on first open). */
  #dirs: Set<DirHandle> | undefined;
  readonly #setTimes: (path: string, a: bigint | undefined, m: bigint | undefined) => void;

  constructor(image: Image, upper: WritableLayer, quota: Readonly<Quota>, setTimes: (path: string, a: bigint | undefined, m: bigint | undefined) => void) {
    this.image = image;
    this.quota = quota;
    this.upper = new QuotaLayer(upper, quota, this.dirs);
    this.#setTimes = setTimes;
  }

  /**
   * Union.fork/reset: continue over `image` with the fresh empty `upper`.
   * The inode records and hard-link bookkeeping were about objects of the old
   * upper: a fork hands the records to the frozen layer (Layer.inoOf), open
   * handles keep the ones they were opened under, the union starts anew.
   */
  rebase(image: Image, upper: WritableLayer): void {
    this.image = image;
    this.dirs.clear();
    this.upper = new QuotaLayer(upper, this.quota, this.dirs);
    this.#aliases = undefined;
    this.inodes = new Inodes();
  }

  /** No open handle refers to this state (Union.fork/reset can then drop it: the next use starts a fresh one). */
  get idle(): boolean {
    return this.writers.size === 0 && this.upperReaders.size === 0 && (this.#readers?.size ?? 0) === 0 && (this.#dirs?.size ?? 0) === 0;
  }

  /** Union.reset: every open handle keeps its object, which is no longer part of the union; nothing follows any more. */
  orphanHandles(): void {
    this.onHidden("");
    for (const r of [...this.upperReaders]) r.orphan();
    this.writers.clear();
  }

  get movedAliases(): Map<number, { path: string; id: number }> {
    return (this.#aliases ??= new Map());
  }

  /** Upper directory `from` was renamed to `to`: paths kept for later copy-ups move with it. */
  onMoved(from: string, to: string): void {
    const rebase = (p: string): string => to + p.slice(from.length);
    if (this.#aliases !== undefined) {
      for (const a of this.#aliases.values()) if (isWithin(a.path, from)) a.path = rebase(a.path);
    }
    if (this.#dirs !== undefined) for (const d of this.#dirs) if (isWithin(d.layerPath, from)) d.rebase(rebase(d.layerPath));
    for (const h of this.writers) if (isWithin(h.layerPath, from)) h.rebase(rebase(h.layerPath));
    for (const h of this.upperReaders) if (isWithin(h.layerPath, from)) h.rebase(rebase(h.layerPath));
    const m = this.#readers;
    if (m === undefined || m.size === 0) return;
    for (const [key, set] of [...m]) {
      if (!isWithin(key, from)) continue;
      m.delete(key);
      for (const f of set) f.rebase(rebase(key));
      const k2 = rebase(key);
      const into = m.get(k2);
      if (into === undefined) m.set(k2, set);
      else for (const f of set) into.add(f);
    }
  }

  /** Follow copy-ups of the lower file at layer path `path` with `file`. */
  register(path: string, file: LowerReadFile): void {
    const m = (this.#readers ??= new Map());
    let set = m.get(path);
    if (set === undefined) m.set(path, (set = new Set()));
    set.add(file);
  }

  registerDir(dir: DirHandle): void {
    (this.#dirs ??= new Set()).add(dir);
  }

  unregisterDir(dir: DirHandle): void {
    this.#dirs?.delete(dir);
  }

  unregister(path: string, file: LowerReadFile): void {
    const set = this.#readers?.get(path);
    if (set === undefined) return;
    set.delete(file);
    if (set.size === 0) this.#readers!.delete(path);
  }

  /**
   * The file at `path` now has a new upper object: move its readers there (rule 9).
   * `keep`: the new object may itself be replaced later (a relocated hard link).
   */
  onCopiedUp(path: string, keep = false): void {
    const set = this.#readers?.get(path);
    if (set === undefined) return;
    if (!keep) this.#readers!.delete(path);
    for (const f of set) f.retarget(this.upper.open(path), keep);
  }

  /** The objects at or below `path` are no longer visible: their handles stop following. */
  onHidden(path: string): void {
    if (this.#dirs !== undefined) {
      for (const d of this.#dirs) {
        if (isWithin(d.layerPath, path)) {
          d.detach();
          this.#dirs.delete(d);
        }
      }
    }
    const m = this.#readers;
    if (m === undefined || m.size === 0) return;
    for (const [key, set] of [...m]) {
      if (!isWithin(key, path)) continue;
      m.delete(key);
      for (const f of set) f.detach();
    }
  }

  setTimesAt(path: string, atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.#setTimes("/" + path, atimeNs, mtimeNs);
  }
}
