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
import type { Inodes, SharedOrigin } from "./inode.ts";
import { lookupChild, lowerDirOf, nodeType, rootNode } from "./lookup.ts";
import type { ImageAndUpper, UnionNode } from "./lookup.ts";
import { classifyRawName } from "./whiteout.ts";

export interface CopyUpContext extends ImageAndUpper {
  readonly inodes: Inodes;
  /** Called after the lower file at `path` was copied up (rule 9); `keep`: keep following it. */
  onCopiedUp(path: string, keep?: boolean): void;
  /**
   * Hard-linked lower files relocated by deep renames stay one upper inode per
   * lower inode (what the kernel's redirect leaves: one lower file). Lower
   * inode number -> a current upper path of that inode, and its upper id.
   */
  readonly movedAliases: Map<number, { path: string; id: number }>;
}

function attrsOf(st: EntryStat): NewEntryAttr {
  return { mode: st.mode, uid: st.uid, gid: st.gid, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs };
}

/** Run `create` in upper directory `dir` without changing the directory's visible times. */
function invisibly(ctx: CopyUpContext, dir: string, create: () => void): void {
  const before = ctx.upper.stat(dir);
  create();
  if (before !== undefined) ctx.upper.setattr(dir, { atimeNs: before.atimeNs, mtimeNs: before.mtimeNs });
}

/**
 * Upper file `path` with the content of lower layer `layer`'s file `from`, of
 * `size` bytes. By reference where the upper takes one and the lower gives
 * one without an open (a memory upper over a host lower: no host call here).
 * Else through a handle, ours (layer.ts ownership rule): closed here whatever
 * happens; a lazy upper keeps the file's contentSource, not the handle.
 */
function copyFileFrom(ctx: CopyUpContext, layer: number, from: string, path: string, size: number, attr: NewEntryAttr): void {
  const lower = ctx.image.layers[layer]!;
  if (ctx.upper.createFileFromSource !== undefined && lower.contentSourceOf !== undefined) {
    const content = lower.contentSourceOf(from);
    if (content !== undefined) return ctx.upper.createFileFromSource(path, content, size, attr);
  }
  const source = lower.open(from);
  try {
    ctx.upper.createFileFrom(path, source, attr);
  } finally {
    source.close();
  }
}

/**
 * Create the upper copy of lower object `node` whose parent is already in the
 * upper. `moving` (deep rename): the object is only relocated, not changed, so
 * a hard-linked lower file keeps sharing its number with its aliases until it
 * is changed (as under a kernel redirect, where it stays a lower file).
 */
function copyOne(ctx: CopyUpContext, node: UnionNode, moving = false, emptied = false): UnionNode {
  const le = node.lower!;
  const st = le.stat;
  const path = node.path;
  const dir = parentPath(path);
  const ino = le.ino;
  const alias = moving && st.type === "file" && st.nlink > 1 ? ctx.movedAliases.get(ino) : undefined;
  const linkTo = alias !== undefined && ctx.upper.stat(alias.path)?.id === alias.id ? alias.path : undefined;
  invisibly(ctx, dir, () => {
    if (st.type === "dir") ctx.upper.mkdir(path, attrsOf(st));
    else if (st.type === "symlink") ctx.upper.symlink(path, ctx.image.layers[le.layer]!.readlink(path), attrsOf(st));
    else if (linkTo !== undefined) ctx.upper.link(linkTo, path);
    else if (emptied && st.size > 0) {
      // About to be truncated to nothing: copying the data would be wasted I/O (a
      // whole file on a host upper). The emptied copy's mtime is now, as truncation's.
      const { mtimeNs: _discarded, ...kept } = attrsOf(st);
      ctx.upper.createFile(path, kept);
    } else copyFileFrom(ctx, le.layer, path, path, st.size, attrsOf(st));
  });
  const us = ctx.upper.stat(path);
  if (us === undefined) throw new FsError(Errno.IO, "copyup", "/" + path);
  // The kernel keeps the lower inode number unless the lower file is hard-linked:
  // copy-up breaks that link, so the copy gets a number of its own.
  let shared = false;
  if (st.type === "dir" || st.nlink <= 1) ctx.inodes.record(us.id, ino);
  else if (moving) {
    shared = true;
    ctx.inodes.recordShared(us.id, ino, { layer: le.layer, path });
    if (linkTo === undefined) ctx.movedAliases.set(ino, { path, id: us.id });
  }
  if (st.type === "file") ctx.onCopiedUp(path, shared);
  // A fresh upper directory merges with the lower one it copies.
  return { path, upper: us, lower: st.type === "dir" ? le : undefined };
}

/** Make sure directory `path` (canonical, visible) exists in the upper; returns its fresh node. */
export function copyUpDir(ctx: CopyUpContext, path: string): UnionNode {
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

/**
 * Copy `node` (and its parent chain) up before it changes; returns its fresh
 * node (itself if already upper, where a still-shared hard-link number is
 * given up: the change breaks the link, rule 13). `emptied`: the caller is
 * about to truncate the file to 0 bytes, so a lower file's data is not copied.
 * `parent`: the node of `node`'s directory, as just resolved (open has it):
 * already in the upper, the parent chain needs no walk.
 */
export function copyUp(ctx: CopyUpContext, node: UnionNode, emptied = false, parent?: UnionNode): UnionNode {
  if (node.upper !== undefined) {
    const origin = ctx.inodes.sharedOrigin(node.upper.id);
    if (origin === undefined) return node;
    if (node.upper.nlink <= 1) {
      ctx.inodes.unshare(node.upper.id);
      return node;
    }
    return breakAlias(ctx, node, origin);
  }
  const dir = parentPath(node.path);
  if (parent?.upper === undefined || parent.path !== dir) copyUpDir(ctx, dir);
  return copyOne(ctx, node, false, emptied);
}

/** Name for a copy being built next to its final name (an aufs-internal name: never visible). */
const TEMP_NAME = ".wh..wh.layerfs.copy";

/**
 * A relocated hard-linked lower file is about to change: like a kernel copy-up,
 * this alias gets an object (and number) of its own; the other aliases keep
 * the old data. Built beside it by reference, then renamed over it.
 */
function breakAlias(ctx: CopyUpContext, node: UnionNode, origin: SharedOrigin): UnionNode {
  const us = node.upper!;
  const path = node.path;
  const dir = parentPath(path);
  const tmp = childPath(dir, TEMP_NAME);
  invisibly(ctx, dir, () => {
    if (ctx.upper.stat(tmp) !== undefined) ctx.upper.unlink(tmp);
    // The shared copy is never changed, so its content is still the lower file's.
    copyFileFrom(ctx, origin.layer, origin.path, tmp, us.size, attrsOf(us));
    ctx.upper.rename(tmp, path);
  });
  const fresh = ctx.upper.stat(path);
  if (fresh === undefined) throw new FsError(Errno.IO, "copyup", "/" + path);
  ctx.onCopiedUp(path);
  return { path, upper: fresh, lower: undefined };
}

/**
 * Copy up `node` and everything visible below it (deep rename), by reference.
 * Objects already in the upper keep their inode numbers (pinned) even after
 * their lower part is cut off.
 */
export function copyUpTree(ctx: CopyUpContext, node: UnionNode): UnionNode {
  let top = node;
  if (top.upper === undefined) {
    copyUpDir(ctx, parentPath(node.path));
    top = copyOne(ctx, node, true);
  }
  ctx.inodes.pin(top);
  if (nodeType(top) !== "dir") return top;
  const stack: UnionNode[] = [top];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const names = new Set<string>();
    for (const raw of ctx.upper.readdir(dir.path)) if (classifyRawName(raw) === "entry") names.add(raw);
    const ld = lowerDirOf(ctx, dir);
    if (ld !== undefined) for (const name of ld.entries.keys()) names.add(name);
    for (const name of names) {
      const c = lookupChild(ctx, dir, name);
      if (c === undefined) continue;
      let up: UnionNode;
      if (c.upper !== undefined) {
        ctx.inodes.pin(c);
        up = c;
      } else {
        up = copyOne(ctx, c, true);
      }
      if (nodeType(up) === "dir") stack.push(up);
    }
  }
  return top;
}
