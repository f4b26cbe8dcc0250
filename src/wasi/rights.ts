/**
 * WASI rights: bit values, the sets a handle of each kind may hold, and the
 * check every fd call makes. Rights are kept as plain numbers (all 29 bits
 * fit in a double exactly) and widened to u64 only at the ABI edge.
 */
import { Errno, FsError } from "../core/errno.ts";

export const RIGHTS = {
  FD_DATASYNC: 1 << 0,
  FD_READ: 1 << 1,
  FD_SEEK: 1 << 2,
  FD_FDSTAT_SET_FLAGS: 1 << 3,
  FD_SYNC: 1 << 4,
  FD_TELL: 1 << 5,
  FD_WRITE: 1 << 6,
  FD_ADVISE: 1 << 7,
  FD_ALLOCATE: 1 << 8,
  PATH_CREATE_DIRECTORY: 1 << 9,
  PATH_CREATE_FILE: 1 << 10,
  PATH_LINK_SOURCE: 1 << 11,
  PATH_LINK_TARGET: 1 << 12,
  PATH_OPEN: 1 << 13,
  FD_READDIR: 1 << 14,
  PATH_READLINK: 1 << 15,
  PATH_RENAME_SOURCE: 1 << 16,
  PATH_RENAME_TARGET: 1 << 17,
  PATH_FILESTAT_GET: 1 << 18,
  PATH_FILESTAT_SET_SIZE: 1 << 19,
  PATH_FILESTAT_SET_TIMES: 1 << 20,
  FD_FILESTAT_GET: 1 << 21,
  FD_FILESTAT_SET_SIZE: 1 << 22,
  FD_FILESTAT_SET_TIMES: 1 << 23,
  PATH_SYMLINK: 1 << 24,
  PATH_REMOVE_DIRECTORY: 1 << 25,
  PATH_UNLINK_FILE: 1 << 26,
  POLL_FD_READWRITE: 1 << 27,
  SOCK_SHUTDOWN: 1 << 28,
} as const;

/** Every defined right (bits 0..28; SOCK_ACCEPT, bit 29, is a later addition we never grant). */
export const RIGHTS_ALL = (1 << 29) - 1;

const R = RIGHTS;

/** Rights meaningful on a regular file. */
export const FILE_RIGHTS =
  R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL | R.FD_WRITE |
  R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;

/**
 * Rights meaningful on a directory: everything path_* plus readdir, stat and
 * set-times. No FD_READ/FD_WRITE/FD_SEEK/FD_TELL/FD_ALLOCATE/FD_FILESTAT_SET_SIZE
 * (the official suite checks that a directory never reports seek or set-size).
 */
export const DIR_RIGHTS =
  R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR | R.PATH_READLINK |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET | R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE | R.POLL_FD_READWRITE;

/**
 * What a directory hands down: wasi-libc masks every path_open with these
 * and answers access(R_OK/W_OK) from them, so grant all file and dir rights.
 */
export const DIR_INHERITING = DIR_RIGHTS | FILE_RIGHTS;

export const STDIN_RIGHTS =
  R.FD_READ | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;
export const STDOUT_RIGHTS =
  R.FD_WRITE | R.FD_DATASYNC | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_TIMES | R.POLL_FD_READWRITE;

/** Rights whose absence POSIX reports as "not open for that" (EBADF), not as a capability error. */
const EBADF_RIGHTS =
  R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE |
  R.FD_DATASYNC | R.FD_READDIR;

/** u64 from the guest -> our number form (bits above 28 are not rights we know; dropped). */
export function rightsFromU64(v: bigint): number {
  // The low 29 bits of the two's-complement value (= v mod 2^64, masked with RIGHTS_ALL) in one step.
  return Number(BigInt.asUintN(29, v));
}

export function rightsToU64(v: number): bigint {
  return BigInt(v >>> 0);
}

/** Throw unless `held` includes all of `wanted` (EBADF for read/write-like rights, ENOTCAPABLE otherwise). */
export function requireRights(held: number, wanted: number, syscall?: string): void {
  const missing = wanted & ~held;
  if (missing === 0) return;
  throw new FsError((missing & EBADF_RIGHTS) !== 0 ? Errno.BADF : Errno.NOTCAPABLE, syscall);
}

/** fd_fdstat_set_rights: replace `h`'s rights with `base`/`inheriting`, which may only drop rights (ENOTCAPABLE otherwise). */
export function narrowRights(h: { rightsBase: number; rightsInheriting: number }, base: bigint, inheriting: bigint): void {
  const b = BigInt.asUintN(64, base), i = BigInt.asUintN(64, inheriting);
  if ((b & ~rightsToU64(h.rightsBase)) !== 0n || (i & ~rightsToU64(h.rightsInheriting)) !== 0n) {
    throw new FsError(Errno.NOTCAPABLE);
  }
  h.rightsBase = rightsFromU64(b);
  h.rightsInheriting = rightsFromU64(i);
}
