/**
 * readdir of a merged directory (SEMANTICS rule 15): the union of the upper's
 * names and the lower index's names, topmost wins, whiteouts and markers
 * dropped, sorted by name bytes.
 */
import { lookupChild, lowerDirOf, nodeType } from "./lookup.ts";
import type { ImageAndUpper, UnionNode } from "./lookup.ts";
import type { Inodes } from "./inode.ts";
import { compareNames } from "./path.ts";
import { classifyRawName, whitedOutName } from "./whiteout.ts";
import type { DirEntry } from "./union-types.ts";

/** Visible names of directory `dir`, unsorted. */
function mergedNames(u: ImageAndUpper, dir: UnionNode): string[] {
  const lower = lowerDirOf(u, dir);
  if (dir.upper === undefined) return lower === undefined ? [] : [...lower.entries.keys()];
  const names: string[] = [];
  const seen = new Set<string>();
  for (const raw of u.upper.readdir(dir.path)) {
    const kind = classifyRawName(raw);
    if (kind === "entry") names.push(raw);
    if (kind === "entry" || kind === "whiteout") seen.add(kind === "entry" ? raw : whitedOutName(raw));
  }
  if (lower !== undefined) for (const name of lower.entries.keys()) if (!seen.has(name)) names.push(name);
  return names;
}

/** Is the merged directory empty (whiteouts do not count)? */
export function isEmptyDir(u: ImageAndUpper, dir: UnionNode): boolean {
  return mergedNames(u, dir).length === 0;
}

/** Sorted entries of directory `dir`, with their inode numbers. */
export function mergedEntries(u: ImageAndUpper, inodes: Inodes, dir: UnionNode): DirEntry[] {
  if (dir.upper === undefined) {
    // Pure lower: no upper to consult, and the lower index is kept in readdir's order.
    const out: DirEntry[] = [];
    const lower = lowerDirOf(u, dir);
    if (lower !== undefined) for (const le of lower.entries.values()) out.push({ name: le.name, type: le.type, ino: le.ino });
    return out;
  }
  const names = mergedNames(u, dir).sort(compareNames);
  const out: DirEntry[] = [];
  for (const name of names) {
    const c = lookupChild(u, dir, name);
    if (c !== undefined) out.push({ name, type: nodeType(c), ino: inodes.of(c) });
  }
  return out;
}
