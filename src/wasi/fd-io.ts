/**
 * Descriptor-level I/O on union files and directories, shared by layerfs's
 * dispatcher and the browser_wasi_shim adapter so the two front-ends give the
 * same answers: iovec gathering (IOV_MAX, the MAX_RW_COUNT clamp, EFAULT),
 * the read/write loops (O_APPEND, SYNC/DSYNC), fd_seek/fd_tell, and the size
 * changes fd_filestat_set_size/fd_allocate. stdio stays with each front-end.
 *
 * Errnos are Linux's: ftruncate(2) on a descriptor not open for writing is
 * EINVAL, fallocate(2)/posix_fallocate(3) on one is EBADF. A handle opened
 * without write rights never copies up (SEMANTICS.md rule 8: opening for
 * writing is the trigger, not a later size change).
 */
import { Errno, FsError } from "../core/errno.ts";
import type { UnionFile } from "../core/union.ts";
import { FDFLAGS, readIovecs } from "./abi.ts";
import type { Iovec } from "./abi.ts";
import { allocateEnd, seekDelta, seekTarget, toSafe } from "./offsets.ts";
import { RIGHTS, requireRights } from "./rights.ts";

/** Most iovecs one call accepts (Linux IOV_MAX; more is EINVAL). */
export const IOV_MAX = 1024;
/** Most bytes one read/write moves (Linux MAX_RW_COUNT); more is a short count. */
export const MAX_RW_COUNT = 0x7ffff000;

/** What both front-ends keep for an open regular file. */
export interface FileFdState {
  readonly kind: "file";
  file: UnionFile;
  position: number;
  rightsBase: number;
  fdflags: number;
}

/** What both front-ends keep for an open directory (as far as these calls care). */
export interface DirFdState {
  readonly kind: "dir";
  rightsBase: number;
}

export type FdState = FileFdState | DirFdState;

/** Throw the errno as an FsError (the syscall table returns it to the guest). */
export function fail(errno: number): never {
  throw new FsError(errno);
}

/**
 * The iovecs of a read/write call at `ptr` in `view`, validated (EFAULT,
 * EINVAL past IOV_MAX) before anything happens. Linux clamps one call to
 * MAX_RW_COUNT bytes (a short count), so the u32 result never wraps.
 */
export function gatherIovecs(view: DataView, ptr: number, count: number, reuse?: Iovec[]): Iovec[] {
  if (count >>> 0 > IOV_MAX) fail(Errno.INVAL);
  const iovs = readIovecs(view, ptr >>> 0, count >>> 0, reuse);
  let room = MAX_RW_COUNT;
  for (let i = 0; i < iovs.length; i++) {
    const iov = iovs[i]!;
    if (iov.len > room) {
      iovs[i] = { ptr: iov.ptr, len: room };
      iovs.length = i + 1;
      break;
    }
    room -= iov.len;
  }
  return iovs;
}

/** Views of the guest's memory (GuestMemory: the last one is kept, so a guest reading into one buffer makes no garbage). */
export interface GuestBytes {
  bytes(ptr: number, len: number): Uint8Array;
}

/** fd_read / fd_pread (`position` given) into `iovs` of guest memory: one read per iovec, a short one ends the call. */
export function fdReadv(h: FdState, memory: GuestBytes, iovs: readonly Iovec[], position: number | undefined): number {
  if (h.kind === "dir") fail(Errno.ISDIR);
  requireRights(h.rightsBase, RIGHTS.FD_READ);
  const start = position ?? h.position;
  let total = 0;
  for (let i = 0; i < iovs.length; i++) {
    const iov = iovs[i]!;
    if (iov.len === 0) continue;
    const got = h.file.read(memory.bytes(iov.ptr, iov.len), start + total);
    total += got;
    if (got < iov.len) break;
  }
  if (position === undefined) h.position = start + total;
  return total;
}

/**
 * fdReadv of one iovec [ptr, ptr+len) (validated, len clamped to MAX_RW_COUNT):
 * the same answers without an iovec array or its loop.
 */
export function fdReadOne(h: FdState, memory: GuestBytes, ptr: number, len: number, position: number | undefined): number {
  if (h.kind === "dir") fail(Errno.ISDIR);
  requireRights(h.rightsBase, RIGHTS.FD_READ);
  const start = position ?? h.position;
  const got = len === 0 ? 0 : h.file.read(memory.bytes(ptr, len), start);
  if (position === undefined) h.position = start + got;
  return got;
}

/** fd_write / fd_pwrite from `iovs` of guest memory. O_APPEND writes (and, as on Linux, pwrites) land at the end. */
export function fdWritev(h: FdState, memory: GuestBytes, iovs: readonly Iovec[], position: number | undefined): number {
  if (h.kind === "dir") fail(Errno.BADF);
  requireRights(h.rightsBase, RIGHTS.FD_WRITE);
  const file = h.file;
  if (!file.writable) fail(Errno.BADF);
  // pwrite on an O_APPEND fd lands at the end too but never moves the offset.
  const start = (h.fdflags & FDFLAGS.APPEND) !== 0 ? sizeOf(file) : position ?? h.position;
  let total = 0;
  for (let i = 0; i < iovs.length; i++) {
    const iov = iovs[i]!;
    if (iov.len === 0) continue;
    try {
      total += file.write(memory.bytes(iov.ptr, iov.len), start + total);
    } catch (e) {
      // Each layer write is whole or nothing (a quota refuses it before writing): after
      // earlier iovecs went in, report them as a short write (POSIX) and the error on the next call.
      // Only a filesystem refusal: anything else is a bug and surfaces.
      if (total === 0 || !(e instanceof FsError)) throw e;
      break;
    }
  }
  if (position === undefined) h.position = start + total;
  if (h.fdflags & (FDFLAGS.SYNC | FDFLAGS.DSYNC)) file.sync();
  return total;
}

/** The file's size: a layer file that tracks its own (a host upper's) answers with no host call. */
function sizeOf(file: UnionFile): number {
  return file.sizeNow !== undefined ? file.sizeNow() : file.stat().size;
}

/** fdReadv into one buffer (the shim's per-iovec Fd.fd_read / fd_pread). */
export function fdRead(h: FdState, into: Uint8Array, position: number | undefined): number {
  return fdReadOne(h, { bytes: () => into }, 0, into.length, position);
}

/** fdWritev from one buffer (the shim's Fd.fd_write / fd_pwrite). */
export function fdWrite(h: FdState, data: Uint8Array, position: number | undefined): number {
  return fdWritev(h, { bytes: () => data }, [{ ptr: 0, len: data.length }], position);
}

const MAX_SAFE_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A guest pread/pwrite offset (EINVAL past the safe range, as a negative
 * offset is on Linux). The i64 is compared as it comes: toSafe's
 * BigInt.asUintN made a BigInt on every call (40 B per fd_pread).
 */
export function guestOffset(offset: bigint): number {
  if (offset < 0n || offset > MAX_SAFE_OFFSET) throw new FsError(Errno.INVAL);
  return Number(offset);
}

/** fd_filestat_set_size: EISDIR for a directory, EINVAL unless open for writing (ftruncate). */
export function fdSetSize(h: FdState, size: bigint): void {
  if (h.kind === "dir") fail(Errno.ISDIR);
  requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_SET_SIZE);
  const n = toSafe(size);
  if (!h.file.writable) fail(Errno.INVAL);
  h.file.truncate(n);
}

/** fd_allocate: grow the file to cover [offset, offset+len); EBADF unless open for writing (fallocate). */
export function fdAllocate(h: FdState, offset: bigint, len: bigint): void {
  requireRights(h.rightsBase, RIGHTS.FD_ALLOCATE);
  if (h.kind === "dir" || !h.file.writable) fail(Errno.BADF);
  const end = allocateEnd(offset, len);
  if (end > sizeOf(h.file)) h.file.truncate(end);
}

/** fd_seek: the new offset (EINVAL for a bad whence or before 0; EBADF on a directory). */
export function fdSeek(h: FdState, offset: bigint, whence: number): bigint {
  const delta = seekDelta(h.rightsBase, offset, whence);
  if (h.kind === "dir") fail(Errno.BADF);
  const file = h.file;
  const next = seekTarget(delta, whence, h.position, () => sizeOf(file));
  h.position = Number(next);
  return next;
}

/** fd_tell. */
export function fdTell(h: FdState): bigint {
  requireRights(h.rightsBase, RIGHTS.FD_TELL);
  if (h.kind === "dir") fail(Errno.BADF);
  return BigInt(h.position);
}

/** For poll_oneoff: bytes a read from the current offset would return now. */
export function readableBytes(h: FileFdState): bigint {
  return BigInt(Math.max(0, sizeOf(h.file) - h.position));
}
