// Adversarial audit of the WASI dispatcher: huge sizes and offsets, hostile guest
// memory (out of bounds, wrapping iovecs, memory.grow), hostile paths. Each attack
// runs over a MemoryLayer upper and over a DirLayer lower + DirLayer upper on temp
// directories (Node/Deno only), and must end in an errno: no exception, no hang,
// no gigabyte allocation, nothing written outside the union.
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { ALL_RIGHTS, harness, lowerSpec, ROOT } from "../wasi/harness.ts";
import type { Harness } from "../wasi/harness.ts";

const HAS_HOST = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string"
  || typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
if (!HAS_HOST) console.log("test/security: DirLayer variants skipped: no host filesystem in this runtime");

type Host = typeof import("../host/helpers.ts");
let hostMod: Host | undefined;
const made: string[] = [];
afterAll(() => made.forEach((d) => hostMod?.cleanup(d)));

async function dirUnion(): Promise<Union> {
  hostMod ??= await import("../host/helpers.ts");
  const { DirLayer } = await import("../../src/layers/dir/mod.ts");
  const base = hostMod.tempDir("layerfs-sec-", true);
  made.push(base);
  hostMod.makeTree(`${base}/lower`, { "data/a.txt": "aaaa", "etc/hostname": "box\n" });
  hostMod.makeTree(`${base}/upper`, { "keep.txt": "keep" });
  const fs = hostMod.hostFs();
  return new Union(new Image([new DirLayer(fs, `${base}/lower`)]), new DirLayer(fs, `${base}/upper`, { writable: true }));
}

const kinds: [string, () => Promise<Union>][] = [
  ["MemoryLayer upper", async () => new Union(new Image([MemoryLayer.from(lowerSpec())]), new MemoryLayer())],
  ...(HAS_HOST ? [["DirLayer lower + upper", dirUnion] as [string, () => Promise<Union>]] : []),
];

const RSS_LIMIT = 512 * 1024 * 1024;
function rss(): number {
  const p = (globalThis as { process?: { memoryUsage?: { rss(): number } } }).process;
  return p?.memoryUsage?.rss() ?? 0;
}

function iov(h: Harness, pairs: [number, number][]): number {
  const p = h.alloc(8 * pairs.length);
  pairs.forEach(([ptr, len], i) => {
    h.view().setUint32(p + 8 * i, ptr, true);
    h.view().setUint32(p + 8 * i + 4, len, true);
  });
  return p;
}

/** Call and require an errno (a number), never an exception. */
function call(h: Harness, name: string, ...args: (number | bigint)[]): number {
  const f = h.sys[name]!;
  let r: number;
  try {
    r = f(...args);
  } catch (e) {
    throw new Error(`${name} threw into the guest: ${String(e)}`);
  }
  expect(typeof r).toBe("number");
  return r;
}

describe.each(kinds)("hostile sizes and offsets (%s)", (_name, makeUnion) => {
  async function withFile(): Promise<[Harness, number]> {
    const h = harness({ union: await makeUnion() });
    const [e, fd] = h.open("big.bin", { oflags: 1 });
    expect(e).toBe(Errno.SUCCESS);
    return [h, fd];
  }
  const before = rss();

  it("refuses set_size / allocate past the safe range with EFBIG and leaves the file as it was", async () => {
    const [h, fd] = await withFile();
    h.write(fd, "hello");
    for (const size of [2n ** 53n, 2n ** 62n, 2n ** 64n - 1n, 2n ** 63n]) {
      expect(call(h, "fd_filestat_set_size", fd, size), String(size)).toBe(Errno.FBIG);
      expect(call(h, "fd_allocate", fd, 0n, size), String(size)).toBe(Errno.FBIG);
      expect(call(h, "fd_allocate", fd, size, 1n), String(size)).toBe(Errno.FBIG);
    }
    expect(call(h, "fd_allocate", fd, 2n ** 52n, 2n ** 52n)).toBe(Errno.FBIG);
    expect(h.union.stat("/big.bin").size).toBe(5);
    expect(rss() - before).toBeLessThan(RSS_LIMIT);
  });

  it("refuses pwrite at offsets near 2**53 and 2**64 without writing", async () => {
    const [h, fd] = await withFile();
    const [p, l] = h.str("XYZ");
    const v = iov(h, [[p, l]]);
    const np = h.alloc(4);
    for (const off of [2n ** 53n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 53n - 2n]) {
      const e = call(h, "fd_pwrite", fd, v, 1, off, np);
      expect([Errno.FBIG, Errno.INVAL], String(off)).toContain(e);
    }
    expect(h.union.stat("/big.bin").size).toBe(0);
  });

  it("refuses seeking past the safe range, and a write at the largest safe offset fails with EFBIG", async () => {
    const [h, fd] = await withFile();
    const np = h.alloc(8);
    expect(call(h, "fd_seek", fd, 2n ** 62n, 0, np)).toBe(Errno.OVERFLOW);
    expect(call(h, "fd_seek", fd, -1n, 0, np)).toBe(Errno.INVAL);
    expect(call(h, "fd_seek", fd, 2n ** 53n - 2n, 0, np)).toBe(Errno.SUCCESS);
    const [e] = h.write(fd, "0123456789");
    expect([Errno.FBIG, Errno.INVAL]).toContain(e);
    expect(call(h, "fd_seek", fd, 2n ** 53n - 1n, 0, np)).toBe(Errno.SUCCESS);
    expect(call(h, "fd_seek", fd, 10n, 1, np)).toBe(Errno.OVERFLOW);
    expect(h.union.stat("/big.bin").size).toBe(0);
    expect(rss() - before).toBeLessThan(RSS_LIMIT);
  });

  it("bounds a read whose iovecs sum past 4 GiB (no wrap of nread, no hang)", async () => {
    const [h, fd] = await withFile();
    // a sparse file of 1 MiB; 4096 iovecs of the whole 128 KiB memory = 512 MiB requested
    expect(call(h, "fd_filestat_set_size", fd, 1n << 20n)).toBe(Errno.SUCCESS);
    const mem = h.memory.buffer.byteLength;
    const many = iov(h, Array.from({ length: 1024 }, () => [0, mem - 0] as [number, number]));
    const np = h.alloc(4);
    const t0 = Date.now();
    const e = call(h, "fd_pread", fd, many, 1024, 0n, np);
    expect([Errno.SUCCESS, Errno.FAULT, Errno.INVAL]).toContain(e);
    if (e === Errno.SUCCESS) expect(h.u32(np)).toBe(1 << 20);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("bounds a stdout write whose iovecs sum past 4 GiB: a short count, no gigabyte copy, no u32 wrap", async () => {
    const h = harness({ union: await makeUnion() });
    h.memory.grow(64); // 4 MiB + 128 KiB
    const big = 4 * 1024 * 1024;
    const many = iov(h, Array.from({ length: 1024 }, () => [0, big] as [number, number])); // 4 GiB in total
    const np = h.alloc(4);
    expect(call(h, "fd_write", 1, many, 1024, np)).toBe(Errno.SUCCESS);
    expect(h.u32(np)).toBe(16 * 1024 * 1024);
    expect(call(h, "fd_write", 1, many, 1025, np)).toBe(Errno.INVAL); // more than IOV_MAX
    expect(rss() - before).toBeLessThan(RSS_LIMIT);
  });

  it("answers readdir with buf_len 0, huge and out-of-bounds buffers with an errno", async () => {
    const h = harness({ union: await makeUnion() });
    const used = h.alloc(4);
    const buf = h.alloc(256);
    expect(call(h, "fd_readdir", ROOT, buf, 0, 0n, used)).toBe(Errno.SUCCESS);
    expect(h.u32(used)).toBe(0);
    expect(call(h, "fd_readdir", ROOT, buf, 0xffffffff, 0n, used)).toBe(Errno.FAULT);
    expect(call(h, "fd_readdir", ROOT, 0xfffffff0, 64, 0n, used)).toBe(Errno.FAULT);
    expect(call(h, "fd_readdir", ROOT, buf, 256, 2n ** 64n - 1n, used)).toBe(Errno.SUCCESS);
    expect(h.u32(used)).toBe(0);
  });

  it("answers random_get with a huge or wrapping range with EFAULT", async () => {
    const h = harness({ union: await makeUnion() });
    expect(call(h, "random_get", 0, 0xffffffff)).toBe(Errno.FAULT);
    expect(call(h, "random_get", 0xffffff00, 0x200)).toBe(Errno.FAULT);
    expect(call(h, "random_get", 16, 0)).toBe(Errno.SUCCESS);
  });

  it("refuses path arguments of 100 KiB with ENAMETOOLONG and long components too", async () => {
    const h = harness({ union: await makeUnion() });
    const long = "a/".repeat(50 * 1024);
    const [p, l] = h.str(long);
    const fdp = h.alloc(4);
    expect(call(h, "path_open", ROOT, 1, p, l, 1, ALL_RIGHTS, 0n, 0, fdp)).toBe(Errno.NAMETOOLONG);
    const [p2, l2] = h.str("x".repeat(300));
    expect(call(h, "path_open", ROOT, 1, p2, l2, 1, ALL_RIGHTS, 0n, 0, fdp)).toBe(Errno.NAMETOOLONG);
    expect(call(h, "path_create_directory", ROOT, p2, l2)).toBe(Errno.NAMETOOLONG);
    const [t, tl] = h.str("x".repeat(5000));
    const [n, nl] = h.str("sym");
    const e = call(h, "path_symlink", t, tl, ROOT, n, nl);
    expect([Errno.NAMETOOLONG]).toContain(e);
  });
});

describe("hostile guest memory", () => {
  it("returns EFAULT for pointers past the end, wrapping iovec arrays and path pointers", () => {
    const h = harness();
    const end = h.memory.buffer.byteLength;
    const np = h.alloc(4);
    const [e] = h.open("data/a.txt");
    expect(e).toBe(Errno.SUCCESS);
    expect(call(h, "fd_read", 4, end - 4, 1, np)).toBe(Errno.FAULT);
    expect(call(h, "fd_read", 4, 0xfffffff8, 2, np)).toBe(Errno.FAULT); // wraps 2**32
    expect(call(h, "fd_read", 4, 16, 0x20000000, np)).toBe(Errno.INVAL); // count*8 wraps; > IOV_MAX
    const v = iov(h, [[0xfffffff0, 0x20]]);
    expect(call(h, "fd_read", 4, v, 1, np)).toBe(Errno.FAULT);
    expect(call(h, "fd_read", 4, v, 1, 0xfffffffe)).toBe(Errno.FAULT);
    expect(call(h, "path_open", ROOT, 1, 0xfffffff0, 0x20, 0, ALL_RIGHTS, 0n, 0, np)).toBe(Errno.FAULT);
    expect(call(h, "path_open", ROOT, 1, 16, 0xffffffff, 0, ALL_RIGHTS, 0n, 0, np)).toBe(Errno.FAULT);
    expect(call(h, "args_get", 0xfffffff0, 0xfffffff0)).toBe(Errno.FAULT);
    expect(call(h, "environ_get", end, end)).toBe(Errno.FAULT);
    expect(call(h, "fd_prestat_dir_name", ROOT, end, 8)).toBe(Errno.FAULT);
    expect(call(h, "poll_oneoff", 0xffffffe0, end, 4, np)).toBe(Errno.FAULT);
  });

  it("handles unaligned and overlapping pointers (iovec overlapping the buffer it reads into)", () => {
    const h = harness();
    const [e, fd] = h.open("data/b.txt");
    expect(e).toBe(Errno.SUCCESS);
    const buf = h.alloc(64);
    const v = buf + 3; // unaligned iovec inside its own destination buffer
    h.view().setUint32(v, buf, true);
    h.view().setUint32(v + 4, 16, true);
    expect(call(h, "fd_read", fd, v, 1, buf + 1)).toBe(Errno.SUCCESS);
    expect(h.text(buf + 1, 0).length).toBe(0);
    const st = h.alloc(80) + 1;
    expect(call(h, "fd_filestat_get", fd, st)).toBe(Errno.SUCCESS);
  });

  it("survives memory.grow during a call (the stdout sink grows memory while fd_write runs)", () => {
    let mem: WebAssembly.Memory | undefined;
    const h = harness({ stdout: () => { mem?.grow(1); } });
    mem = h.memory;
    const [p, l] = h.str("hi");
    const v = iov(h, [[p, l], [p, l]]);
    const np = h.alloc(4);
    expect(call(h, "fd_write", 1, v, 2, np)).toBe(Errno.SUCCESS);
    expect(h.u32(np)).toBe(4);
    const [e, fd] = h.open("grow.txt", { oflags: 1 });
    expect(e).toBe(Errno.SUCCESS);
    h.memory.grow(1);
    expect(h.write(fd, "after grow")[0]).toBe(Errno.SUCCESS);
    expect(h.union.readFile("/grow.txt")).toEqual(new TextEncoder().encode("after grow"));
  });

  it("answers EMFILE once a guest holds 8192 descriptors, and opens again after a close", async () => {
    // MemoryLayer only: 8188 DirLayer opens would need as many host descriptors (the point of the cap).
    for (const [, makeUnion] of kinds.slice(0, 1)) {
      const h = harness({ union: await makeUnion() });
      h.union.writeFile("/many.txt", "m");
      const [p, l] = h.str("many.txt");
      const fdp = h.alloc(4);
      let last = 0;
      for (let i = 0; i < 8192 - 4; i++) {
        const e = h.sys.path_open!(ROOT, 1, p, l, 0, 2n, 0n, 0, fdp);
        if (e !== Errno.SUCCESS) expect(e).toBe(Errno.SUCCESS);
        last = h.u32(fdp);
      }
      expect(h.open("many.txt", { rights: 2n })[0]).toBe(Errno.MFILE);
      expect(h.open("new.txt", { oflags: 1 })[0]).toBe(Errno.MFILE);
      expect(h.union.exists("/new.txt")).toBe(false); // refused before anything was created
      expect(call(h, "fd_close", last)).toBe(Errno.SUCCESS);
      expect(h.open("many.txt", { rights: 2n })).toEqual([Errno.SUCCESS, last]);
      for (let fd = 4; fd <= last; fd++) h.sys.fd_close!(fd);
    }
  });

  it("rejects invalid fds, flags and whence values with an errno", () => {
    const h = harness();
    const np = h.alloc(8);
    expect(call(h, "fd_seek", 0xffffffff, 0n, 0, np)).toBe(Errno.BADF);
    expect(call(h, "fd_close", -1)).toBe(Errno.BADF);
    expect(call(h, "fd_renumber", ROOT, 0x7fffffff)).toBe(Errno.BADF);
    expect(call(h, "path_open", ROOT, 0xff, 16, 1, 0xffff, ALL_RIGHTS, 0n, 0xffff, np)).toBe(Errno.INVAL);
    expect(call(h, "fd_fdstat_set_flags", ROOT, 0xffff)).toBe(Errno.INVAL);
    expect(call(h, "path_filestat_set_times", ROOT, 0, 16, 1, 0n, 0n, 0xffff)).toBe(Errno.INVAL);
  });
});
