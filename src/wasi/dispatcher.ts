/**
 * The wasi_snapshot_preview1 syscall table over a Union.
 *
 * Every entry point returns an errno and never throws into the guest
 * (FsError -> its errno, RangeError from a bad pointer -> EFAULT, anything
 * else -> EIO), except proc_exit, which throws WasiExit for the host to catch.
 * Data moves between wasm memory and layer content through views of the
 * memory (no intermediate copy); views are rebuilt when memory grows.
 */
import { Errno, FsError, errnoOf } from "../core/errno.ts";
import type { Stat, Union } from "../core/union.ts";
import {
  ADVICE_MAX, DIRENT_SIZE, EVENTTYPE, FDFLAGS_ALL, FILESTAT_SIZE, FILETYPE, LOOKUPFLAGS, LOOKUPFLAGS_ALL,
  encodeDirent, writeDirentHeader, writeFdstat, writeFilestat, writePrestat,
} from "./abi.ts";
import type { Iovec } from "./abi.ts";
import { clockNow, clockResolution } from "./clocks.ts";
import { FdTable } from "./fd-table.ts";
import type { DirHandle, FileHandle, Handle, StdioHandle } from "./fd-table.ts";
import { CHARACTER_DEVICE_FILESTAT, filetypeOf } from "./filestat.ts";
import { toSafe } from "./offsets.ts";
import { fdAllocate, fdReadv, fdSeek, fdSetSize, fdTell, fdWritev, gatherIovecs, guestOffset, readableBytes } from "./fd-io.ts";
import { openAt, parseOpenFlags, requireOpenRights } from "./open.ts";
import { decodeGuestPath, lastComponent, refuseAbsoluteTarget, refuseDotLast, resolveUnder } from "./paths.ts";
import { pollOneoff } from "./poll.ts";
import type { FdReadiness } from "./poll.ts";
import { listingFor } from "./readdir.ts";
import { afterMove, renameTracked } from "./rename.ts";
import {
  DIR_INHERITING, DIR_RIGHTS, RIGHTS, STDIN_RIGHTS, STDOUT_RIGHTS, narrowRights, requireRights, rightsToU64,
} from "./rights.ts";
import type { InputSource, OutputSink } from "./stdio.ts";
import { requestedTimes } from "./times.ts";

/** Thrown by proc_exit; the host (run(), WasiHost.start) catches it. */
export class WasiExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`wasi exit ${code}`);
    this.name = "WasiExit";
    this.code = code;
  }
}

/** A directory made visible to the guest under `name` (e.g. "/"), rooted at `path` of `union`. */
export interface Preopen {
  name: string;
  union: Union;
  /** Absolute union path of the directory ("/" for the union root). */
  path: string;
}

export interface DispatcherOptions {
  /** argv including argv[0]. */
  args: readonly string[];
  /** "KEY=value" strings. */
  env: readonly string[];
  stdin: InputSource;
  stdout: OutputSink;
  stderr: OutputSink;
  /** In fd order from 3. */
  preopens: readonly Preopen[];
  /** Errno for a path argument that leaves its directory fd (default ENOTCAPABLE; the official suite also accepts EPERM). */
  escapeErrno?: number;
  /** Let path_symlink store absolute targets (default false: EPERM, the WASI filesystem spec's answer). */
  allowAbsoluteSymlinks?: boolean;
}

type Fn = (...args: never[]) => number;

const encoder = new TextEncoder();

/** Most bytes one stdout/stderr write copies for its sink. */
const MAX_STDIO_WRITE = 16 * 1024 * 1024;

function fail(errno: number): never {
  throw new FsError(errno);
}

export class Dispatcher {
  readonly fds = new FdTable();
  /** The wasm function table, keyed by preview1 name. */
  readonly imports: Record<string, Fn>;

  private memory: WebAssembly.Memory | undefined;
  private buffer: ArrayBufferLike | undefined;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private readonly argBytes: Uint8Array[];
  private readonly envBytes: Uint8Array[];
  private readonly escapeErrno: number;
  private readonly allowAbsoluteSymlinks: boolean;

  constructor(options: DispatcherOptions) {
    this.argBytes = options.args.map((a) => encoder.encode(a + "\0"));
    this.envBytes = options.env.map((e) => encoder.encode(e + "\0"));
    this.escapeErrno = options.escapeErrno ?? Errno.NOTCAPABLE;
    this.allowAbsoluteSymlinks = options.allowAbsoluteSymlinks === true;
    const stdio = (input: InputSource | undefined, output: OutputSink | undefined, rights: number): StdioHandle =>
      ({ kind: "stdio", input, output, rightsBase: rights, rightsInheriting: 0, fdflags: 0 });
    this.fds.set(0, stdio(options.stdin, undefined, STDIN_RIGHTS));
    this.fds.set(1, stdio(undefined, options.stdout, STDOUT_RIGHTS));
    this.fds.set(2, stdio(undefined, options.stderr, STDOUT_RIGHTS));
    let fd = 3;
    for (const p of options.preopens) {
      const h: DirHandle = {
        kind: "dir", union: p.union, path: p.path, file: undefined, preopen: encoder.encode(p.name),
        listing: undefined, rightsBase: DIR_RIGHTS, rightsInheriting: DIR_INHERITING, fdflags: 0,
      };
      this.fds.set(fd++, h);
    }
    this.imports = this.buildImports();
  }

  /** Attach the guest's memory (done by WasiHost.start/initialize; tests may pass their own). */
  setMemory(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.buffer = undefined;
  }

  // ---- memory access ----

  /** Current DataView over memory, rebuilt after memory.grow replaced the buffer. */
  private view(): DataView {
    const m = this.memory;
    if (m === undefined) throw new FsError(Errno.FAULT, undefined, undefined, "no memory attached");
    if (m.buffer !== this.buffer) {
      this.buffer = m.buffer;
      this.dv = new DataView(m.buffer);
    }
    return this.dv;
  }

  /** A view of guest memory [ptr, ptr+len) (RangeError -> EFAULT when outside). */
  private bytes(ptr: number, len: number): Uint8Array {
    this.view();
    return new Uint8Array(this.buffer as ArrayBuffer, ptr >>> 0, len >>> 0);
  }

  private path(ptr: number, len: number): string {
    return decodeGuestPath(this.bytes(ptr, len));
  }

  // ---- handles ----

  private dirHandle(fd: number): DirHandle {
    const h = this.fds.get(fd >>> 0);
    if (h.kind !== "dir") fail(Errno.NOTDIR);
    return h;
  }

  /** Resolve a path argument against dir fd `fd`, checking `rights` on it. */
  private at(fd: number, ptr: number, len: number, rights: number): { dir: DirHandle; rel: string; full: string } {
    const dir = this.dirHandle(fd);
    requireRights(dir.rightsBase, rights);
    const rel = this.path(ptr, len);
    return { dir, rel, full: resolveUnder(dir.path, rel, this.escapeErrno) };
  }

  private statOf(h: FileHandle | DirHandle): Stat {
    return h.file !== undefined ? h.file.stat() : h.union.stat(h.path);
  }

  // ---- the table ----

  private buildImports(): Record<string, Fn> {
    const table: Record<string, Fn> = {};
    const impl = this.syscalls();
    type Any = (...args: unknown[]) => number;
    for (const [name, fn] of Object.entries(impl)) {
      const f = (fn as Any).bind(this);
      // Fixed arity (preview1 calls take at most 9 arguments): no rest-array allocation per call.
      table[name] = ((a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown, i: unknown, j: unknown) => {
        try {
          return f(a, b, c, d, e, g, h, i, j);
        } catch (err) {
          if (err instanceof WasiExit) throw err;
          return errnoOf(err);
        }
      }) as unknown as Fn;
    }
    return table;
  }

  private syscalls(): Record<string, (...args: never[]) => number> {
    // Methods below take guest values exactly as wasm passes them: i32 as number, i64 as bigint.
    return {
      args_get: this.args_get, args_sizes_get: this.args_sizes_get,
      environ_get: this.environ_get, environ_sizes_get: this.environ_sizes_get,
      clock_res_get: this.clock_res_get, clock_time_get: this.clock_time_get,
      fd_advise: this.fd_advise, fd_allocate: this.fd_allocate, fd_close: this.fd_close,
      fd_datasync: this.fd_datasync, fd_fdstat_get: this.fd_fdstat_get,
      fd_fdstat_set_flags: this.fd_fdstat_set_flags, fd_fdstat_set_rights: this.fd_fdstat_set_rights,
      fd_filestat_get: this.fd_filestat_get, fd_filestat_set_size: this.fd_filestat_set_size,
      fd_filestat_set_times: this.fd_filestat_set_times, fd_pread: this.fd_pread,
      fd_prestat_get: this.fd_prestat_get, fd_prestat_dir_name: this.fd_prestat_dir_name,
      fd_pwrite: this.fd_pwrite, fd_read: this.fd_read, fd_readdir: this.fd_readdir,
      fd_renumber: this.fd_renumber, fd_seek: this.fd_seek, fd_sync: this.fd_sync, fd_tell: this.fd_tell,
      fd_write: this.fd_write,
      path_create_directory: this.path_create_directory, path_filestat_get: this.path_filestat_get,
      path_filestat_set_times: this.path_filestat_set_times, path_link: this.path_link,
      path_open: this.path_open, path_readlink: this.path_readlink,
      path_remove_directory: this.path_remove_directory, path_rename: this.path_rename,
      path_symlink: this.path_symlink, path_unlink_file: this.path_unlink_file,
      poll_oneoff: this.poll_oneoff, proc_exit: this.proc_exit, proc_raise: this.proc_raise,
      sched_yield: this.sched_yield, random_get: this.random_get,
      sock_accept: this.sock_accept, sock_recv: this.sock_recv, sock_send: this.sock_send,
      sock_shutdown: this.sock_shutdown,
    } as Record<string, (...args: never[]) => number>;
  }

  // ---- args / environ ----

  private writeStrings(list: Uint8Array[], ptrsPtr: number, bufPtr: number): number {
    const view = this.view();
    const total = list.reduce((n, b) => n + b.length, 0);
    const buf = this.bytes(bufPtr, total);
    if (list.length > 0) view.getUint32((ptrsPtr >>> 0) + (list.length - 1) * 4, true);
    let off = 0;
    list.forEach((b, i) => {
      view.setUint32((ptrsPtr >>> 0) + i * 4, (bufPtr >>> 0) + off, true);
      buf.set(b, off);
      off += b.length;
    });
    return Errno.SUCCESS;
  }

  private writeSizes(list: Uint8Array[], countPtr: number, sizePtr: number): number {
    const view = this.view();
    view.getUint32(sizePtr >>> 0, true);
    view.setUint32(countPtr >>> 0, list.length, true);
    view.setUint32(sizePtr >>> 0, list.reduce((n, b) => n + b.length, 0), true);
    return Errno.SUCCESS;
  }

  args_get(argvPtr: number, bufPtr: number): number {
    return this.writeStrings(this.argBytes, argvPtr, bufPtr);
  }
  args_sizes_get(countPtr: number, sizePtr: number): number {
    return this.writeSizes(this.argBytes, countPtr, sizePtr);
  }
  environ_get(envPtr: number, bufPtr: number): number {
    return this.writeStrings(this.envBytes, envPtr, bufPtr);
  }
  environ_sizes_get(countPtr: number, sizePtr: number): number {
    return this.writeSizes(this.envBytes, countPtr, sizePtr);
  }

  // ---- clocks, random, process ----

  clock_res_get(id: number, resPtr: number): number {
    const res = clockResolution(id);
    this.view().setBigUint64(resPtr >>> 0, res, true);
    return Errno.SUCCESS;
  }

  clock_time_get(id: number, _precision: bigint, timePtr: number): number {
    const t = clockNow(id);
    this.view().setBigUint64(timePtr >>> 0, t, true);
    return Errno.SUCCESS;
  }

  random_get(ptr: number, len: number): number {
    const out = this.bytes(ptr, len);
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
  }

  proc_exit(code: number): number {
    throw new WasiExit(code >>> 0);
  }

  proc_raise(_sig: number): number {
    return Errno.NOSYS;
  }

  sched_yield(): number {
    return Errno.SUCCESS;
  }

  // ---- fd_* ----

  fd_advise(fd: number, offset: bigint, len: bigint, advice: number): number {
    const h = this.fds.get(fd >>> 0);
    if (advice >>> 0 > ADVICE_MAX) fail(Errno.INVAL);
    if (h.kind === "stdio") fail(Errno.SPIPE);
    requireRights(h.rightsBase, RIGHTS.FD_ADVISE);
    toSafe(offset, Errno.INVAL);
    toSafe(len, Errno.INVAL);
    return Errno.SUCCESS; // advice only: nothing to do for an in-memory union
  }

  fd_allocate(fd: number, offset: bigint, len: bigint): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind === "stdio") fail(Errno.SPIPE);
    fdAllocate(h, offset, len);
    return Errno.SUCCESS;
  }

  fd_close(fd: number): number {
    const h = this.fds.remove(fd >>> 0);
    if (h.kind !== "stdio") h.file?.close();
    return Errno.SUCCESS;
  }

  fd_datasync(fd: number): number {
    const h = this.fds.get(fd >>> 0);
    // fdatasync on a read-only descriptor is legal POSIX; wasi-libc grants FD_SYNC there, not FD_DATASYNC.
    if ((h.rightsBase & (RIGHTS.FD_DATASYNC | RIGHTS.FD_SYNC)) === 0) requireRights(h.rightsBase, RIGHTS.FD_DATASYNC);
    if (h.kind === "file") h.file.sync();
    return Errno.SUCCESS;
  }

  fd_sync(fd: number): number {
    const h = this.fds.get(fd >>> 0);
    requireRights(h.rightsBase, RIGHTS.FD_SYNC);
    if (h.kind === "file") h.file.sync();
    return Errno.SUCCESS;
  }

  fd_fdstat_get(fd: number, ptr: number): number {
    const h = this.fds.get(fd >>> 0);
    const filetype = h.kind === "file" ? FILETYPE.REGULAR_FILE : h.kind === "dir" ? FILETYPE.DIRECTORY
      : FILETYPE.CHARACTER_DEVICE;
    writeFdstat(this.view(), ptr >>> 0, {
      filetype, flags: h.fdflags, rightsBase: rightsToU64(h.rightsBase), rightsInheriting: rightsToU64(h.rightsInheriting),
    });
    return Errno.SUCCESS;
  }

  fd_fdstat_set_flags(fd: number, flags: number): number {
    const h = this.fds.get(fd >>> 0);
    if ((flags & ~FDFLAGS_ALL) !== 0) fail(Errno.INVAL);
    requireRights(h.rightsBase, RIGHTS.FD_FDSTAT_SET_FLAGS);
    h.fdflags = flags & FDFLAGS_ALL;
    return Errno.SUCCESS;
  }

  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): number {
    narrowRights(this.fds.get(fd >>> 0), base, inheriting);
    return Errno.SUCCESS;
  }

  fd_filestat_get(fd: number, ptr: number): number {
    const h = this.fds.get(fd >>> 0);
    requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_GET);
    const view = this.view();
    if (h.kind === "stdio") {
      writeFilestat(view, ptr >>> 0, CHARACTER_DEVICE_FILESTAT);
    } else {
      view.getUint8((ptr >>> 0) + FILESTAT_SIZE - 1);
      writeStat(view, ptr >>> 0, this.statOf(h));
    }
    return Errno.SUCCESS;
  }

  fd_filestat_set_size(fd: number, size: bigint): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind === "stdio") {
      requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_SET_SIZE);
      fail(Errno.INVAL); // ftruncate on a character device
    }
    fdSetSize(h, size);
    return Errno.SUCCESS;
  }

  fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fst: number): number {
    const h = this.fds.get(fd >>> 0);
    const [a, m] = requestedTimes(atim, mtim, fst);
    requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_SET_TIMES);
    if (h.kind === "stdio") return Errno.SUCCESS;
    if (a === undefined && m === undefined) return Errno.SUCCESS;
    if (h.file !== undefined) h.file.setTimes(a, m);
    else h.union.setTimes(h.path, a, m, true);
    return Errno.SUCCESS;
  }

  /** The iovecs of a read/write call, validated (EFAULT) before anything happens. */
  private iovecs(ptr: number, count: number, resultPtr: number): Iovec[] {
    const view = this.view();
    view.getUint32(resultPtr >>> 0, true);
    return gatherIovecs(view, ptr, count);
  }

  private readInto(h: Handle, iovs: Iovec[], position: number | undefined): number {
    const buffer = this.buffer as ArrayBuffer;
    if (h.kind !== "stdio") return fdReadv(h, buffer, iovs, position);
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

  private writeFrom(h: Handle, iovs: Iovec[], position: number | undefined): number {
    const buffer = this.buffer as ArrayBuffer;
    if (h.kind !== "stdio") return fdWritev(h, buffer, iovs, position);
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

  fd_read(fd: number, iovsPtr: number, iovsLen: number, nreadPtr: number): number {
    const h = this.fds.get(fd >>> 0);
    const iovs = this.iovecs(iovsPtr, iovsLen, nreadPtr);
    const n = this.readInto(h, iovs, undefined);
    this.view().setUint32(nreadPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  fd_pread(fd: number, iovsPtr: number, iovsLen: number, offset: bigint, nreadPtr: number): number {
    const h = this.fds.get(fd >>> 0);
    const iovs = this.iovecs(iovsPtr, iovsLen, nreadPtr);
    const n = this.readInto(h, iovs, guestOffset(offset));
    this.view().setUint32(nreadPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  fd_write(fd: number, iovsPtr: number, iovsLen: number, nwrittenPtr: number): number {
    const h = this.fds.get(fd >>> 0);
    const iovs = this.iovecs(iovsPtr, iovsLen, nwrittenPtr);
    const n = this.writeFrom(h, iovs, undefined);
    this.view().setUint32(nwrittenPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  fd_pwrite(fd: number, iovsPtr: number, iovsLen: number, offset: bigint, nwrittenPtr: number): number {
    const h = this.fds.get(fd >>> 0);
    const iovs = this.iovecs(iovsPtr, iovsLen, nwrittenPtr);
    const n = this.writeFrom(h, iovs, guestOffset(offset));
    this.view().setUint32(nwrittenPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  fd_prestat_get(fd: number, ptr: number): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind !== "dir" || h.preopen === undefined) fail(Errno.BADF);
    writePrestat(this.view(), ptr >>> 0, h.preopen.length);
    return Errno.SUCCESS;
  }

  fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind !== "dir" || h.preopen === undefined) fail(Errno.BADF);
    if (len >>> 0 < h.preopen.length) fail(Errno.NAMETOOLONG);
    this.bytes(ptr, h.preopen.length).set(h.preopen);
    return Errno.SUCCESS;
  }

  fd_readdir(fd: number, bufPtr: number, bufLen: number, cookie: bigint, bufusedPtr: number): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind !== "dir") fail(h.kind === "file" ? Errno.NOTDIR : Errno.BADF);
    requireRights(h.rightsBase, RIGHTS.FD_READDIR);
    const view = this.view();
    view.getUint32(bufusedPtr >>> 0, true);
    const out = this.bytes(bufPtr, bufLen);
    const c = BigInt.asUintN(64, cookie);
    // Cookie 0 (re)starts: snapshot the sorted listing so deletions during iteration never skip or repeat.
    h.listing = listingFor(c, h.listing, h);
    const entries = h.listing.entries;
    let used = 0;
    const base = bufPtr >>> 0;
    for (let i = c > BigInt(entries.length) ? entries.length : Number(c); i < entries.length; i++) {
      const e = entries[i]!;
      if (used + DIRENT_SIZE + e.name.length <= out.length) {
        // Fits whole: write straight into guest memory (no temporary dirent buffer per entry).
        writeDirentHeader(view, base + used, BigInt(i + 1), e.ino, e.name.length, e.type);
        out.set(e.name, used + DIRENT_SIZE);
        used += DIRENT_SIZE + e.name.length;
        continue;
      }
      const enc = encodeDirent(BigInt(i + 1), e.ino, e.name, e.type);
      const n = Math.min(enc.length, out.length - used);
      out.set(n === enc.length ? enc : enc.subarray(0, n), used);
      used += n;
      if (used >= out.length) break;
    }
    view.setUint32(bufusedPtr >>> 0, used, true);
    return Errno.SUCCESS;
  }

  fd_renumber(from: number, to: number): number {
    const old = this.fds.renumber(from >>> 0, to >>> 0);
    if (old !== undefined && old.kind !== "stdio") old.file?.close();
    return Errno.SUCCESS;
  }

  fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind === "stdio") fail(Errno.SPIPE);
    const view = this.view();
    view.getBigUint64(newOffsetPtr >>> 0, true);
    view.setBigUint64(newOffsetPtr >>> 0, fdSeek(h, offset, whence), true);
    return Errno.SUCCESS;
  }

  fd_tell(fd: number, ptr: number): number {
    const h = this.fds.get(fd >>> 0);
    if (h.kind === "stdio") fail(Errno.SPIPE);
    const pos = fdTell(h);
    this.view().setBigUint64(ptr >>> 0, pos, true);
    return Errno.SUCCESS;
  }

  // ---- path_* ----

  path_create_directory(fd: number, ptr: number, len: number): number {
    const { rel, full, dir } = this.at(fd, ptr, len, RIGHTS.PATH_CREATE_DIRECTORY);
    refuseDotLast(rel, Errno.EXIST);
    dir.union.mkdir(full, 0o755);
    return Errno.SUCCESS;
  }

  path_filestat_get(fd: number, flags: number, ptr: number, len: number, bufPtr: number): number {
    if ((flags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
    const { dir, full } = this.at(fd, ptr, len, RIGHTS.PATH_FILESTAT_GET);
    const view = this.view();
    view.getUint8((bufPtr >>> 0) + FILESTAT_SIZE - 1);
    const st = flags & LOOKUPFLAGS.SYMLINK_FOLLOW ? dir.union.stat(full) : dir.union.lstat(full);
    writeStat(view, bufPtr >>> 0, st);
    return Errno.SUCCESS;
  }

  path_filestat_set_times(
    fd: number, flags: number, ptr: number, len: number, atim: bigint, mtim: bigint, fst: number,
  ): number {
    if ((flags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
    const [a, m] = requestedTimes(atim, mtim, fst);
    const { dir, full } = this.at(fd, ptr, len, RIGHTS.PATH_FILESTAT_SET_TIMES);
    dir.union.setTimes(full, a, m, (flags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0);
    return Errno.SUCCESS;
  }

  path_link(
    oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number,
  ): number {
    if ((oldFlags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
    const src = this.at(oldFd, oldPtr, oldLen, RIGHTS.PATH_LINK_SOURCE);
    const dst = this.at(newFd, newPtr, newLen, RIGHTS.PATH_LINK_TARGET);
    if (src.dir.union !== dst.dir.union) fail(Errno.XDEV);
    refuseDotLast(dst.rel, Errno.EXIST);
    const from = oldFlags & LOOKUPFLAGS.SYMLINK_FOLLOW ? src.dir.union.realpath(src.full, true) : src.full;
    dst.dir.union.link(from, dst.full);
    return Errno.SUCCESS;
  }

  path_open(
    fd: number, dirflags: number, ptr: number, len: number, oflags: number,
    rightsBase: bigint, rightsInheriting: bigint, fdflags: number, fdPtr: number,
  ): number {
    const f = parseOpenFlags(dirflags, oflags, fdflags);
    const dir = this.dirHandle(fd);
    requireOpenRights(dir.rightsBase, f);
    const rel = this.path(ptr, len);
    const full = resolveUnder(dir.path, rel, this.escapeErrno);
    this.view().getUint32(fdPtr >>> 0, true); // EFAULT before anything is created
    this.fds.checkRoom();
    const o = openAt(dir, full, rel, f, rightsBase, rightsInheriting);
    const h: Handle = o.kind === "dir"
      ? {
        kind: "dir", union: dir.union, path: o.path, file: o.file, preopen: undefined, listing: undefined,
        rightsBase: o.rightsBase, rightsInheriting: o.rightsInheriting, fdflags: f.fdflags,
      }
      : {
        kind: "file", union: dir.union, path: o.path, file: o.file, position: 0,
        rightsBase: o.rightsBase, rightsInheriting: o.rightsInheriting, fdflags: f.fdflags,
      };
    const newFd = this.fds.add(h);
    this.view().setUint32(fdPtr >>> 0, newFd, true);
    return Errno.SUCCESS;
  }

  path_readlink(fd: number, ptr: number, len: number, bufPtr: number, bufLen: number, usedPtr: number): number {
    const { dir, full } = this.at(fd, ptr, len, RIGHTS.PATH_READLINK);
    const view = this.view();
    view.getUint32(usedPtr >>> 0, true);
    const out = this.bytes(bufPtr, bufLen);
    const target = encoder.encode(dir.union.readlink(full));
    // A short buffer gets a truncated target, as readlink(2) does.
    const n = Math.min(target.length, out.length);
    out.set(target.subarray(0, n));
    view.setUint32(usedPtr >>> 0, n, true);
    return Errno.SUCCESS;
  }

  path_remove_directory(fd: number, ptr: number, len: number): number {
    const { dir, rel, full } = this.at(fd, ptr, len, RIGHTS.PATH_REMOVE_DIRECTORY);
    const last = lastComponent(rel);
    if (last === ".") fail(Errno.INVAL);
    if (last === "..") fail(Errno.NOTEMPTY);
    dir.union.rmdir(full);
    return Errno.SUCCESS;
  }

  path_rename(fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number {
    const src = this.at(fd, oldPtr, oldLen, RIGHTS.PATH_RENAME_SOURCE);
    const dst = this.at(newFd, newPtr, newLen, RIGHTS.PATH_RENAME_TARGET);
    if (src.dir.union !== dst.dir.union) fail(Errno.XDEV);
    const union = src.dir.union;
    const moved = renameTracked(union, src.full, dst.full, src.rel, dst.rel);
    // Directory fds follow their directory when it moves (they hold a path, not an inode).
    if (moved !== undefined) {
      for (const [, h] of this.fds.entries()) {
        if (h.kind === "dir" && h.union === union) h.path = afterMove(h.path, moved);
      }
    }
    return Errno.SUCCESS;
  }

  path_symlink(oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number): number {
    const target = this.path(oldPtr, oldLen); // stored verbatim; resolved inside the union when followed
    const { dir, rel, full } = this.at(fd, newPtr, newLen, RIGHTS.PATH_SYMLINK);
    refuseAbsoluteTarget(target, this.allowAbsoluteSymlinks);
    refuseDotLast(rel, Errno.EXIST);
    dir.union.symlink(target, full);
    return Errno.SUCCESS;
  }

  path_unlink_file(fd: number, ptr: number, len: number): number {
    const { dir, rel, full } = this.at(fd, ptr, len, RIGHTS.PATH_UNLINK_FILE);
    refuseDotLast(rel, Errno.ISDIR);
    dir.union.unlink(full);
    return Errno.SUCCESS;
  }

  // ---- poll ----

  poll_oneoff(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
    return pollOneoff(this.view(), inPtr, outPtr, nsubs, neventsPtr, (fd, type) => this.fdReadiness(fd, type));
  }

  /** Readiness of one fd subscription: files are always ready, stdin per its source. */
  private fdReadiness(fd: number, type: number): FdReadiness {
    const ev = (error: number, nbytes = 0n): FdReadiness => ({ error, nbytes });
    const h = this.fds.tryGet(fd >>> 0);
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

  // ---- sockets: none exist, so EBADF for a bad fd and ENOTSOCK for anything else ----

  private notSocket(fd: number): number {
    this.fds.get(fd >>> 0);
    return Errno.NOTSOCK;
  }

  sock_accept(fd: number, _flags: number, _fdPtr: number): number {
    return this.notSocket(fd);
  }
  sock_recv(fd: number, _ri: number, _riLen: number, _flags: number, _lenPtr: number, _flagsPtr: number): number {
    return this.notSocket(fd);
  }
  sock_send(fd: number, _si: number, _siLen: number, _flags: number, _lenPtr: number): number {
    return this.notSocket(fd);
  }
  sock_shutdown(fd: number, _how: number): number {
    return this.notSocket(fd);
  }
}

/** A u64 field from a non-negative safe integer, without a BigInt. */
function setU64(view: DataView, ptr: number, n: number): void {
  view.setUint32(ptr, n % 4294967296, true);
  view.setUint32(ptr + 4, Math.floor(n / 4294967296), true);
}

/**
 * writeFilestat(statToFilestat(st)) without the intermediate object and its
 * four BigInts (path_filestat_get runs once per entry of a tree walk).
 */
function writeStat(view: DataView, ptr: number, st: Stat): void {
  view.getBigUint64(ptr + 56, true); // bounds check before any byte is written
  setU64(view, ptr, st.dev);
  setU64(view, ptr + 8, st.ino);
  view.setUint8(ptr + 16, filetypeOf(st.type));
  for (let i = 17; i < 24; i++) view.setUint8(ptr + i, 0);
  setU64(view, ptr + 24, st.nlink);
  setU64(view, ptr + 32, st.size);
  view.setBigUint64(ptr + 40, st.atimeNs, true);
  view.setBigUint64(ptr + 48, st.mtimeNs, true);
  view.setBigUint64(ptr + 56, st.ctimeNs, true);
}
