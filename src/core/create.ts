/**
 * Creating names in a merged directory: the parent chain is copied up first,
 * and a whiteout of the same name is replaced. mkdir over a whiteout (or over
 * any name a lower layer still holds) makes an opaque directory (rule 7).
 */
import { childPath } from "./layer.ts";
import type { LayerFile, NewEntryAttr, WritableLayerFile } from "./layer.ts";
import { copyUpDir } from "./copy-up.ts";
import type { CopyUpContext } from "./copy-up.ts";
import { lowerHas, nodeStat } from "./lookup.ts";
import type { UnionNode } from "./lookup.ts";
import { hasWhiteout, makeOpaque, removeWhiteout } from "./whiteout.ts";

const S_ISGID = 0o2000;

/**
 * Owner of a new entry (Linux, as root): in a set-group-ID directory it takes
 * the directory's group, and a new directory also inherits the set-group-ID bit.
 */
function inheritAttr(dir: UnionNode, attr: NewEntryAttr, isDir: boolean): NewEntryAttr {
  const ds = nodeStat(dir);
  if ((ds.mode & S_ISGID) === 0) return attr;
  return { ...attr, gid: ds.gid, mode: isDir ? attr.mode | S_ISGID : attr.mode };
}

/** Where a new name goes: its upper directory (copied up first), its layer path, and whether a whiteout of it is there. */
interface Target {
  readonly dir: string;
  readonly path: string;
  readonly whitedOut: boolean;
}

/**
 * The whiteout of the name is looked for before the entry exists (the lookup
 * that found the name free has usually just asked the layer about it, so that
 * answer is cached) and removed after it (`finish`).
 */
function placeFor(ctx: CopyUpContext, dir: UnionNode, name: string): Target {
  // A directory the caller just resolved to an upper one is there already: no walk from the root.
  const d = dir.upper !== undefined ? dir : copyUpDir(ctx, dir.path);
  return { dir: d.path, path: childPath(d.path, name), whitedOut: hasWhiteout(ctx.upper, d.path, name) };
}

function finish(ctx: CopyUpContext, t: Target, name: string): void {
  if (t.whitedOut) removeWhiteout(ctx.upper, t.dir, name);
}

/** Create a name in `dir` with `make(path)`; returns the layer path. */
function createIn(ctx: CopyUpContext, dir: UnionNode, name: string, make: (path: string) => void): string {
  const t = placeFor(ctx, dir, name);
  make(t.path);
  finish(ctx, t, name);
  return t.path;
}

/**
 * Create a file and open it (for writing or reading only): one layer call
 * where the upper offers createAndOpen. Returns the layer path and the open file.
 */
export function createOpenFileAt(
  ctx: CopyUpContext, dir: UnionNode, name: string, attr: NewEntryAttr, write: boolean,
): { path: string; file: LayerFile | WritableLayerFile } {
  const a = inheritAttr(dir, attr, false);
  const up = ctx.upper;
  const t = placeFor(ctx, dir, name);
  let file: LayerFile | WritableLayerFile | undefined;
  try {
    if (up.createAndOpen !== undefined) file = up.createAndOpen(t.path, a, write);
    else up.createFile(t.path, a);
    finish(ctx, t, name);
    file ??= write ? up.openWrite(t.path) : up.open(t.path);
    return { path: t.path, file };
  } catch (e) {
    file?.close();
    throw e;
  }
}

export function symlinkAt(ctx: CopyUpContext, dir: UnionNode, name: string, target: string): string {
  const a = inheritAttr(dir, { mode: 0o777 }, false);
  return createIn(ctx, dir, name, (p) => ctx.upper.symlink(p, target, a));
}

/** Hard link: `existing` is a layer path already in the upper. */
export function linkAt(ctx: CopyUpContext, existing: string, dir: UnionNode, name: string): string {
  return createIn(ctx, dir, name, (p) => ctx.upper.link(existing, p));
}

export function mkdirAt(ctx: CopyUpContext, dir: UnionNode, name: string, attr: NewEntryAttr): string {
  const opaque = lowerHas(ctx, dir, name) !== undefined ||
    (dir.upper !== undefined && hasWhiteout(ctx.upper, dir.path, name));
  const a = inheritAttr(dir, attr, true);
  return createIn(ctx, dir, name, (p) => {
    ctx.upper.mkdir(p, a);
    if (opaque) makeOpaque(ctx.upper, p);
  });
}
