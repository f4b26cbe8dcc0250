/**
 * The floor of any JavaScript WASI host on node:fs, for the bench only: the
 * fewest JavaScript steps between one guest call and one node:fs call, with a
 * host directory preopened as "/". No union, no containment (a guest's ".."
 * or symlink walks out), no rights, just the calls bench.wasm's readbig,
 * writebig and churn make. What it costs over node:wasi (whose imports are
 * V8 fast-API calls into uvwasi, with no JavaScript) is the least a host
 * written in JavaScript pays: the bench prints it beside layerfs as an info
 * row, so a ratio to node:wasi can be read against what is reachable at all.
 * Not a product and not exported: never run untrusted guests on it.
 */
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, statSync, unlinkSync, writeSync, constants as C } from "node:fs";
import { Errno } from "../../src/core/errno.ts";
import { toFsError } from "../../src/host/host-fs.ts";
import { RIGHTS } from "../../src/wasi/rights.ts";
import { BENCH_WASM, benchModule, parseGuestOutput } from "./guest.ts";
import type { GuestResult } from "./guest.ts";

const RIGHT_FD_READ = BigInt(RIGHTS.FD_READ);
const RIGHT_FD_WRITE = BigInt(RIGHTS.FD_WRITE);
const PREOPEN = 3;

class Exit {
  constructor(readonly code: number) {}
}

interface OpenHostFile {
  readonly fd: number;
  pos: number;
}

/** The WASI errno of what a node:fs call threw (layerfs's own mapping: host-fs.ts). */
function errnoOf(e: unknown): number {
  if (e instanceof Exit) throw e;
  return toFsError(e, "bare host").errno;
}

type Imports = Record<string, (...a: never[]) => unknown>;

/** Run bench.wasm with `args` on the bare host over `root` (`wrap`: instruments its imports, for the tools). */
export async function underBareHost(root: string, args: string[], wrap: (imports: Imports) => Imports = (i) => i): Promise<GuestResult> {
  const argv = ["bench.wasm", ...args].map((a) => new TextEncoder().encode(`${a}\0`));
  const out: string[] = [];
  const err: string[] = [];
  const decoder = new TextDecoder();
  const files: (OpenHostFile | undefined)[] = [];
  let memory: WebAssembly.Memory;
  let buf: ArrayBuffer;
  let view: DataView;
  // The views are made again only when the memory grew (its buffer is replaced).
  const dv = (): DataView => {
    if (memory.buffer !== buf) { buf = memory.buffer; view = new DataView(buf); }
    return view;
  };
  const bytes = (ptr: number, len: number): Uint8Array => (dv(), new Uint8Array(buf, ptr, len));
  const pathAt = (ptr: number, len: number): string => `${root}/${decoder.decode(bytes(ptr, len))}`;
  /** The `i`th buffer of the iovec array at `iovs` (ciovec: u32 pointer, u32 length). */
  const iovec = (iovs: number, i: number): Uint8Array => {
    const v = dv();
    return new Uint8Array(buf, v.getUint32(iovs + 8 * i, true), v.getUint32(iovs + 8 * i + 4, true));
  };
  /** Write the buffers of the iovec array at `iovs` to `f` from offset `at` on: the bytes written. */
  const writeIovecs = (f: OpenHostFile, iovs: number, n: number, at: number): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const data = iovec(iovs, i);
      total += writeSync(f.fd, data, 0, data.length, at + total);
    }
    return total;
  };
  const imports = {
    args_sizes_get(argc: number, size: number): number {
      dv().setUint32(argc, argv.length, true);
      view.setUint32(size, argv.reduce((s, a) => s + a.length, 0), true);
      return 0;
    },
    args_get(ptrs: number, into: number): number {
      let at = into;
      argv.forEach((a, i) => { dv().setUint32(ptrs + 4 * i, at, true); bytes(at, a.length).set(a); at += a.length; });
      return 0;
    },
    clock_time_get(id: number, _precision: bigint, outPtr: number): number {
      dv().setBigUint64(outPtr, id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint(), true);
      return 0;
    },
    fd_prestat_get(fd: number, ptr: number): number {
      if (fd !== PREOPEN) return Errno.BADF;
      dv().setUint32(ptr, 0, true);
      view.setUint32(ptr + 4, 1, true);
      return 0;
    },
    fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
      if (fd !== PREOPEN || len < 1) return Errno.BADF;
      bytes(ptr, 1)[0] = 0x2f; // "/"
      return 0;
    },
    fd_fdstat_get(fd: number, ptr: number): number {
      const type = fd <= 2 ? 2 : fd === PREOPEN ? 3 : files[fd] !== undefined ? 4 : -1;
      if (type < 0) return Errno.BADF;
      dv().setUint8(ptr, type);
      view.setUint16(ptr + 2, 0, true);
      view.setBigUint64(ptr + 8, 0xffff_ffffn, true);
      view.setBigUint64(ptr + 16, 0xffff_ffffn, true);
      return 0;
    },
    path_open(_dirfd: number, _dirflags: number, path: number, pathLen: number, oflags: number, rights: bigint, _inh: bigint, fdflags: number, fdOut: number): number {
      const write = (rights & RIGHT_FD_WRITE) !== 0n;
      let flags = write ? ((rights & RIGHT_FD_READ) !== 0n ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
      if (oflags & 1) flags |= C.O_CREAT;
      if (oflags & 2) flags |= C.O_DIRECTORY;
      if (oflags & 4) flags |= C.O_EXCL;
      if (oflags & 8) flags |= C.O_TRUNC;
      if (fdflags & 1) flags |= C.O_APPEND;
      try {
        const fd = openSync(pathAt(path, pathLen), flags, 0o666);
        let slot = PREOPEN + 1;
        while (files[slot] !== undefined) slot++;
        files[slot] = { fd, pos: 0 };
        dv().setUint32(fdOut, slot, true);
        return 0;
      } catch (e) { return errnoOf(e); }
    },
    fd_read(fd: number, iovs: number, n: number, nread: number): number {
      const f = files[fd];
      if (f === undefined) return Errno.BADF;
      try {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const into = iovec(iovs, i);
          const got = readSync(f.fd, into, 0, into.length, f.pos);
          f.pos += got;
          total += got;
          if (got < into.length) break;
        }
        dv().setUint32(nread, total, true);
        return 0;
      } catch (e) { return errnoOf(e); }
    },
    fd_write(fd: number, iovs: number, n: number, nwritten: number): number {
      try {
        let total = 0;
        if (fd === 1 || fd === 2) {
          for (let i = 0; i < n; i++) {
            const data = iovec(iovs, i);
            (fd === 1 ? out : err).push(decoder.decode(data));
            total += data.length;
          }
        } else {
          const f = files[fd];
          if (f === undefined) return Errno.BADF;
          total = writeIovecs(f, iovs, n, f.pos);
          f.pos += total;
        }
        dv().setUint32(nwritten, total, true);
        return 0;
      } catch (e) { return errnoOf(e); }
    },
    fd_pwrite(fd: number, iovs: number, n: number, offset: bigint, nwritten: number): number {
      const f = files[fd];
      if (f === undefined) return Errno.BADF;
      try {
        dv().setUint32(nwritten, writeIovecs(f, iovs, n, Number(offset)), true);
        return 0;
      } catch (e) { return errnoOf(e); }
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffset: number): number {
      const f = files[fd];
      if (f === undefined) return Errno.BADF;
      try {
        const base = whence === 0 ? 0 : whence === 1 ? f.pos : fstatSync(f.fd).size;
        f.pos = base + Number(offset);
        dv().setBigUint64(newOffset, BigInt(f.pos), true);
        return 0;
      } catch (e) { return errnoOf(e); }
    },
    fd_close(fd: number): number {
      const f = files[fd];
      if (f === undefined) return fd === PREOPEN || fd <= 2 ? 0 : Errno.BADF;
      files[fd] = undefined;
      try { closeSync(f.fd); return 0; } catch (e) { return errnoOf(e); }
    },
    fd_readdir(): number {
      return Errno.NOSYS; // not a walk host: readbig, writebig and churn only
    },
    path_filestat_get(_fd: number, lookup: number, path: number, pathLen: number, ptr: number): number {
      try {
        const p = pathAt(path, pathLen);
        const st = (lookup & 1) !== 0 ? statSync(p, { bigint: true }) : lstatSync(p, { bigint: true });
        const v = dv();
        v.setBigUint64(ptr, st.dev, true);
        v.setBigUint64(ptr + 8, st.ino, true);
        v.setUint8(ptr + 16, st.isFile() ? 4 : st.isDirectory() ? 3 : st.isSymbolicLink() ? 7 : 0);
        v.setBigUint64(ptr + 24, st.nlink, true);
        v.setBigUint64(ptr + 32, st.size, true);
        v.setBigUint64(ptr + 40, st.atimeNs, true);
        v.setBigUint64(ptr + 48, st.mtimeNs, true);
        v.setBigUint64(ptr + 56, st.ctimeNs, true);
        return 0;
      } catch (e) { return errnoOf(e); }
    },
    path_create_directory(_fd: number, path: number, pathLen: number): number {
      try { mkdirSync(pathAt(path, pathLen)); return 0; } catch (e) { return errnoOf(e); }
    },
    path_unlink_file(_fd: number, path: number, pathLen: number): number {
      try { unlinkSync(pathAt(path, pathLen)); return 0; } catch (e) { return errnoOf(e); }
    },
    proc_exit(code: number): never {
      throw new Exit(code);
    },
  };
  const instance = await WebAssembly.instantiate(await benchModule(), { wasi_snapshot_preview1: wrap(imports as unknown as Imports) } as WebAssembly.Imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  let code = 0;
  try {
    (instance.exports._start as () => void)();
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    code = e.code;
  } finally {
    for (const f of files) if (f !== undefined) closeSync(f.fd);
  }
  return parseGuestOutput(out.join(""), err.join(""), code, `the bare host (${BENCH_WASM})`);
}
