/**
 * The (atim, mtim, fstflags) arguments of fd_filestat_set_times and
 * path_filestat_set_times, validated and turned into the times to set.
 */
import { Errno, FsError } from "../core/errno.ts";
import { nowNs } from "../core/layer.ts";
import { FSTFLAGS, FSTFLAGS_ALL } from "./abi.ts";

/**
 * [atime, mtime] to set (undefined = leave unchanged); EINVAL for unknown
 * flags or a time given both explicitly and as "now".
 */
export function requestedTimes(atim: bigint, mtim: bigint, fst: number): [bigint | undefined, bigint | undefined] {
  if ((fst & ~FSTFLAGS_ALL) !== 0) throw new FsError(Errno.INVAL);
  if ((fst & FSTFLAGS.ATIM) && (fst & FSTFLAGS.ATIM_NOW)) throw new FsError(Errno.INVAL);
  if ((fst & FSTFLAGS.MTIM) && (fst & FSTFLAGS.MTIM_NOW)) throw new FsError(Errno.INVAL);
  const now = (fst & (FSTFLAGS.ATIM_NOW | FSTFLAGS.MTIM_NOW)) ? nowNs() : 0n;
  const a = fst & FSTFLAGS.ATIM ? BigInt.asUintN(64, atim) : fst & FSTFLAGS.ATIM_NOW ? now : undefined;
  const m = fst & FSTFLAGS.MTIM ? BigInt.asUintN(64, mtim) : fst & FSTFLAGS.MTIM_NOW ? now : undefined;
  return [a, m];
}
