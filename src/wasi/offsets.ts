/**
 * File offsets and sizes from the guest (u64 in the ABI) as safe JS
 * numbers, and the seek / allocate arithmetic, shared by the dispatcher and
 * the browser_wasi_shim adapter.
 */
import { Errno, FsError } from "../core/errno.ts";
import { WHENCE } from "./abi.ts";
import { RIGHTS, requireRights } from "./rights.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** u64 offset/size from the guest as a safe JS number, `errno` if it is larger. */
export function toSafe(v: bigint, errno: number = Errno.FBIG): number {
  const u = BigInt.asUintN(64, v);
  if (u > MAX_SAFE) throw new FsError(errno);
  return Number(u);
}

/** End of an fd_allocate range (EFBIG past the safe range). */
export function allocateEnd(offset: bigint, len: bigint): number {
  const end = toSafe(offset) + toSafe(len);
  if (end > Number.MAX_SAFE_INTEGER) throw new FsError(Errno.FBIG);
  return end;
}

/**
 * First half of fd_seek: EINVAL for a bad whence, then the rights check
 * (lseek(fd, 0, SEEK_CUR) is how wasi-libc implements tell: FD_TELL suffices
 * for it). Returns the signed offset.
 */
export function seekDelta(rightsBase: number, offset: bigint, whence: number): bigint {
  if (whence !== WHENCE.SET && whence !== WHENCE.CUR && whence !== WHENCE.END) throw new FsError(Errno.INVAL);
  const delta = BigInt.asIntN(64, offset);
  const tellOnly = delta === 0n && whence === WHENCE.CUR && (rightsBase & RIGHTS.FD_TELL) !== 0;
  if (!tellOnly) requireRights(rightsBase, RIGHTS.FD_SEEK);
  return delta;
}

/** Second half of fd_seek: the new position (EINVAL before 0, EOVERFLOW past the safe range). */
export function seekTarget(delta: bigint, whence: number, position: number, size: () => number): bigint {
  const base = whence === WHENCE.SET ? 0 : whence === WHENCE.CUR ? position : size();
  const next = BigInt(base) + delta;
  if (next < 0n) throw new FsError(Errno.INVAL);
  if (next > MAX_SAFE) throw new FsError(Errno.OVERFLOW);
  return next;
}
