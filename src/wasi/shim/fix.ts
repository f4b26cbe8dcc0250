/**
 * fixShimWasi(): patch a browser_wasi_shim 0.4.2 `WASI` instance's import
 * object where its dispatcher is wrong or never reaches the Fd:
 *
 * - path_symlink: 0.4.2 always answers NOTSUP; patched to create the symlink
 *   through a union directory Fd (other Fds still answer NOTSUP).
 * - path_rename: 0.4.2 renames by path_unlink + path_link (not atomic, and it
 *   throws a string when relinking fails); patched to one union.rename when
 *   both directory Fds are union directories (EXDEV across unions).
 * - fd_filestat_get / path_filestat_get: 0.4.2's Filestat.write_bytes puts
 *   atim/mtim/ctim at offsets 38/46/52 (overwriting the top of `size`);
 *   patched to write the 64-byte preview1 layout for every Fd.
 * - path_readlink: 0.4.2 fails with EBADF when the buffer is short; readlink(2)
 *   truncates; patched to truncate.
 * - path_link between a union and another filesystem: 0.4.2 hands the union's
 *   object to the other directory, which files it; patched to EXDEV.
 * - fd_read / fd_pread / fd_write / fd_pwrite on a union Fd: 0.4.2 copies
 *   every iovec through a fresh buffer and has no IOV_MAX or MAX_RW_COUNT;
 *   patched to layerfs's iovec gathering and read/write loops (fd-io.ts,
 *   the same code as its own dispatcher), straight into guest memory.
 * - poll_oneoff: 0.4.2 takes one clock subscription only, never writes the
 *   event count and spins for the whole wait; replaced (see poll.ts).
 * - sock_*: 0.4.2 throws a string into the guest; patched to EBADF for a bad fd
 *   and ENOTSOCK otherwise (there are no sockets). proc_raise (also a thrown
 *   string) answers ENOSYS, as layerfs's own dispatcher does.
 * - every other entry: 0.4.2 lets a RangeError from an out-of-bounds pointer
 *   escape into the guest as a trap; wrapped to return EFAULT.
 *
 * Patched entries never throw into the guest: a bad pointer gives EFAULT.
 * One more 0.4.2 pitfall, `new WASI(args, env, fds)` without an options
 * object switching debug logging on, is avoided by createShimWasi() (it always
 * passes `{ debug: false }`).
 */
import type { Fd, WASI } from "@bjorn3/browser_wasi_shim";
import { Errno, errnoOf } from "../../core/errno.ts";
import { writeFilestat } from "../abi.ts";
import type { Iovec } from "../abi.ts";
import { fdReadv, fdWritev, gatherIovecs, guestOffset } from "../fd-io.ts";
import { GuestMemory } from "../guest-memory.ts";
import { UnionDirFd } from "./dir-fd.ts";
import { UnionFileFd } from "./file-fd.ts";
import { pollOneoff } from "./poll.ts";

type Fn = (...args: never[]) => unknown;
/** The parts of a shim WASI instance the patches use (the class's own fields). */
export type ShimWasiLike = Pick<WASI, "fds" | "wasiImport"> & { inst?: { exports: { memory: WebAssembly.Memory } } };

const PATCHED = Symbol.for("layerfs.fixShimWasi");
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The functions fixShimWasi replaces, for documentation and tests. */
export const SHIM_PATCHED_FUNCTIONS = [
  "path_symlink", "path_rename", "fd_filestat_get", "path_filestat_get", "path_readlink", "path_link",
  "fd_read", "fd_pread", "fd_write", "fd_pwrite", "poll_oneoff", "proc_raise", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
] as const;

/**
 * Patch `wasi` in place (idempotent) and return it.
 *
 * @example
 * import { WASI } from "@bjorn3/browser_wasi_shim";
 * const wasi = fixShimWasi(new WASI(args, env, [stdin, stdout, stderr, new UnionPreopen(union, "/")], { debug: false }));
 * wasi.start(await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport }));
 */
export function fixShimWasi<W extends ShimWasiLike>(wasi: W): W {
  const marked = wasi as W & { [PATCHED]?: true };
  if (marked[PATCHED]) return wasi;
  const imp = wasi.wasiImport;
  const original = { ...imp } as Record<string, Fn>;

  // One DataView over guest memory, rebuilt only when memory.grow replaced the buffer.
  const guest = new GuestMemory();
  let attached: WebAssembly.Memory | undefined;
  const view = (): DataView => {
    const m = wasi.inst?.exports.memory;
    if (m === undefined) throw new RangeError("no memory attached yet");
    if (m !== attached) guest.attach((attached = m));
    return guest.view();
  };
  const memory = (): ArrayBuffer => {
    view();
    return guest.buffer;
  };
  const fd = (n: number): Fd | undefined => (wasi.fds as (Fd | undefined)[])[n];
  const str = (ptr: number, len: number): string => decoder.decode(new Uint8Array(memory(), ptr >>> 0, len >>> 0).slice());
  // Like every layerfs entry point: errors become errnos (RangeError from a bad pointer -> EFAULT).
  const safe = <A extends unknown[]>(f: (...a: A) => number) => (...a: A): number => {
    try {
      return f(...a);
    } catch (e) {
      return errnoOf(e);
    }
  };

  imp.path_symlink = safe((oldPtr: number, oldLen: number, dirFd: number, newPtr: number, newLen: number): number => {
    const dir = fd(dirFd);
    if (dir === undefined) return Errno.BADF;
    const target = str(oldPtr, oldLen);
    const path = str(newPtr, newLen);
    if (dir instanceof UnionDirFd) return dir.symlink(target, path);
    return Errno.NOTSUP;
  });

  imp.path_rename = safe((dirFd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number => {
    const a = fd(dirFd), b = fd(newFd);
    if (a === undefined || b === undefined) return Errno.BADF;
    if (a instanceof UnionDirFd && b instanceof UnionDirFd) return a.rename(str(oldPtr, oldLen), b, str(newPtr, newLen), wasi.fds);
    if (a instanceof UnionDirFd || b instanceof UnionDirFd) return Errno.XDEV;
    return original.path_rename!(...([dirFd, oldPtr, oldLen, newFd, newPtr, newLen] as never[])) as number;
  });

  imp.fd_filestat_get = safe((n: number, ptr: number): number => {
    const f = fd(n);
    if (f === undefined) return Errno.BADF;
    const { ret, filestat } = f.fd_filestat_get();
    if (filestat != null) writeFilestat(view(), ptr >>> 0, filestat);
    return ret;
  });

  imp.path_filestat_get = safe((n: number, flags: number, pathPtr: number, pathLen: number, ptr: number): number => {
    const f = fd(n);
    if (f === undefined) return Errno.BADF;
    const { ret, filestat } = f.path_filestat_get(flags, str(pathPtr, pathLen));
    if (filestat != null) writeFilestat(view(), ptr >>> 0, filestat);
    return ret;
  });

  imp.path_readlink = safe((n: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, usedPtr: number): number => {
    const f = fd(n);
    if (f === undefined) return Errno.BADF;
    const dv = view();
    dv.getUint32(usedPtr >>> 0, true); // EFAULT before anything happens
    const out = new Uint8Array(guest.buffer, buf >>> 0, bufLen >>> 0);
    const { ret, data } = f.path_readlink(str(pathPtr, pathLen));
    if (data == null) return ret === Errno.SUCCESS ? Errno.IO : ret;
    const bytes = encoder.encode(data);
    const len = Math.min(bytes.length, out.length);
    out.set(bytes.subarray(0, len));
    dv.setUint32(usedPtr >>> 0, len, true);
    return ret;
  });

  imp.path_link = safe((oldFd: number, flags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number => {
    const a = fd(oldFd), b = fd(newFd);
    if (a === undefined || b === undefined) return Errno.BADF;
    if ((a instanceof UnionDirFd) !== (b instanceof UnionDirFd)) return Errno.XDEV;
    return original.path_link!(...([oldFd, flags, oldPtr, oldLen, newFd, newPtr, newLen] as never[])) as number;
  });

  // Union Fds: iovecs gathered and moved as the dispatcher does (fd-io.ts); other Fds keep the shim's path.
  const scratch: Iovec[] = []; // the iovecs of the call in progress (calls never overlap)
  const io = (name: "fd_read" | "fd_pread" | "fd_write" | "fd_pwrite", positioned: boolean, write: boolean) =>
    safe((n: number, iovsPtr: number, iovsLen: number, a: number | bigint, b?: number): number => {
      const f = fd(n);
      if (!(f instanceof UnionFileFd || f instanceof UnionDirFd)) {
        return original[name]!(...([n, iovsPtr, iovsLen, a, b] as never[])) as number;
      }
      const resultPtr = (positioned ? b : a) as number;
      const dv = view();
      dv.getUint32(resultPtr >>> 0, true); // EFAULT before anything moves
      const iovs = gatherIovecs(dv, iovsPtr, iovsLen, scratch);
      const position = positioned ? guestOffset(a as bigint) : undefined;
      const done = write ? fdWritev(f, guest, iovs, position) : fdReadv(f, guest, iovs, position);
      dv.setUint32(resultPtr >>> 0, done, true);
      return Errno.SUCCESS;
    });
  imp.fd_read = io("fd_read", false, false);
  imp.fd_pread = io("fd_pread", true, false);
  imp.fd_write = io("fd_write", false, true);
  imp.fd_pwrite = io("fd_pwrite", true, true);

  imp.poll_oneoff = safe((inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number =>
    pollOneoff(view(), wasi.fds, inPtr, outPtr, nsubs, neventsPtr));

  const notSocket = (n: number): number => (fd(n) === undefined ? Errno.BADF : Errno.NOTSOCK);
  imp.proc_raise = () => Errno.NOSYS;
  imp.sock_accept = (n: number) => notSocket(n);
  imp.sock_recv = (n: number) => notSocket(n);
  imp.sock_send = (n: number) => notSocket(n);
  imp.sock_shutdown = (n: number) => notSocket(n);

  // Bad pointers in the entries not replaced above: EFAULT instead of a RangeError trap.
  const replaced: ReadonlySet<string> = new Set(SHIM_PATCHED_FUNCTIONS);
  for (const [name, f] of Object.entries(original)) {
    if (replaced.has(name) || typeof f !== "function") continue;
    imp[name] = (...a: unknown[]): unknown => {
      try {
        return (f as (...x: unknown[]) => unknown)(...a);
      } catch (e) {
        if (e instanceof RangeError) return Errno.FAULT;
        throw e; // proc_exit's WASIProcExit, and anything else the shim means to throw
      }
    };
  }

  marked[PATCHED] = true;
  return wasi;
}
