/**
 * Lookup of one name in a merged directory (SEMANTICS rules 1-4): the upper
 * layer, read live, over the image's cached lower index.
 */
import { childPath } from "./layer.ts";
import type { EntryStat, EntryType, WritableLayer } from "./layer.ts";
import type { Image } from "./image.ts";
import type { LowerDir, LowerEntry } from "./lower-index.ts";
import { hasWhiteout, isOpaque, isReservedName } from "./whiteout.ts";

/** A union's layers as lookup sees them: the read-only image plus the writable upper. */
export interface ImageAndUpper {
  readonly image: Image;
  readonly upper: WritableLayer;
}

/**
 * One visible object of the union, as seen at the moment of lookup (a
 * snapshot: look it up again after changing the upper).
 */
export interface UnionNode {
  /** Canonical layer path ("" is the root). */
  readonly path: string;
  /** The upper object at `path`, if there is one (it is then the visible object). */
  readonly upper: EntryStat | undefined;
  /**
   * The visible lower object when there is no upper one; for an upper
   * directory, the lower directory merging into it (if not hidden).
   */
  readonly lower: LowerEntry | undefined;
}

/** Attributes of the visible object (the upper one, else the lower one). */
export function nodeStat(n: UnionNode): EntryStat {
  return n.upper ?? n.lower!.stat;
}

/** Type of the visible object. */
export function nodeType(n: UnionNode): EntryType {
  return nodeStat(n).type;
}

/** The root directory of the union. */
export function rootNode(u: ImageAndUpper): UnionNode {
  const upper = u.upper.stat("");
  const lowerRoot = u.image.rootEntry();
  const lower = upper !== undefined && lowerRoot !== undefined && isOpaque(u.upper, "") ? undefined : lowerRoot;
  return { path: "", upper, lower };
}

/** The lower directory merging into directory node `dir`, if any. */
export function lowerDirOf(u: ImageAndUpper, dir: UnionNode): LowerDir | undefined {
  const l = dir.lower;
  return l !== undefined && l.dirLayers !== undefined ? u.image.dir(l, dir.path) : undefined;
}

/**
 * Look up `name` (a plain name: no "/", ".", "..") in directory node `dir`.
 * `traverse`: the caller only walks through the child, so the upper may answer
 * with a directory stat whose times, size and link count are stale
 * (Layer.statToTraverse); refresh the node (`freshNode`) before handing it out.
 */
export function lookupChild(u: ImageAndUpper, dir: UnionNode, name: string, traverse = false): UnionNode | undefined {
  if (isReservedName(name)) return undefined; // rule 4: `.wh.*` never visible
  const path = childPath(dir.path, name);
  const lowerDir = lowerDirOf(u, dir);
  const le = lowerDir?.get(name);
  if (dir.upper !== undefined) {
    const us = traverse && u.upper.statToTraverse !== undefined ? u.upper.statToTraverse(path) : u.upper.stat(path);
    if (us !== undefined) {
      // A non-directory hides everything below; an upper directory merges with
      // a lower directory unless it is opaque or whited out in the same layer.
      if (us.type === "dir" && le !== undefined && le.dirLayers !== undefined &&
        !isOpaque(u.upper, path) && !hasWhiteout(u.upper, dir.path, name)) {
        return { path, upper: us, lower: le };
      }
      return { path, upper: us, lower: undefined };
    }
    if (le !== undefined && hasWhiteout(u.upper, dir.path, name)) return undefined;
  }
  return le === undefined ? undefined : { path, upper: undefined, lower: le };
}

/** `n` with the upper's current attributes (a node kept to walk through, or found by a traversing lookup). */
export function freshNode(u: ImageAndUpper, n: UnionNode): UnionNode {
  if (n.upper === undefined) return n;
  const st = u.upper.stat(n.path);
  return st === undefined || st === n.upper ? n : { ...n, upper: st };
}

/** Does a lower layer show `name` in directory `dir` (before the upper's whiteouts)? */
export function lowerHas(u: ImageAndUpper, dir: UnionNode, name: string): LowerEntry | undefined {
  return lowerDirOf(u, dir)?.get(name);
}
