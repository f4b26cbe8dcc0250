/**
 * The directories a union's path walks went through, kept so that the next
 * walk through them costs one Map get per component instead of a lookup
 * (lookup.ts: the upper's stat, whiteout and opaque probes, the lower index).
 *
 * A tree of the union's own canonical layer paths: an entry is a directory
 * found by lookupChild, its children the subdirectories walked through from
 * it, by name. Only real directories go in, never a symlink or a reserved
 * `.wh.*` name, so a key is always a canonical path and a hit never skips a
 * symlink hop or a ".." (resolve.ts walks those as before). Used only to walk
 * through: the final component of a path is always looked up afresh, and a
 * directory handed out as a result is re-statted (its entry's times, size and
 * link count may be stale, as Layer.statToTraverse's).
 *
 * What an entry holds stays true until the union changes the upper at the
 * entry's path, marks it opaque or whites it out, or replaces the upper or the
 * image. Every change goes through the union's QuotaLayer, which tells this
 * cache (`forget`, `nameChanged`); Union.fork/reset clear it (UnionState.rebase).
 * A change made to the upper behind the union's back (another union over the
 * same upper object, calls on `union.upper`) is not seen: the upper belongs
 * to its union, as a host upper's own caches already assume.
 */
import { OPAQUE_MARKER, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX, lastSlash } from "./layer.ts";
import { rootNode } from "./lookup.ts";
import type { ImageAndUpper, UnionNode } from "./lookup.ts";

/** Entries kept at most: past it the cache starts over (about 150 B each). */
export const DIR_CACHE_MAX = 1024;

/** One directory walked through, and the subdirectories walked through from it. */
export class CachedDir {
  /** Allocated on the first subdirectory (a leaf directory has none). */
  children: Map<string, CachedDir> | undefined = undefined;
  constructor(
    readonly node: UnionNode,
    /** The directory it was found in (undefined for the root): its ".." */
    readonly parent: CachedDir | undefined,
    /** Its name there. */
    readonly name: string,
  ) {}
}

export class DirCache {
  #root: CachedDir | undefined = undefined;
  /** Every entry under the root by its canonical layer path (what a plain path's directory part is); made on the first. */
  #byPath: Map<string, CachedDir> | undefined = undefined;

  /** The root's entry (looked up in `u` when there is none). */
  root(u: ImageAndUpper): CachedDir {
    return (this.#root ??= new CachedDir(rootNode(u), undefined, ""));
  }

  /** The entry of directory `path` (a canonical layer path below the root), if walked through. */
  at(path: string): CachedDir | undefined {
    return this.#byPath?.get(path);
  }

  /** Directory `node`, found as `name` in `parent`, walked through: its entry. */
  add(parent: CachedDir, name: string, node: UnionNode): CachedDir {
    if (this.#byPath !== undefined && this.#byPath.size >= DIR_CACHE_MAX) this.clear(); // `parent` is then detached
    const e = new CachedDir(node, parent, name);
    // A parent detached (by that clear, or a forget) gives an entry for this walk only.
    if (parent === this.#root || (parent.parent !== undefined && this.#byPath?.get(parent.node.path) === parent)) {
      (parent.children ??= new Map()).set(name, e);
      (this.#byPath ??= new Map()).set(node.path, e);
    }
    return e;
  }

  clear(): void {
    this.#root = undefined;
    this.#byPath = undefined;
  }

  /**
   * What the union's upper holds at layer path `path` changed in a way that
   * can change how `path` or anything below it resolves (a directory made,
   * removed, renamed from or onto, its mode or owner set): its subtree goes.
   */
  forget(path: string): void {
    if (path === "") return this.clear();
    const byPath = this.#byPath;
    const e = byPath?.get(path);
    if (e === undefined) return;
    const parent = e.parent!;
    parent.children!.delete(e.name);
    if (parent.children!.size === 0) parent.children = undefined;
    const stack = [e];
    while (stack.length > 0) {
      const d = stack.pop()!;
      byPath!.delete(d.node.path);
      if (d.children !== undefined) for (const c of d.children.values()) stack.push(c);
    }
    // An emptied cache holds no Maps (a sandbox's first copy-up empties it: ~190 B per Map per live union).
    if (byPath!.size === 0) this.#byPath = undefined;
  }

  /**
   * A non-directory name was created or removed at `path`. Only the encoding's
   * names change how a directory resolves: a whiteout `.wh.NAME` hides (or, gone,
   * shows again) NAME's lower copy; the opaque marker hides its directory's lower
   * content. Other `.wh..wh.*` names are ignored by lookup, and a plain file or
   * symlink is never an entry (it can only take a name that was not a directory).
   */
  nameChanged(path: string): void {
    const slash = lastSlash(path);
    const at = slash + 1;
    if (!path.startsWith(WHITEOUT_PREFIX, at)) return;
    const dir = slash < 0 ? "" : path.slice(0, slash);
    if (path.startsWith(WHITEOUT_META_PREFIX, at)) {
      if (path.length - at === OPAQUE_MARKER.length && path.endsWith(OPAQUE_MARKER)) this.forget(dir);
      return;
    }
    this.forget(path.slice(0, at) + path.slice(at + WHITEOUT_PREFIX.length));
  }
}
