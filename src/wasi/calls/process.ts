/**
 * The calls that are not about files: args and environ, clocks, random,
 * process exit, poll_oneoff, and the socket calls (no sockets exist).
 */
import { Errno, errnoOf } from "../../core/errno.ts";
import { EVENTTYPE } from "../abi.ts";
import { clockNow, clockResolution } from "../clocks.ts";
import { readableBytes } from "../fd-io.ts";
import { pollOneoff } from "../poll.ts";
import type { FdReadiness } from "../poll.ts";
import type { Preview1Calls } from "../preview1.ts";
import { RIGHTS } from "../rights.ts";
import type { Guest } from "./guest.ts";

/** Thrown by proc_exit; the host (run(), WasiHost.start) catches it. */
export class WasiExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`wasi exit ${code}`);
    this.name = "WasiExit";
    this.code = code;
  }
}

/** The errno a call returns for what it threw (FsError -> its errno, RangeError -> EFAULT, else EIO); WasiExit goes on to the host. */
export function callErrno(err: unknown): number {
  if (err instanceof WasiExit) throw err;
  return errnoOf(err);
}

type ProcessCalls = Preview1Calls<
  | "args_get" | "args_sizes_get" | "environ_get" | "environ_sizes_get" | "clock_res_get" | "clock_time_get"
  | "random_get" | "proc_exit" | "proc_raise" | "sched_yield" | "poll_oneoff"
  | "sock_accept" | "sock_recv" | "sock_send" | "sock_shutdown"
>;

/** `args` and `env`: each string NUL-terminated, as args_get/environ_get copy them. */
export function processCalls(g: Guest, args: readonly Uint8Array[], env: readonly Uint8Array[]): ProcessCalls {
  const { fds, memory } = g;

  function writeStrings(list: readonly Uint8Array[], ptrsPtr: number, bufPtr: number): number {
    const view = memory.view();
    const total = list.reduce((n, b) => n + b.length, 0);
    const buf = memory.bytes(bufPtr, total);
    if (list.length > 0) view.getUint32((ptrsPtr >>> 0) + (list.length - 1) * 4, true);
    let off = 0;
    list.forEach((b, i) => {
      view.setUint32((ptrsPtr >>> 0) + i * 4, (bufPtr >>> 0) + off, true);
      buf.set(b, off);
      off += b.length;
    });
    return Errno.SUCCESS;
  }

  function writeSizes(list: readonly Uint8Array[], countPtr: number, sizePtr: number): number {
    const view = memory.view();
    view.getUint32(sizePtr >>> 0, true);
    view.setUint32(countPtr >>> 0, list.length, true);
    view.setUint32(sizePtr >>> 0, list.reduce((n, b) => n + b.length, 0), true);
    return Errno.SUCCESS;
  }

  /** Readiness of one fd subscription: files are always ready, stdin per its source. */
  function fdReadiness(fd: number, type: number): FdReadiness {
    const ev = (error: number, nbytes = 0n): FdReadiness => ({ error, nbytes });
    const h = fds.tryGet(fd >>> 0);
    if (h === undefined) return ev(Errno.BADF);
    if ((h.rightsBase & RIGHTS.POLL_FD_READWRITE) === 0) return ev(Errno.NOTCAPABLE);
    if (h.kind === "dir") return ev(Errno.BADF);
    if (type === EVENTTYPE.FD_READ) {
      if (h.kind === "stdio") {
        if (h.input === undefined) return ev(Errno.BADF);
        return ev(0, BigInt(h.input.available() ?? 0));
      }
      return ev(0, readableBytes(h));
    }
    if (h.kind === "stdio" && h.output === undefined) return ev(Errno.BADF);
    return ev(0);
  }

  /** Sockets: none exist, so EBADF for a bad fd and ENOTSOCK for anything else. */
  function notSocket(fd: number): number {
    fds.get(fd >>> 0);
    return Errno.NOTSOCK;
  }

  return {
    args_get: (argvPtr, bufPtr) => writeStrings(args, argvPtr, bufPtr),
    args_sizes_get: (countPtr, sizePtr) => writeSizes(args, countPtr, sizePtr),
    environ_get: (envPtr, bufPtr) => writeStrings(env, envPtr, bufPtr),
    environ_sizes_get: (countPtr, sizePtr) => writeSizes(env, countPtr, sizePtr),

    clock_res_get(id, resPtr) {
      const res = clockResolution(id);
      memory.view().setBigUint64(resPtr >>> 0, res, true);
      return Errno.SUCCESS;
    },

    clock_time_get(id, _precision, timePtr) {
      const t = clockNow(id);
      memory.view().setBigUint64(timePtr >>> 0, t, true);
      return Errno.SUCCESS;
    },

    random_get(ptr, len) {
      const out = memory.bytes(ptr, len);
      // getRandomValues refuses shared memory and more than 65536 bytes at once.
      const shared = typeof SharedArrayBuffer !== "undefined" && out.buffer instanceof SharedArrayBuffer;
      for (let off = 0; off < out.length; off += 65536) {
        const piece = out.subarray(off, Math.min(out.length, off + 65536));
        if (shared) {
          const tmp = new Uint8Array(piece.length);
          crypto.getRandomValues(tmp);
          piece.set(tmp);
        } else {
          crypto.getRandomValues(piece as Uint8Array<ArrayBuffer>);
        }
      }
      return Errno.SUCCESS;
    },

    proc_exit(code) {
      throw new WasiExit(code >>> 0);
    },
    proc_raise: (_sig) => Errno.NOSYS,
    sched_yield: () => Errno.SUCCESS,

    poll_oneoff: (inPtr, outPtr, nsubs, neventsPtr) =>
      pollOneoff(memory.view(), inPtr, outPtr, nsubs, neventsPtr, fdReadiness),

    sock_accept: (fd, _flags, _fdPtr) => notSocket(fd),
    sock_recv: (fd, _riData, _riLen, _riFlags, _lenPtr, _flagsPtr) => notSocket(fd),
    sock_send: (fd, _siData, _siLen, _siFlags, _lenPtr) => notSocket(fd),
    sock_shutdown: (fd, _how) => notSocket(fd),
  };
}
