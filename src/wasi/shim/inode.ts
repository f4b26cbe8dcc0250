/**
 * What the shim's path_lookup / path_unlink hand to its path_link: a union
 * object by path (the shim 0.4.2 links and renames through these).
 */
import type { Fd, Inode, wasi } from "@bjorn3/browser_wasi_shim";
import { Errno } from "../../core/errno.ts";
import type { Union } from "../../core/union.ts";
import { ShimFilestat } from "./structs.ts";

/** What path_lookup hands the shim's path_link: a union object by path. */
export class UnionInode implements Inode {
  ino: bigint;
  readonly union: Union;
  /** Union path of the object (for a link source: not following a final symlink unless asked). */
  readonly path: string;

  constructor(union: Union, path: string, ino: number) {
    this.union = union;
    this.path = path;
    this.ino = BigInt(ino);
  }
  path_open(): { ret: number; fd_obj: Fd | null } {
    return { ret: Errno.NOTSUP, fd_obj: null };
  }
  stat(): wasi.Filestat {
    return ShimFilestat.fromStat(this.union.lstat(this.path));
  }
}

/**
 * What path_unlink hands the shim's path_rename (0.4.2 renames by unlink +
 * link): nothing is unlinked; the following path_link performs one atomic
 * union rename, and the shim's "link it back" after a failed link is a no-op.
 * fixShimWasi bypasses this entirely; it keeps an unpatched shim correct.
 */
export class PendingRename extends UnionInode {}

