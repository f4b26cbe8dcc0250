/**
 * Removing a name (rules 5 and 6): the upper object goes; if a lower layer
 * still shows the name, a whiteout takes its place. A merged directory that is
 * empty in the merged view collapses to one whiteout (its upper copy and the
 * whiteouts in it are removed).
 */
import { copyUpDir } from "./copy-up.ts";
import type { CopyUpContext } from "./copy-up.ts";
import { lowerHas } from "./lookup.ts";
import type { UnionNode } from "./lookup.ts";
import type { QuotaLayer } from "./quota.ts";
import { writeWhiteout } from "./whiteout.ts";

/** Remove `node` (named `name` in directory `dir`); emptiness was checked by the caller. */
export function removeAt(ctx: CopyUpContext & { readonly upper: QuotaLayer; onHidden(path: string): void }, dir: UnionNode, name: string, node: UnionNode): void {
  const needWhiteout = lowerHas(ctx, dir, name) !== undefined;
  const d = needWhiteout && dir.upper === undefined ? copyUpDir(ctx, dir.path) : dir;
  // Whiteout first: a whiteout never hides an entry of its own layer, so until the
  // upper object goes the view is unchanged, and a failure in between (a full disk)
  // can never let the lower copy resurface.
  if (needWhiteout) writeWhiteout(ctx.upper, d.path, name);
  const us = node.upper;
  if (us !== undefined) {
    if (us.type === "dir") {
      ctx.upper.removeTree(node.path);
      ctx.inodes.forget(us.id);
    } else {
      // The quota layer frees the bytes of the object just looked up (`us`), with no second stat.
      ctx.upper.unlinkSeen(node.path, us);
      if (us.nlink <= 1) ctx.inodes.forget(us.id);
    }
  }
  ctx.onHidden(node.path);
}
