/**
 * rename (rules 10-12, errno order of Linux rule 19).
 *
 * - A file (or symlink) is copied up, moved inside the upper, and leaves a
 *   whiteout at its old name when a lower layer still shows that name.
 * - A directory with lower content: EXDEV with `renameDir: "exdev"` (the
 *   kernels' behaviour); by default a deep rename: the whole visible subtree is
 *   copied up in place (files by reference through createFileFrom, so no bytes
 *   move in a memory upper), the upper directory is renamed, made opaque and
 *   cleared of whiteouts that now hide nothing, and the old name is whited out.
 * - A pure-upper directory is renamed inside the upper; it becomes opaque when
 *   it lands in a merged parent or on a whited-out name (rule 12).
 */
import { Errno, FsError } from "./errno.ts";
import { childPath, parentPath } from "./layer.ts";
import type { EntryStat } from "./layer.ts";
import { copyUp, copyUpDir, copyUpTree } from "./copy-up.ts";
import type { CopyUpContext } from "./copy-up.ts";
import { lowerDirOf, lowerHas, nodeType } from "./lookup.ts";
import type { UnionNode } from "./lookup.ts";
import { isWithin } from "./path.ts";
import { isEmptyDir } from "./readdir-merge.ts";
import { resolve } from "./resolve.ts";
import type { ResolveContext } from "./resolve.ts";
import { classifyRawName, hasWhiteout, isReservedName, makeOpaque, removeWhiteout, writeWhiteout } from "./whiteout.ts";

export interface RenameContext extends CopyUpContext, ResolveContext {
  onHidden(path: string): void;
  onMoved(from: string, to: string): void;
}

/**
 * Is rename a no-op: the same name, or two names of one upper inode? Lower
 * hard-link aliases (also once relocated by a deep rename) are separate objects (overlayfs with index=off gives them
 * separate inodes, as copy-up breaks the link), so renaming one onto the other
 * really moves it.
 */
function sameObject(ctx: RenameContext, a: UnionNode, b: UnionNode): boolean {
  if (a.path === b.path) return true;
  // Relocated lower hard links share an upper file only as an optimisation: still separate objects.
  return a.upper !== undefined && b.upper !== undefined && a.upper.type !== "dir" && a.upper.id === b.upper.id &&
    ctx.inodes.sharedOrigin(a.upper.id) === undefined;
}

export function renamePaths(ctx: RenameContext, from: string, to: string, renameDir: "deep" | "exdev"): void {
  const sys = "rename";
  // Both parents resolve before the source is looked at.
  const rf = resolve(ctx, from, "raw", sys);
  const rt = resolve(ctx, to, "raw", sys);
  if (rf.dotOrRoot || rt.dotOrRoot) throw new FsError(Errno.BUSY, sys, rf.dotOrRoot ? from : to);
  const src = rf.node;
  if (src === undefined) throw new FsError(Errno.NOENT, sys, from);
  const srcType = nodeType(src);
  if (srcType !== "dir" && (rf.trailingSlash || rt.trailingSlash)) throw new FsError(Errno.NOTDIR, sys, rf.trailingSlash ? from : to);
  const toPath = childPath(rt.dir.path, rt.name);
  if (srcType === "dir" && toPath !== src.path && isWithin(toPath, src.path)) {
    throw new FsError(Errno.INVAL, sys, to, "directory into its own subtree");
  }
  const dst = rt.node;
  if (dst !== undefined && src.path !== dst.path && isWithin(src.path, dst.path)) throw new FsError(Errno.NOTEMPTY, sys, to);
  if (isReservedName(rt.name)) throw new FsError(Errno.PERM, sys, to, "reserved whiteout name");
  if (dst !== undefined && sameObject(ctx, src, dst)) return;
  if (dst !== undefined) {
    const dstType = nodeType(dst);
    if (srcType === "dir" && dstType !== "dir") throw new FsError(Errno.NOTDIR, sys, to);
    if (srcType !== "dir" && dstType === "dir") throw new FsError(Errno.ISDIR, sys, to);
  }
  const srcHasLower = src.lower !== undefined;
  // overlayfs refuses the move (EXDEV) before it looks at the target's contents.
  if (srcType === "dir" && srcHasLower && renameDir === "exdev") throw new FsError(Errno.XDEV, sys, from);
  if (dst !== undefined && srcType === "dir" && !isEmptyDir(ctx, dst)) throw new FsError(Errno.NOTEMPTY, sys, to);

  // Decide everything that depends on the state before the change.
  const whiteoutOld = lowerHas(ctx, rf.dir, rf.name) !== undefined;
  const dstParentMerged = lowerDirOf(ctx, rt.dir) !== undefined;
  const dstWhitedOut = rt.dir.upper !== undefined && hasWhiteout(ctx.upper, rt.dir.path, rt.name);
  const dstLowerName = lowerHas(ctx, rt.dir, rt.name) !== undefined;

  const dd = copyUpDir(ctx, rt.dir.path);
  // An empty target directory: its upper part goes; its lower part is hidden by the opaque result.
  if (dst !== undefined && nodeType(dst) === "dir" && dst.upper !== undefined) {
    ctx.upper.removeTree(dst.path);
    ctx.inodes.forget(dst.upper.id);
  }
  if (dst !== undefined && dst.upper !== undefined && dst.upper.type !== "dir" && dst.upper.nlink <= 1) {
    ctx.inodes.forget(dst.upper.id);
  }
  if (dst !== undefined) ctx.onHidden(dst.path);
  const moved = srcType === "dir" && srcHasLower ? copyUpTree(ctx, src) : copyUp(ctx, src);
  // The old name's whiteout goes in before the move: beside the copied-up object it hides
  // nothing yet (a whiteout never hides its own layer's entry), so a failure at any step
  // leaves either the old view or the new one, never both names visible.
  if (whiteoutOld) writeWhiteout(ctx.upper, parentPath(src.path), rf.name);
  ctx.upper.rename(moved.path, toPath);
  ctx.onMoved(moved.path, toPath); // handles and bookkeeping follow the object (a file too)
  removeWhiteout(ctx.upper, dd.path, rt.name);
  if (srcType === "dir") {
    // The marker and the cleanup are bookkeeping, not visible changes: keep the directory's times
    // (the kernel sets an xattr, which leaves mtime alone).
    const times = upperStat(ctx, toPath);
    if (srcHasLower || dstParentMerged || dstWhitedOut || dstLowerName) makeOpaque(ctx.upper, toPath);
    if (srcHasLower) stripWhiteouts(ctx, toPath);
    ctx.upper.setattr(toPath, { atimeNs: times.atimeNs, mtimeNs: times.mtimeNs });
  }
}

/** Stat of an upper object just written (EIO, not a TypeError, if the layer lost it). */
function upperStat(ctx: CopyUpContext, path: string): EntryStat {
  const st = ctx.upper.stat(path);
  if (st === undefined) throw new FsError(Errno.IO, "rename", "/" + path);
  return st;
}

/** Remove whiteouts below an opaque upper directory: nothing lower is left for them to hide. */
function stripWhiteouts(u: CopyUpContext, top: string): void {
  const stack = [top];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const times = upperStat(u, dir);
    let removed = false;
    for (const raw of u.upper.readdir(dir)) {
      const p = childPath(dir, raw);
      const kind = classifyRawName(raw);
      if (kind === "whiteout") {
        u.upper.unlink(p);
        removed = true;
      } else if (kind === "entry" && u.upper.stat(p)?.type === "dir") stack.push(p);
    }
    if (removed) u.upper.setattr(dir, { atimeNs: times.atimeNs, mtimeNs: times.mtimeNs });
  }
}
