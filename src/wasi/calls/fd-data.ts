/**
 * The data path: fd_read, fd_pread, fd_write, fd_pwrite. Union files and
 * directories go through fd-io.ts (shared with the browser_wasi_shim
 * adapter); stdio reads from its InputSource and writes to its OutputSink.
 * Data moves between guest memory and layer content through views of the
 * memory, no intermediate copy (stdio sinks keep theirs, so they get one).
 */
import { Errno } from "../../core/errno.ts";
import type { Iovec } from "../abi.ts";
import { fdReadv, fdWritev, gatherIovecs, guestOffset } from "../fd-io.ts";
import type { Descriptor } from "../fd-table.ts";
import type { Preview1Calls } from "../preview1.ts";
import { RIGHTS, requireRights } from "../rights.ts";
import { fail } from "./guest.ts";
import type { Guest } from "./guest.ts";

/** Most bytes one stdout/stderr write copies for its sink. */
const MAX_STDIO_WRITE = 16 * 1024 * 1024;

type FdDataCalls = Preview1Calls<"fd_read" | "fd_pread" | "fd_write" | "fd_pwrite">;

export function fdDataCalls(g: Guest): FdDataCalls {
  const { fds, memory } = g;

  /** The iovecs of the call in progress (syscalls never overlap: one array and its objects, no garbage per call). */
  const scratch: Iovec[] = [];

  /** The iovecs of a read/write call, validated (EFAULT) before anything happens. */
  function iovecs(ptr: number, count: number, resultPtr: number): Iovec[] {
    const view = memory.view();
    view.getUint32(resultPtr >>> 0, true);
    return gatherIovecs(view, ptr, count, scratch);
  }

  function readInto(h: Descriptor, iovs: Iovec[], position: number | undefined): number {
    if (h.kind !== "stdio") return fdReadv(h, memory, iovs, position);
    const buffer = memory.buffer;
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

  function writeFrom(h: Descriptor, iovs: Iovec[], position: number | undefined): number {
    if (h.kind !== "stdio") return fdWritev(h, memory, iovs, position);
    const buffer = memory.buffer;
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
  function done(resultPtr: number, n: number): number {
    memory.view().setUint32(resultPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  return {
    fd_read: (fd, iovsPtr, iovsLen, nreadPtr) =>
      done(nreadPtr, readInto(fds.get(fd >>> 0), iovecs(iovsPtr, iovsLen, nreadPtr), undefined)),
    fd_pread: (fd, iovsPtr, iovsLen, offset, nreadPtr) =>
      done(nreadPtr, readInto(fds.get(fd >>> 0), iovecs(iovsPtr, iovsLen, nreadPtr), guestOffset(offset))),
    fd_write: (fd, iovsPtr, iovsLen, nwrittenPtr) =>
      done(nwrittenPtr, writeFrom(fds.get(fd >>> 0), iovecs(iovsPtr, iovsLen, nwrittenPtr), undefined)),
    fd_pwrite: (fd, iovsPtr, iovsLen, offset, nwrittenPtr) =>
      done(nwrittenPtr, writeFrom(fds.get(fd >>> 0), iovecs(iovsPtr, iovsLen, nwrittenPtr), guestOffset(offset))),
  };
}
