/**
 * The data path: fd_read, fd_pread, fd_write, fd_pwrite. Union files and
 * directories go through fd-io.ts (shared with the browser_wasi_shim
 * adapter); stdio reads from its InputSource and writes to its OutputSink.
 * Data moves between guest memory and layer content through views of the
 * memory, no intermediate copy (stdio sinks keep theirs, so they get one).
 */
import { Errno } from "../../core/errno.ts";
import type { Iovec } from "../abi.ts";
import { MAX_RW_COUNT, fdReadOne, fdReadv, fdWritev, gatherIovecs, guestOffset } from "../fd-io.ts";
import type { Descriptor, FdTable } from "../fd-table.ts";
import type { GuestMemory } from "../guest-memory.ts";
import type { Preview1Calls } from "../preview1.ts";
import { RIGHTS, requireRights } from "../rights.ts";
import { fail } from "./guest.ts";
import type { Guest } from "./guest.ts";
import { callErrno } from "./process.ts";

/** Most bytes one stdout/stderr write copies for its sink. */
const MAX_STDIO_WRITE = 16 * 1024 * 1024;

type FdDataCalls = Preview1Calls<"fd_read" | "fd_pread" | "fd_write" | "fd_pwrite">;

/**
 * One guest's data path: its descriptors, its memory, and the iovecs of the
 * call in progress (syscalls never overlap: one array and its objects, no
 * garbage per call).
 */
class DataPath {
  readonly scratch: Iovec[] = [];
  constructor(readonly fds: FdTable, readonly memory: GuestMemory) {}
}

/**
 * The four calls, guarded here (dataCall: an errno for what they throw, as
 * the dispatcher's guard does for the other calls). Module-level functions bound
 * to the guest's DataPath, not closures made per guest: V8 keeps a closure's
 * optimized code only weakly once the closure is gone, so the next guest's
 * closures started in the interpreter again whenever a full GC had run in
 * between (every run after a garbage-heavy neighbour), and recompiled these
 * hot paths in its window: 4/readbig after browser_wasi_shim's run took
 * 10-20 ms more CPU. A module-level function keeps its code; a bound function
 * has none of its own.
 */
export function fdDataCalls(g: Guest): FdDataCalls {
  const s = new DataPath(g.fds, g.memory);
  return {
    fd_read: fdRead.bind(undefined, s),
    fd_pread: fdPread.bind(undefined, s),
    fd_write: fdWrite.bind(undefined, s),
    fd_pwrite: fdPwrite.bind(undefined, s),
  };
}

function fdRead(s: DataPath, fd: number, iovsPtr: number, iovsLen: number, nreadPtr: number): number {
  return iovsLen === 1 ? readOne(s, fd, iovsPtr, undefined, nreadPtr) : dataCall(s, readInto, fd, iovsPtr, iovsLen, undefined, nreadPtr);
}

function fdPread(s: DataPath, fd: number, iovsPtr: number, iovsLen: number, offset: bigint, nreadPtr: number): number {
  return iovsLen === 1 ? readOne(s, fd, iovsPtr, offset, nreadPtr) : dataCall(s, readInto, fd, iovsPtr, iovsLen, offset, nreadPtr);
}

/**
 * A read of one iovec (wasi-libc's read() and pread() pass one) into a file:
 * dataCall's checks in its order (EBADF, EFAULT, EINVAL for the offset) and
 * fdReadv's answer, without the iovec array, its loop and the stdio dispatch.
 * Our JS per 64 KiB read over a bare readSync: 58 -> 29 ns (read-calls eof:100000:65536, 3 runs).
 */
function readOne(s: DataPath, fd: number, iovsPtr: number, offset: bigint | undefined, nreadPtr: number): number {
  try {
    const h = s.fds.get(fd >>> 0);
    if (h.kind !== "file") return done(s, nreadPtr, readInto(s, h, iovecs(s, iovsPtr, 1, nreadPtr), offset === undefined ? undefined : guestOffset(offset)));
    const view = s.memory.view();
    view.getUint32(nreadPtr >>> 0, true);
    const at = iovsPtr >>> 0;
    const len = view.getUint32(at + 4, true); // RangeError (EFAULT) for an iovec outside memory, as readIovecs
    const ptr = view.getUint32(at, true);
    if (ptr + len > s.memory.size) throw new RangeError("iovec outside memory");
    const position = offset === undefined ? undefined : guestOffset(offset);
    return done(s, nreadPtr, fdReadOne(h, s.memory, ptr, Math.min(len, MAX_RW_COUNT), position));
  } catch (err) { return callErrno(err); }
}

function fdWrite(s: DataPath, fd: number, iovsPtr: number, iovsLen: number, nwrittenPtr: number): number {
  return dataCall(s, writeFrom, fd, iovsPtr, iovsLen, undefined, nwrittenPtr);
}

function fdPwrite(s: DataPath, fd: number, iovsPtr: number, iovsLen: number, offset: bigint, nwrittenPtr: number): number {
  return dataCall(s, writeFrom, fd, iovsPtr, iovsLen, offset, nwrittenPtr);
}

type Move = (s: DataPath, h: Descriptor, iovs: Iovec[], position: number | undefined) => number;

/** One data call (`offset` given: positioned): EBADF, then EFAULT, then EINVAL for the offset, before `move` reads or writes anything. */
function dataCall(s: DataPath, move: Move, fd: number, iovsPtr: number, iovsLen: number, offset: bigint | undefined, resultPtr: number): number {
  try {
    const h = s.fds.get(fd >>> 0);
    const iovs = iovecs(s, iovsPtr, iovsLen, resultPtr);
    return done(s, resultPtr, move(s, h, iovs, offset === undefined ? undefined : guestOffset(offset)));
  } catch (err) { return callErrno(err); }
}

/** The iovecs of a read/write call, validated (EFAULT) before anything happens. */
function iovecs(s: DataPath, ptr: number, count: number, resultPtr: number): Iovec[] {
  const view = s.memory.view();
  view.getUint32(resultPtr >>> 0, true);
  return gatherIovecs(view, ptr, count, s.scratch);
}

function readInto(s: DataPath, h: Descriptor, iovs: Iovec[], position: number | undefined): number {
  if (h.kind !== "stdio") return fdReadv(h, s.memory, iovs, position);
  const buffer = s.memory.buffer;
  if (position !== undefined) fail(Errno.SPIPE);
  requireRights(h.rightsBase, RIGHTS.FD_READ);
  if (h.input === undefined) fail(Errno.BADF);
  // One short read ends the call: another read might block for more input.
  let total = 0;
  for (const iov of iovs) {
    if (iov.len === 0) continue;
    const got = h.input.read(new Uint8Array(buffer, iov.ptr, iov.len));
    total += got;
    if (got < iov.len) break;
  }
  return total;
}

function writeFrom(s: DataPath, h: Descriptor, iovs: Iovec[], position: number | undefined): number {
  if (h.kind !== "stdio") return fdWritev(h, s.memory, iovs, position);
  const buffer = s.memory.buffer;
  requireRights(h.rightsBase, RIGHTS.FD_WRITE);
  if (position !== undefined) fail(Errno.SPIPE);
  if (h.output === undefined) fail(Errno.BADF);
  let total = 0;
  for (const iov of iovs) total += iov.len;
  // The sink keeps a copy, so bound it: a larger write is short (wasi-libc loops).
  total = Math.min(total, MAX_STDIO_WRITE);
  const out = new Uint8Array(total); // the sink keeps it: a copy, not a view of memory
  let off = 0;
  for (const iov of iovs) {
    if (off >= total) break;
    const len = Math.min(iov.len, total - off);
    out.set(new Uint8Array(buffer, iov.ptr, len), off);
    off += len;
  }
  if (total > 0) h.output.write(out);
  return total;
}

/** Store the byte count at `resultPtr`: the call succeeded. */
function done(s: DataPath, resultPtr: number, n: number): number {
  s.memory.view().setUint32(resultPtr >>> 0, n, true);
  return Errno.SUCCESS;
}
