/**
 * Copy-up (SEMANTICS rule 8): bring a lower object into the upper layer before
 * it changes, keeping mode, owner, times and symlink targets, after creating
 * the parent chain in the upper with the parents' attributes. Files use
 * `upper.createFileFrom`, so a memory upper references the lower content
 * instead of copying bytes. A copy-up is invisible: the parent's times are
 * restored afterwards, and read-only handles on the lower file are moved to
 * the copy (rule 9).
 */
import { Errno, FsError } from "./errno.ts";
import { childPath, parentPath } from "./layer.ts";
import type { EntryStat, NewEntryAttr } from "./layer.ts";
import type { Inodes } from "./inode.ts";
import { lookupChild, lowerDirOf, nodeType, rootNode } from "./lookup.ts";
import type { Layers, Node } from "./lookup.ts";
import { lowerIno } from "./lower-index.ts";
import { classifyRawName } from "./whiteout.ts";

export interface CopyUpContext extends Layers {
  readonly inodes: Inodes;
  /** Called after the lower file at `path` was copied up (rule 9). */
  copiedUp(path: string): void;
}

function attrsOf(st: EntryStat): NewEntryAttr {
  return { mode: st.mode, uid: st.uid, gid: st.gid, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs };
}

/** Node at a canonical layer path (no symlinks in it), or undefined. */
export function nodeAt(u: Layers, path: string): Node | undefined {
  let n: Node | undefined = rootNode(u);
  if (path === "") return n;
  for (const name of path.split("/")) {
    if (n === undefined || nodeType(n) !== "dir") return undefined;
    n = lookupChild(u, n, name);
  }
  return n;
}

/** Run `create` in upper directory `dir` without changing the directory's visible times. */
function invisibly(ctx: CopyUpContext, dir: string, create: () => void): void {
  const before = ctx.upper.stat(dir);
  create();
  if (before !== undefined) ctx.upper.setattr(dir, { atimeNs: before.atimeNs, mtimeNs: before.mtimeNs });
}

/** Create the upper copy of lower object `node` whose parent is already in the upper. */
function copyOne(ctx: CopyUpContext, node: Node, linkTo?: string): Node {
  const le = node.lower!;
  const st = le.stat;
  const path = node.path;
  const dir = parentPath(path);
  invisibly(ctx, dir, () => {
    if (linkTo !== undefined) ctx.upper.link(linkTo, path);
    else if (st.type === "dir") ctx.upper.mkdir(path, attrsOf(st));
    else if (st.type === "symlink") ctx.upper.symlink(path, ctx.image.layers[le.layer]!.readlink(path), attrsOf(st));
    else ctx.upper.createFileFrom(path, ctx.image.layers[le.layer]!.open(path), attrsOf(st));
  });
  const us = ctx.upper.stat(path);
  if (us === undefined) throw new FsError(Errno.IO, "copyup", "/" + path);
  // The kernel keeps the lower inode number unless the lower file is hard-linked:
  // copy-up breaks that link, so the copy gets a number of its own.
  if (st.type === "dir" || st.nlink <= 1) ctx.inodes.record(us.id, lowerIno(le));
  if (st.type === "file") ctx.copiedUp(path);
  // A fresh upper directory merges with the lower one it copies.
  return { path, upper: us, lower: st.type === "dir" ? le : undefined };
}

/** Make sure directory `path` (canonical, visible) exists in the upper; returns its fresh node. */
export function copyUpDir(ctx: CopyUpContext, path: string): Node {
  let n = rootNode(ctx);
  if (n.upper === undefined) throw new FsError(Errno.IO, "copyup", "/", "upper layer without a root");
  if (path === "") return n;
  let p = "";
  for (const name of path.split("/")) {
    p = childPath(p, name);
    const c = lookupChild(ctx, n, name);
    if (c === undefined) throw new FsError(Errno.NOENT, "copyup", "/" + p);
    if (nodeType(c) !== "dir") throw new FsError(Errno.NOTDIR, "copyup", "/" + p);
    n = c.upper !== undefined ? c : copyOne(ctx, c);
  }
  return n;
}

/** Copy `node` (and its parent chain) up; returns its fresh node (itself if already upper). */
export function copyUp(ctx: CopyUpContext, node: Node): Node {
  if (node.upper !== undefined) return node;
  copyUpDir(ctx, parentPath(node.path));
  return copyOne(ctx, node);
}

/**
 * Copy up `node` and everything visible below it (deep rename). Lower hard-link
 * aliases inside the tree stay linked. Objects already in the upper keep their
 * inode numbers (pinned) even after their lower part is cut off.
 */
export function copyUpTree(ctx: CopyUpContext, node: Node): Node {
  const top = copyUp(ctx, node);
  ctx.inodes.pin(top);
  if (nodeType(top) !== "dir") return top;
  const linked = new Map<number, string>();
  const stack: Node[] = [top];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const names = new Set<string>();
    for (const raw of ctx.upper.readdir(dir.path)) if (classifyRawName(raw) === "entry") names.add(raw);
    const ld = lowerDirOf(ctx, dir);
    if (ld !== undefined) for (const name of ld.entries.keys()) names.add(name);
    for (const name of names) {
      const c = lookupChild(ctx, dir, name);
      if (c === undefined) continue;
      let up: Node;
      if (c.upper !== undefined) {
        ctx.inodes.pin(c);
        up = c;
      } else {
        const ino = lowerIno(c.lower!);
        const first = c.lower!.stat.type === "file" ? linked.get(ino) : undefined;
        up = copyOne(ctx, c, first);
        if (first === undefined && c.lower!.stat.type === "file") linked.set(ino, c.path);
      }
      if (nodeType(up) === "dir") stack.push(up);
    }
  }
  return top;
}
