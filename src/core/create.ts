/**
 * Creating names in a merged directory: the parent chain is copied up first,
 * and a whiteout of the same name is replaced. mkdir over a whiteout (or over
 * any name a lower layer still holds) makes an opaque directory (rule 7).
 */
import { childPath } from "./layer.ts";
import type { NewEntryAttr } from "./layer.ts";
import { copyUpDir } from "./copy-up.ts";
import type { CopyUpContext } from "./copy-up.ts";
import { lowerHas, nodeStat } from "./lookup.ts";
import type { Node } from "./lookup.ts";
import { hasWhiteout, makeOpaque, removeWhiteout } from "./whiteout.ts";

const S_ISGID = 0o2000;

/**
 * Owner of a new entry (Linux, as root): in a set-group-ID directory it takes
 * the directory's group, and a new directory also inherits the set-group-ID bit.
 */
export function inheritAttr(dir: Node, attr: NewEntryAttr, isDir: boolean): NewEntryAttr {
  const ds = nodeStat(dir);
  if ((ds.mode & S_ISGID) === 0) return attr;
  return { ...attr, gid: ds.gid, mode: isDir ? attr.mode | S_ISGID : attr.mode };
}

/** Create a name in `dir` with `make(path)`; returns the layer path. */
function createIn(ctx: CopyUpContext, dir: Node, name: string, make: (path: string) => void): string {
  const d = copyUpDir(ctx, dir.path);
  const path = childPath(d.path, name);
  make(path);
  removeWhiteout(ctx.upper, d.path, name);
  return path;
}

export function createFileAt(ctx: CopyUpContext, dir: Node, name: string, attr: NewEntryAttr): string {
  const a = inheritAttr(dir, attr, false);
  return createIn(ctx, dir, name, (p) => ctx.upper.createFile(p, a));
}

export function symlinkAt(ctx: CopyUpContext, dir: Node, name: string, target: string): string {
  const a = inheritAttr(dir, { mode: 0o777 }, false);
  return createIn(ctx, dir, name, (p) => ctx.upper.symlink(p, target, a));
}

/** Hard link: `existing` is a layer path already in the upper. */
export function linkAt(ctx: CopyUpContext, existing: string, dir: Node, name: string): string {
  return createIn(ctx, dir, name, (p) => ctx.upper.link(existing, p));
}

export function mkdirAt(ctx: CopyUpContext, dir: Node, name: string, attr: NewEntryAttr): string {
  const opaque = lowerHas(ctx, dir, name) !== undefined ||
    (dir.upper !== undefined && hasWhiteout(ctx.upper, dir.path, name));
  const a = inheritAttr(dir, attr, true);
  return createIn(ctx, dir, name, (p) => {
    ctx.upper.mkdir(p, a);
    if (opaque) makeOpaque(ctx.upper, p);
  });
}
