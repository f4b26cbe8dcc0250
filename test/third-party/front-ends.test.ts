// The same checks through both WASI front-ends: layerfs's own dispatcher (createWasi) and
// the browser_wasi_shim 0.4.2 adapter (createShimWasi), driven through their raw preview1
// imports on one prepared memory. What the guest sees must not depend on the front-end:
// the exact environment, no preopen without a root, EPERM for absolute symlink targets,
// and the fd-level I/O both share (src/wasi/fd-io.ts). Runs in Node, Deno and Chromium.
import { WASI } from "@bjorn3/browser_wasi_shim";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { OFLAGS } from "../../src/wasi/abi.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { RIGHTS } from "../../src/wasi/rights.ts";
import { createShimWasi } from "../../src/wasi/shim/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ROOT = 3;

interface Options {
  union?: Union;
  env?: Record<string, string>;
  cwd?: string;
  allowAbsoluteSymlinks?: boolean;
}

type Sys = Record<string, (...a: (number | bigint)[]) => number>;

/** One front-end's imports over a fresh memory, with small helpers for pointers. */
interface Guest {
  sys: Sys;
  dv: DataView;
  u8: Uint8Array;
  alloc(n: number): number;
  str(s: string): [number, number];
  /** path_open from the root: [errno, fd]. */
  open(path: string, oflags?: number, rights?: bigint, fdflags?: number): [number, number];
  env(): string[];
}

function guest(sys: Sys, memory: WebAssembly.Memory): Guest {
  let top = 1024;
  const g: Guest = {
    sys,
    dv: new DataView(memory.buffer),
    u8: new Uint8Array(memory.buffer),
    alloc(n) {
      const p = top;
      top += (n + 7) & ~7;
      return p;
    },
    str(s) {
      const b = enc.encode(s);
      const p = g.alloc(b.length);
      g.u8.set(b, p);
      return [p, b.length];
    },
    open(path, oflags = 0, rights = FILE_RW, fdflags = 0) {
      const [p, l] = g.str(path);
      const out = g.alloc(4);
      const e = sys.path_open!(ROOT, 1, p, l, oflags, rights, FILE_RW, fdflags, out);
      return [e, g.dv.getUint32(out, true)];
    },
    env() {
      const sizes = g.alloc(8);
      expect(sys.environ_sizes_get!(sizes, sizes + 4)).toBe(0);
      const count = g.dv.getUint32(sizes, true), size = g.dv.getUint32(sizes + 4, true);
      const ptrs = g.alloc(4 * count), buf = g.alloc(size);
      expect(sys.environ_get!(ptrs, buf)).toBe(0);
      const list = dec.decode(g.u8.subarray(buf, buf + size)).split("\0").slice(0, -1);
      expect(list.length).toBe(count);
      return list;
    },
  };
  return g;
}

const FILE_RW = BigInt(
  RIGHTS.FD_READ | RIGHTS.FD_WRITE | RIGHTS.FD_SEEK | RIGHTS.FD_TELL | RIGHTS.FD_FILESTAT_GET |
  RIGHTS.FD_FILESTAT_SET_SIZE | RIGHTS.FD_ALLOCATE,
);
/** Go's O_RDONLY: the size rights but no FD_WRITE. */
const FILE_RO = FILE_RW & ~BigInt(RIGHTS.FD_WRITE);

const FRONT_ENDS: { name: string; make(o: Options): Guest }[] = [
  {
    name: "dispatcher",
    make(o) {
      const host = createWasi({ ...o, stdin: "ignore", stdout: () => {}, stderr: () => {} });
      const memory = new WebAssembly.Memory({ initial: 2 });
      host.dispatcher.setMemory(memory);
      return guest(host.imports.wasi_snapshot_preview1 as unknown as Sys, memory);
    },
  },
  {
    name: "browser_wasi_shim",
    make(o) {
      const w = createShimWasi(WASI, o);
      const memory = new WebAssembly.Memory({ initial: 2 });
      (w as unknown as { inst: unknown }).inst = { exports: { memory } };
      return guest(w.wasiImport as unknown as Sys, memory);
    },
  },
];

function union(): Union {
  return new Union(new Image([MemoryLayer.from({
    "etc/hostname": "box\n",
    "data/ten.txt": "0123456789",
    "abs-link": { symlink: "/etc/hostname" },
  })]), new MemoryLayer());
}

for (const fe of FRONT_ENDS) {
  describe(`${fe.name}: what the guest sees is exactly what was asked`, () => {
    it("the environment is exactly env; PWD only from cwd", () => {
      expect(fe.make({ union: union(), env: { A: "1", B: "x=y" } }).env().sort()).toEqual(["A=1", "B=x=y"]);
      expect(fe.make({ union: union() }).env()).toEqual([]);
      expect(fe.make({}).env()).toEqual([]);
      expect(fe.make({ union: union(), env: { A: "1" }, cwd: "/etc" }).env().sort()).toEqual(["A=1", "PWD=/etc"]);
      expect(() => fe.make({ union: union(), cwd: "etc" })).toThrow(/absolute/);
    });

    it("without a union there is no preopen: fd 3 is EBADF", () => {
      const g = fe.make({});
      const buf = g.alloc(24);
      expect(g.sys.fd_prestat_get!(ROOT, buf)).toBe(Errno.BADF);
      expect(g.sys.fd_fdstat_get!(ROOT, buf)).toBe(Errno.BADF);
      const [p, l] = g.str("etc/hostname");
      expect(g.sys.path_open!(ROOT, 1, p, l, 0, FILE_RW, FILE_RW, 0, buf)).toBe(Errno.BADF);
      // With one, fd 3 is the "/" preopen.
      const h = fe.make({ union: union() });
      const pre = h.alloc(8);
      expect(h.sys.fd_prestat_get!(ROOT, pre)).toBe(0);
      expect(h.dv.getUint32(pre + 4, true)).toBe(1);
    });

    it("path_symlink with an absolute target is EPERM; relative targets and existing absolute links work", () => {
      const u = union();
      const g = fe.make({ union: u });
      const [t, tl] = g.str("/etc/hostname");
      const [n, nl] = g.str("mine");
      expect(g.sys.path_symlink!(t, tl, ROOT, n, nl)).toBe(Errno.PERM);
      expect(u.exists("/mine")).toBe(false);
      const [r, rl] = g.str("etc/hostname");
      expect(g.sys.path_symlink!(r, rl, ROOT, n, nl)).toBe(0);
      expect(u.readlink("/mine")).toBe("etc/hostname");
      // A layer's absolute link still resolves inside the union.
      const [e, fd] = g.open("abs-link", 0, FILE_RO);
      expect(e).toBe(0);
      const iov = g.alloc(8), buf = g.alloc(16), nread = g.alloc(4);
      g.dv.setUint32(iov, buf, true);
      g.dv.setUint32(iov + 4, 16, true);
      expect(g.sys.fd_read!(fd, iov, 1, nread)).toBe(0);
      expect(dec.decode(g.u8.subarray(buf, buf + g.dv.getUint32(nread, true)))).toBe("box\n");
      // The JS API keeps accepting absolute targets (image building needs them).
      u.symlink("/etc/hostname", "/js-link");
      expect(u.readFile("/js-link", "utf8")).toBe("box\n");
    });

    it("allowAbsoluteSymlinks restores container-style absolute links, resolved inside the union", () => {
      const u = union();
      const g = fe.make({ union: u, allowAbsoluteSymlinks: true });
      const [t, tl] = g.str("/etc/hostname");
      const [n, nl] = g.str("mine");
      expect(g.sys.path_symlink!(t, tl, ROOT, n, nl)).toBe(0);
      expect(u.readlink("/mine")).toBe("/etc/hostname");
      expect(u.readFile("/mine", "utf8")).toBe("box\n");
    });
  });

  describe(`${fe.name}: fd-level I/O (shared code, Linux answers)`, () => {
    it("a handle opened without FD_WRITE: fd_filestat_set_size EINVAL, fd_allocate EBADF, fd_write EBADF; no copy-up", () => {
      const u = union();
      const g = fe.make({ union: u });
      const [e, fd] = g.open("data/ten.txt", 0, FILE_RO);
      expect(e).toBe(0);
      expect(g.sys.fd_filestat_set_size!(fd, 4n)).toBe(Errno.INVAL);
      expect(g.sys.fd_allocate!(fd, 0n, 100n)).toBe(Errno.BADF);
      expect(g.sys.fd_allocate!(fd, 0n, 1n)).toBe(Errno.BADF);
      const iov = g.alloc(8), n = g.alloc(4);
      expect(g.sys.fd_write!(fd, iov, 1, n)).toBe(Errno.BADF);
      expect(g.sys.fd_write!(fd, iov, 0, n)).toBe(Errno.BADF); // even an empty write (Linux)
      expect(u.changes()).toEqual([]);
      expect(u.readFile("/data/ten.txt", "utf8")).toBe("0123456789");
    });

    it("a writable handle: set_size, allocate, gathered writes and reads, pread/pwrite, seek/tell", () => {
      const u = union();
      const g = fe.make({ union: u });
      const [e, fd] = g.open("data/ten.txt");
      expect(e).toBe(0);
      expect(g.sys.fd_filestat_set_size!(fd, 4n)).toBe(0);
      expect(g.sys.fd_allocate!(fd, 4n, 2n)).toBe(0); // grows to 6 with zeros
      expect(u.readFile("/data/ten.txt")).toEqual(new Uint8Array([48, 49, 50, 51, 0, 0]));
      expect(g.sys.fd_allocate!(fd, 0n, 1n)).toBe(0); // never shrinks
      expect(u.stat("/data/ten.txt").size).toBe(6);
      // Two iovecs in one write, at the current offset (0).
      const [a, al] = g.str("ab"), [b, bl] = g.str("cde");
      const iovs = g.alloc(16), n = g.alloc(4);
      g.dv.setUint32(iovs, a, true); g.dv.setUint32(iovs + 4, al, true);
      g.dv.setUint32(iovs + 8, b, true); g.dv.setUint32(iovs + 12, bl, true);
      expect(g.sys.fd_write!(fd, iovs, 2, n)).toBe(0);
      expect(g.dv.getUint32(n, true)).toBe(5);
      const pos = g.alloc(8);
      expect(g.sys.fd_tell!(fd, pos)).toBe(0);
      expect(g.dv.getBigUint64(pos, true)).toBe(5n);
      expect(g.sys.fd_pwrite!(fd, iovs, 1, 10n, n)).toBe(0); // past the end: a hole
      expect(g.sys.fd_tell!(fd, pos)).toBe(0);
      expect(g.dv.getBigUint64(pos, true)).toBe(5n); // pwrite leaves the offset
      expect(u.readFile("/data/ten.txt", "utf8")).toBe("abcde\0\0\0\0\0ab");
      // Reads: two iovecs, the second short at EOF.
      expect(g.sys.fd_seek!(fd, 3n, 0, pos)).toBe(0);
      const r1 = g.alloc(4), r2 = g.alloc(16);
      g.dv.setUint32(iovs, r1, true); g.dv.setUint32(iovs + 4, 4, true);
      g.dv.setUint32(iovs + 8, r2, true); g.dv.setUint32(iovs + 12, 16, true);
      expect(g.sys.fd_read!(fd, iovs, 2, n)).toBe(0);
      expect(g.dv.getUint32(n, true)).toBe(9);
      expect(dec.decode(g.u8.subarray(r1, r1 + 4))).toBe("de\0\0");
      expect(g.sys.fd_pread!(fd, iovs, 1, 10n, n)).toBe(0);
      expect(dec.decode(g.u8.subarray(r1, r1 + g.dv.getUint32(n, true)))).toBe("ab");
      expect(g.sys.fd_seek!(fd, -1n, 0, pos)).toBe(Errno.INVAL);
      expect(g.sys.fd_seek!(fd, 0n, 9, pos)).toBe(Errno.INVAL);
      expect(g.sys.fd_seek!(fd, 0n, 2, pos)).toBe(0);
      expect(g.dv.getBigUint64(pos, true)).toBe(12n);
    });

    it("O_APPEND: writes and pwrites land at the end; pwrite leaves the offset", () => {
      const u = union();
      const g = fe.make({ union: u });
      const [e, fd] = g.open("data/ten.txt", 0, FILE_RW, 1 /* APPEND */);
      expect(e).toBe(0);
      const [a, al] = g.str("X");
      const iov = g.alloc(8), n = g.alloc(4), pos = g.alloc(8);
      g.dv.setUint32(iov, a, true); g.dv.setUint32(iov + 4, al, true);
      expect(g.sys.fd_pwrite!(fd, iov, 1, 0n, n)).toBe(0);
      expect(g.sys.fd_tell!(fd, pos)).toBe(0);
      expect(g.dv.getBigUint64(pos, true)).toBe(0n);
      expect(g.sys.fd_write!(fd, iov, 1, n)).toBe(0);
      expect(u.readFile("/data/ten.txt", "utf8")).toBe("0123456789XX");
    });

    it("bad iovecs: more than IOV_MAX is EINVAL, outside memory EFAULT, a bad result pointer EFAULT", () => {
      const g = fe.make({ union: union() });
      const [, fd] = g.open("data/ten.txt");
      const iovs = g.alloc(8 * 1025), n = g.alloc(4);
      expect(g.sys.fd_read!(fd, iovs, 1025, n)).toBe(Errno.INVAL);
      expect(g.sys.fd_write!(fd, iovs, 1025, n)).toBe(Errno.INVAL);
      g.dv.setUint32(iovs, 0xfffff000, true);
      g.dv.setUint32(iovs + 4, 0x2000, true);
      expect(g.sys.fd_read!(fd, iovs, 1, n)).toBe(Errno.FAULT);
      expect(g.sys.fd_write!(fd, iovs, 1, n)).toBe(Errno.FAULT);
      expect(g.sys.fd_read!(fd, iovs, 0, 0xfffffff0)).toBe(Errno.FAULT);
      expect(g.sys.fd_pwrite!(fd, iovs, 0, 1n << 62n, n)).toBe(Errno.INVAL);
    });

    it("a directory fd: read EISDIR, write EBADF, set_size EISDIR, allocate/seek/tell EBADF", () => {
      const g = fe.make({ union: union() });
      const [e, fd] = g.open("data", OFLAGS.DIRECTORY, BigInt(RIGHTS.FD_READDIR));
      expect(e).toBe(0);
      const iov = g.alloc(16), n = g.alloc(8);
      g.dv.setUint32(iov, g.alloc(8), true); g.dv.setUint32(iov + 4, 8, true);
      expect(g.sys.fd_read!(fd, iov, 1, n)).toBe(Errno.ISDIR);
      expect(g.sys.fd_pread!(fd, iov, 1, 0n, n)).toBe(Errno.ISDIR);
      expect(g.sys.fd_write!(fd, iov, 1, n)).toBe(Errno.BADF);
      expect(g.sys.fd_filestat_set_size!(fd, 0n)).toBe(Errno.ISDIR);
      expect(g.sys.fd_allocate!(fd, 0n, 1n)).toBe(Errno.BADF);
      expect(g.sys.fd_seek!(fd, 0n, 0, n)).toBe(Errno.BADF);
      expect(g.sys.fd_tell!(fd, n)).toBe(Errno.BADF);
    });
  });
}
