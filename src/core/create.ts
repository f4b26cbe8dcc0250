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

/**
 * Create a name in `dir` with `make(path)`; returns the layer path. A whiteout
 * of the name is looked for before the entry exists (the lookup that found the
 * name free has usually just asked the layer about it, so that answer is
 * cached) and removed after it.
 */
function createIn(ctx: CopyUpContext, dir: Node, name: string, make: (path: string) => void): string {
  // A directory the caller just resolved to an upper one is there already: no walk from the root.
  const d = dir.upper !== undefined ? dir : copyUpDir(ctx, dir.path);
  const path = childPath(d.path, name);
  const whitedOut = hasWhiteout(ctx.upper, d.path, name);
  make(path);
  if (whitedOut) removeWhiteout(ctx.upper, d.path, name);
  return path;
}

export function createFileAt(ctx: CopyUpContext, dir: Node, name: string, attr: NewEntryAttr): string {
  const a = inheritAttr(dir, attr, false);
  return createIn(ctx, dir, name, (p) => ctx.upper.createFile(p, a));
}

/**
 * Create a file and open it (for writing or reading only): one layer call
 * where the upper offers createAndOpen. Returns the layer path and the open file.
 */
export function createOpenFileAt(
  ctx: CopyUpContext, dir: Node, name: string, attr: NewEntryAttr, write: boolean,
): { path: string; file: LayerFile | WritableLayerFile } {
  const a = inheritAttr(dir, attr, false);
  const up = ctx.upper;
  let file: LayerFile | WritableLayerFile | undefined;
  try {
    const path = createIn(ctx, dir, name, (p) => {
      file = up.createAndOpen !== undefined ? up.createAndOpen(p, a, write) : (up.createFile(p, a), undefined);
    });
    file ??= write ? up.openWrite(path) : up.open(path);
    return { path, file };
  } catch (e) {
    file?.close();
    throw e;
  }
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
