/**
 * Path resolution inside the union root (SEMANTICS rule 14, cap-std style):
 * one component at a time, keeping the chain of parent directories walked
 * through, so ".." at the root stays at the root and an absolute symlink
 * target restarts at the union root. Symlink expansion has a budget of 40 hops
 * (ELOOP). The directories walked through are the union's cache
 * (dir-cache.ts): a directory walked through again is one Map get, and a plain
 * path whose directory is known starts there (one get for all of its parents).
 *
 * Creating absolute symlinks is a separate question: the union accepts them
 * (layers and image building have them), while the WASI front-ends refuse a
 * guest's path_symlink with an absolute target (EPERM, the WASI filesystem
 * spec's answer) unless allowAbsoluteSymlinks (wasi/paths.ts, refuseAbsoluteTarget).
 */
import type { CachedDir, DirCache } from "./dir-cache.ts";
import { Errno, FsError } from "./errno.ts";
import { childPath, keySlice } from "./layer.ts";
import type { LayerFile } from "./layer.ts";
import { freshNode, lookupChild, nodeType } from "./lookup.ts";
import type { ImageAndUpper, UnionNode } from "./lookup.ts";
import { parsePath, plainLastName } from "./path.ts";
import { isReservedName } from "./whiteout.ts";

const MAX_SYMLINK_HOPS = 40;

/** What a walk needs: the layers, and the union's cache of the directories walked through (dir-cache.ts). */
export interface ResolveContext extends ImageAndUpper {
  readonly dirs: DirCache;
}

/** The outcome of resolving a path: the final name and the directory holding it. */
export interface Resolved {
  /** Directory holding the final name (for "/", "." or "..": the resolved directory itself). */
  readonly dir: UnionNode;
  /** Final component ("" for the root, or "." / ".."). */
  readonly name: string;
  /** The object found, undefined if the final name does not exist. */
  readonly node: UnionNode | undefined;
  /** The final component was the root, "." or "..": no (dir, name) to create or remove. */
  readonly dotOrRoot: boolean;
  /** The path (or the last symlink target) ended in "/". */
  readonly trailingSlash: boolean;
  /** With `openKnown`: the final name's upper file, opened by it (node is then undefined). */
  readonly opened: LayerFile | undefined;
}

/** Target of the symlink `node`, verbatim. */
export function readlinkNode(u: ImageAndUpper, node: UnionNode): string {
  if (node.upper !== undefined) return u.upper.readlink(node.path);
  return u.image.layers[node.lower!.layer]!.readlink(node.path);
}

/**
 * Resolve `path`. Intermediate symlinks are always followed; the last one
 * only with `follow` (or a trailing slash). A missing final name is not an
 * error (node undefined); a missing or non-directory intermediate is.
 * `follow = "raw"`: the last component is never followed and a trailing slash
 * is only reported (rename/link/symlink check it themselves, in Linux order).
 * `openKnown` (a read-only open): the final name in an upper directory is
 * first offered to the upper's openKnownFile; a file it opens is the visible
 * object (an upper non-directory hides everything below it), so no lookup is
 * made.
 */
export function resolve(u: ResolveContext, path: string, follow: boolean | "raw", syscall?: string, openKnown = false): Resolved {
  const raw = follow === "raw";
  const dirs = u.dirs;
  // The directory walked through last: its chain of parents is what ".." climbs.
  let entry: CachedDir;
  let todo: string[]; // pop() yields the next component
  let trailingSlash: boolean;
  // A plain path whose directory was walked through before: one Map get instead of a walk (the
  // entry's path is canonical and still resolves, so the same names walk to it: no symlink, no "..").
  const at = plainLastName(path);
  const known = at > 1 ? dirs.at(keySlice(path, 1, at - 1)) : at === 1 ? dirs.root(u) : undefined;
  if (known !== undefined) {
    // Nearly every call: the last component (a plain name, not "." or "..", no trailing
    // slash) in a known directory, looked up as the loop below would, without the loop.
    const name = path.slice(at);
    const cur = known.node;
    if (openKnown && cur.upper !== undefined && !isReservedName(name)) {
      const opened = u.upper.openKnownFile!(childPath(cur.path, name));
      if (opened !== undefined) return { dir: cur, name, node: undefined, dotOrRoot: false, trailingSlash: false, opened };
    }
    const child = lookupChild(u, cur, name, false);
    if (child === undefined || raw || !follow || nodeType(child) !== "symlink") {
      return { dir: cur, name, node: child, dotOrRoot: false, trailingSlash: false, opened: undefined };
    }
    // A final symlink to follow: the walk below expands it.
    entry = known;
    todo = [name];
    trailingSlash = false;
  } else {
    const parsed = parsePath(path, syscall);
    todo = parsed.components.reverse();
    trailingSlash = parsed.trailingSlash;
    entry = dirs.root(u);
  }
  let hops = 0;
  for (;;) {
    const cur = entry.node;
    const name = todo.pop();
    if (name === undefined) { const d = freshNode(u, cur); return { dir: d, name: "", node: d, dotOrRoot: true, trailingSlash, opened: undefined }; }
    const last = todo.length === 0;
    if (name === ".") {
      if (last) { const d = freshNode(u, cur); return { dir: d, name, node: d, dotOrRoot: true, trailingSlash, opened: undefined }; }
      continue;
    }
    if (name === "..") {
      entry = entry.parent ?? entry;
      if (last) { const d = freshNode(u, entry.node); return { dir: d, name, node: d, dotOrRoot: true, trailingSlash, opened: undefined }; }
      continue;
    }
    // A directory walked through before (only ever a real directory: never a symlink to expand).
    const known = last ? undefined : entry.children?.get(name);
    if (known !== undefined) {
      entry = known;
      continue;
    }
    if (last && openKnown && cur.upper !== undefined && !trailingSlash && !isReservedName(name)) {
      const opened = u.upper.openKnownFile!(childPath(cur.path, name));
      if (opened !== undefined) return { dir: cur, name, node: undefined, dotOrRoot: false, trailingSlash, opened };
    }
    const child = lookupChild(u, cur, name, !last);
    if (child === undefined) {
      if (last) return { dir: cur, name, node: undefined, dotOrRoot: false, trailingSlash, opened: undefined };
      throw new FsError(Errno.NOENT, syscall, path);
    }
    const type = nodeType(child);
    if (type === "symlink" && (!last || (!raw && (follow || trailingSlash)))) {
      if (++hops > MAX_SYMLINK_HOPS) throw new FsError(Errno.LOOP, syscall, path);
      const target = readlinkNode(u, child);
      if (target === "") throw new FsError(Errno.NOENT, syscall, path);
      const t = parsePath(target, syscall);
      if (t.absolute) entry = dirs.root(u);
      if (last) trailingSlash = trailingSlash || t.trailingSlash;
      for (let i = t.components.length - 1; i >= 0; i--) todo.push(t.components[i]!);
      continue;
    }
    if (last) {
      if (trailingSlash && !raw && type !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
      return { dir: cur, name, node: child, dotOrRoot: false, trailingSlash, opened: undefined };
    }
    if (type !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
    entry = dirs.add(entry, name, child);
  }
}

/** Resolve to an existing object (ENOENT otherwise). */
export function resolveNode(u: ResolveContext, path: string, follow: boolean | "raw", syscall?: string): UnionNode {
  const r = resolve(u, path, follow, syscall);
  if (r.node === undefined) throw new FsError(Errno.NOENT, syscall, path);
  return r.node;
}
