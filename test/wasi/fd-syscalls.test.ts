// fd_* syscalls called directly on a prepared memory (see harness.ts).
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { FDFLAGS, FILETYPE, FSTFLAGS, OFLAGS, WHENCE } from "../../src/wasi/abi.ts";
import { WasiExit } from "../../src/wasi/calls/process.ts";
import { RIGHTS } from "../../src/wasi/rights.ts";
import { ALL_RIGHTS, R_READ, R_SEEK, R_TELL, R_WRITE, ROOT, RIGHTS_RDONLY, harness } from "./harness.ts";

const E = Errno;

describe("fd_read / fd_write / fd_pread / fd_pwrite", () => {
  it("reads a lower-layer file through iovecs straight into memory", () => {
    const h = harness();
    const [e, fd] = h.open("data/b.txt", { rights: RIGHTS_RDONLY });
    expect(e).toBe(0);
    const bufs = [h.alloc(3), h.alloc(10)];
    const iovs = h.alloc(16);
    h.view().setUint32(iovs, bufs[0]!, true); h.view().setUint32(iovs + 4, 3, true);
    h.view().setUint32(iovs + 8, bufs[1]!, true); h.view().setUint32(iovs + 12, 10, true);
    const np = h.alloc(4);
    expect(h.sys.fd_read!(fd, iovs, 2, np)).toBe(0);
    expect(h.u32(np)).toBe(8);
    expect(h.text(bufs[0]!, 3) + h.text(bufs[1]!, 5)).toBe("bbbbbbbb");
    expect(h.readText(fd, 4)).toEqual([0, ""]);
  });

  it("a read into one iovec (the call without an iovec list) answers as the same read with an empty second iovec", () => {
    /** fd_read/fd_pread of `len` bytes at `buf` through 1 iovec, or 2 (the second empty): [errno, count, position after, text]. */
    const read = (h: ReturnType<typeof harness>, fd: number, buf: number, len: number, two: boolean, offset?: bigint, result?: number) => {
      const iov = h.alloc(16);
      h.view().setUint32(iov, buf, true); h.view().setUint32(iov + 4, len, true);
      h.view().setUint32(iov + 8, h.alloc(4), true); h.view().setUint32(iov + 12, 0, true);
      const np = result ?? h.alloc(4);
      if (result === undefined) h.view().setUint32(np, 0xdead, true);
      const e = offset === undefined ? h.sys.fd_read!(fd, iov, two ? 2 : 1, np) : h.sys.fd_pread!(fd, iov, two ? 2 : 1, offset, np);
      const off = h.alloc(8);
      h.sys.fd_seek!(fd, 0n, WHENCE.CUR, off);
      const n = result === undefined ? h.u32(np) : -1;
      return [e, n, h.u64(off), e === 0 && n > 0 ? h.text(buf, n) : ""];
    };
    for (const two of [false, true]) {
      const h = harness();
      const [, fd] = h.open("data/b.txt", { rights: RIGHTS_RDONLY | R_SEEK | R_TELL });
      const [de, dir] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: R_READ });
      expect(de).toBe(0);
      const [, wo] = h.open("data/a.txt", { rights: R_WRITE | R_SEEK | R_TELL });
      const buf = h.alloc(16);
      const memSize = h.view().byteLength;
      const got = [
        read(h, fd, buf, 4, two, undefined, memSize - 2), // bad result pointer: EFAULT before anything is read
        read(h, fd, buf, 3, two), // a read moves the position
        read(h, fd, buf, 0, two), // empty
        read(h, fd, buf, 2, two, 6n), // pread: the position stays
        read(h, fd, buf, 16, two), // to EOF
        read(h, fd, buf, 16, two), // at EOF
        read(h, fd, memSize - 2, 4, two), // the iovec leaves memory: EFAULT, nothing read
        read(h, fd, buf, 4, two, undefined, memSize - 2), // bad result pointer: EFAULT first
        read(h, fd, memSize - 2, 4, two, -1n), // EFAULT before the bad offset's EINVAL
        read(h, fd, buf, 4, two, -1n),
        read(h, dir, buf, 4, two), // EISDIR
        read(h, wo, buf, 4, two), // not open for reading: EBADF
        read(h, 99, buf, 4, two, -1n), // a bad fd first
      ];
      expect(got, two ? "two iovecs" : "one iovec").toEqual([
        [E.FAULT, -1, 0n, ""], [0, 3, 3n, "bbb"], [0, 0, 3n, ""], [0, 2, 3n, "bb"], [0, 5, 8n, "bbbbb"], [0, 0, 8n, ""],
        [E.FAULT, 0xdead, 8n, ""], [E.FAULT, -1, 8n, ""], [E.FAULT, 0xdead, 8n, ""], [E.INVAL, 0xdead, 8n, ""],
        [E.ISDIR, 0xdead, 0n, ""], [E.BADF, 0xdead, 0n, ""], [E.BADF, 0xdead, 0n, ""],
      ]);
    }
  });

  it("a read-only open does not copy up; a write open does (rule 8)", () => {
    const h = harness();
    const [, ro] = h.open("etc/motd", { rights: RIGHTS_RDONLY });
    expect(h.union.upper.stat("etc/motd")).toBeUndefined();
    expect(h.write(ro, "x")[0]).toBe(E.BADF);
    const [e, rw] = h.open("etc/motd", { rights: R_READ | R_WRITE });
    expect(e).toBe(0);
    expect(h.union.upper.stat("etc/motd")).toBeDefined();
    expect(h.write(rw, "WELCOME")).toEqual([0, 7]);
    // The read-only handle sees the copied-up data (rule 9).
    expect(h.readText(ro, 100)[1]).toBe("WELCOME to the lower layer\n");
  });

  it("O_TRUNC copies up and empties the file even without write rights", () => {
    const h = harness();
    const [e] = h.open("etc/hostname", { oflags: OFLAGS.TRUNC, rights: 0n });
    expect(e).toBe(0);
    expect(h.union.readFile("/etc/hostname", "utf8")).toBe("");
    expect(h.union.upper.stat("etc/hostname")).toBeDefined();
  });

  it("a write-only file cannot be read", () => {
    const h = harness();
    const [, fd] = h.open("new.txt", { oflags: OFLAGS.CREAT, rights: R_WRITE });
    expect(h.readText(fd, 4)[0]).toBe(E.BADF);
  });

  it("pread and pwrite do not move the offset", () => {
    const h = harness();
    const [, fd] = h.open("f", { oflags: OFLAGS.CREAT, rights: ALL_RIGHTS });
    h.write(fd, "0123456789");
    const [p, l] = h.str("AB");
    const iov = h.alloc(8); h.view().setUint32(iov, p, true); h.view().setUint32(iov + 4, l, true);
    const np = h.alloc(4);
    expect(h.sys.fd_pwrite!(fd, iov, 1, 2n, np)).toBe(0);
    const off = h.alloc(8);
    expect(h.sys.fd_tell!(fd, off)).toBe(0);
    expect(h.u64(off)).toBe(10n);
    const buf = h.alloc(4);
    h.view().setUint32(iov, buf, true); h.view().setUint32(iov + 4, 4, true);
    expect(h.sys.fd_pread!(fd, iov, 1, 1n, np)).toBe(0);
    expect(h.text(buf, h.u32(np))).toBe("1AB4");
    expect(h.sys.fd_tell!(fd, off)).toBe(0);
    expect(h.u64(off)).toBe(10n);
  });

  it("O_APPEND writes at the end, and pwrite on an APPEND fd keeps the offset", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: ALL_RIGHTS, fdflags: FDFLAGS.APPEND });
    const off = h.alloc(8);
    expect(h.sys.fd_seek!(fd, 0n, WHENCE.SET, off)).toBe(0);
    h.write(fd, "++");
    expect(h.union.readFile("/data/a.txt", "utf8")).toBe("aaaa++");
    h.sys.fd_seek!(fd, 1n, WHENCE.SET, off);
    const [p, l] = h.str("P");
    const iov = h.alloc(8); h.view().setUint32(iov, p, true); h.view().setUint32(iov + 4, l, true);
    expect(h.sys.fd_pwrite!(fd, iov, 1, 0n, h.alloc(4))).toBe(0);
    h.sys.fd_tell!(fd, off);
    expect(h.u64(off)).toBe(1n);
    expect(h.union.readFile("/data/a.txt", "utf8")).toMatch(/^(aaaa\+\+P|Paaa\+\+)$/);
  });

  it("reading or writing a directory fd fails with EISDIR or EBADF", () => {
    const h = harness();
    expect(h.readText(ROOT, 4)[0]).toBe(E.ISDIR);
    expect(h.write(ROOT, "x")[0]).toBe(E.BADF);
  });

  it("writes to stdout and stderr reach the callbacks as copies", () => {
    const h = harness();
    expect(h.write(1, "out\n")).toEqual([0, 4]);
    expect(h.write(2, "err\n")).toEqual([0, 4]);
    expect(h.stdout()).toBe("out\n");
    expect(h.stderr()).toBe("err\n");
  });

  it("stdin reads from a string source, then EOF", () => {
    const h = harness({ stdin: "hello" });
    expect(h.readText(0, 3)).toEqual([0, "hel"]);
    expect(h.readText(0, 10)).toEqual([0, "lo"]);
    expect(h.readText(0, 10)).toEqual([0, ""]);
  });

  it("stdin reads from a callback that fills the guest buffer or returns bytes", () => {
    let calls = 0;
    const h = harness({ stdin: (into: Uint8Array) => {
      calls++;
      if (calls === 1) { into.set([65, 66]); return 2; }
      if (calls === 2) return "xyz";
      return null;
    } });
    expect(h.readText(0, 8)).toEqual([0, "AB"]);
    expect(h.readText(0, 2)).toEqual([0, "xy"]);
    expect(h.readText(0, 2)).toEqual([0, "z"]);
    expect(h.readText(0, 2)).toEqual([0, ""]);
  });

  it("stdio is not seekable (ESPIPE) and cannot be read backwards with pread", () => {
    const h = harness({ stdin: "abc" });
    expect(h.sys.fd_seek!(0, 0n, WHENCE.CUR, h.alloc(8))).toBe(E.SPIPE);
    expect(h.sys.fd_tell!(1, h.alloc(8))).toBe(E.SPIPE);
    const iov = h.alloc(8);
    h.view().setUint32(iov, h.alloc(4), true); h.view().setUint32(iov + 4, 4, true);
    expect(h.sys.fd_pread!(0, iov, 1, 0n, h.alloc(4))).toBe(E.SPIPE);
  });

  it("the data calls are one guest's binding of shared functions, not closures made per guest", () => {
    // V8 keeps a dead closure's optimized code only weakly: per-guest closures on this path
    // started unoptimized in every run after a full GC (calls/fd-data.ts).
    const names = (h: ReturnType<typeof harness>) => ["fd_read", "fd_pread", "fd_write", "fd_pwrite"].map((n) => (h.sys[n as "fd_read"] as { name: string }).name);
    expect(names(harness())).toEqual(["bound fdRead", "bound fdPread", "bound fdWrite", "bound fdPwrite"]);
  });

  it("a WasiExit thrown by a stdout sink reaches the host; other sink errors are EIO", () => {
    for (const [thrown, errno] of [[new WasiExit(3), undefined], [new Error("sink broke"), E.IO]] as const) {
      const h = harness({ stdout: () => { throw thrown; } });
      const [p, l] = h.str("data");
      const iov = h.alloc(8);
      h.view().setUint32(iov, p, true); h.view().setUint32(iov + 4, l, true);
      if (errno === undefined) expect(() => h.sys.fd_write!(1, iov, 1, h.alloc(4))).toThrow(WasiExit);
      else expect(h.sys.fd_write!(1, iov, 1, h.alloc(4))).toBe(errno);
    }
  });

  it("pread/pwrite offsets: negative or past 2^53-1 are EINVAL, the last safe one is EOF (read) or EFBIG (write)", () => {
    const h = harness();
    const [, fd] = h.open("f", { oflags: OFLAGS.CREAT, rights: ALL_RIGHTS });
    const [p, l] = h.str("data");
    const iov = h.alloc(8);
    h.view().setUint32(iov, p, true); h.view().setUint32(iov + 4, l, true);
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    for (const off of [-1n, -(1n << 63n), max + 1n, 1n << 62n]) {
      expect(h.sys.fd_pread!(fd, iov, 1, off, h.alloc(4))).toBe(E.INVAL);
      expect(h.sys.fd_pwrite!(fd, iov, 1, off, h.alloc(4))).toBe(E.INVAL);
    }
    const np = h.alloc(4);
    expect(h.sys.fd_pread!(fd, iov, 1, max, np)).toBe(0);
    expect(h.u32(np)).toBe(0);
    expect(h.sys.fd_pwrite!(fd, iov, 1, max, h.alloc(4))).toBe(E.FBIG);
    expect(h.sys.fd_pwrite!(fd, iov, 1, 3n, np)).toBe(0);
    expect(h.union.stat("/f").size).toBe(7);
  });

  it("out-of-bounds iovecs and result pointers are EFAULT and change nothing", () => {
    const h = harness();
    const [, fd] = h.open("f", { oflags: OFLAGS.CREAT, rights: ALL_RIGHTS });
    const iov = h.alloc(8);
    h.view().setUint32(iov, 0xfffff000, true); h.view().setUint32(iov + 4, 100, true);
    expect(h.sys.fd_write!(fd, iov, 1, h.alloc(4))).toBe(E.FAULT);
    expect(h.sys.fd_read!(fd, iov, 1, h.alloc(4))).toBe(E.FAULT);
    expect(h.sys.fd_write!(fd, 0x7fffffff, 1, h.alloc(4))).toBe(E.FAULT);
    const [p, l] = h.str("data");
    h.view().setUint32(iov, p, true); h.view().setUint32(iov + 4, l, true);
    expect(h.sys.fd_write!(fd, iov, 1, -8)).toBe(E.FAULT);
    expect(h.union.stat("/f").size).toBe(0);
    expect(h.sys.fd_write!(1, iov, 1, 1 << 30)).toBe(E.FAULT);
    expect(h.stdout()).toBe("");
  });
});

describe("fd_seek / fd_tell", () => {
  it("seeks with SET, CUR and END and rejects bad whence and negative results", () => {
    const h = harness();
    const [, fd] = h.open("data/b.txt", { rights: R_READ | R_SEEK | R_TELL });
    const off = h.alloc(8);
    expect(h.sys.fd_seek!(fd, -2n, WHENCE.END, off)).toBe(0);
    expect(h.u64(off)).toBe(6n);
    expect(h.sys.fd_seek!(fd, 1n, WHENCE.CUR, off)).toBe(0);
    expect(h.u64(off)).toBe(7n);
    expect(h.sys.fd_seek!(fd, 3n, WHENCE.SET, off)).toBe(0);
    expect(h.u64(off)).toBe(3n);
    expect(h.sys.fd_seek!(fd, 0n, 3, off)).toBe(E.INVAL);
    expect(h.sys.fd_seek!(fd, -10n, WHENCE.CUR, off)).toBe(E.INVAL);
    expect(h.sys.fd_seek!(fd, 0n, WHENCE.CUR, 0xffffffff)).toBe(E.FAULT);
  });

  it("a directory fd cannot seek or tell (EBADF)", () => {
    const h = harness();
    expect(h.sys.fd_seek!(ROOT, 0n, WHENCE.CUR, h.alloc(8))).toBe(E.BADF);
    expect(h.sys.fd_tell!(ROOT, h.alloc(8))).toBe(E.BADF);
  });

  it("seeking needs FD_SEEK, telling FD_TELL", () => {
    const h = harness();
    const [, fd] = h.open("data/b.txt", { rights: R_READ | R_TELL });
    expect(h.sys.fd_seek!(fd, 1n, WHENCE.SET, h.alloc(8))).toBe(E.BADF);
    expect(h.sys.fd_seek!(fd, 0n, WHENCE.CUR, h.alloc(8))).toBe(0);
  });
});

describe("fd_fdstat_get / fd_fdstat_set_flags / fd_fdstat_set_rights", () => {
  it("the root preopen is a directory with full base and inheriting rights", () => {
    const h = harness();
    const p = h.alloc(24);
    expect(h.sys.fd_fdstat_get!(ROOT, p)).toBe(0);
    expect(h.view().getUint8(p)).toBe(FILETYPE.DIRECTORY);
    const base = h.u64(p + 8), inh = h.u64(p + 16);
    expect(base & BigInt(RIGHTS.PATH_OPEN | RIGHTS.FD_READDIR | RIGHTS.PATH_CREATE_FILE)).toBe(BigInt(RIGHTS.PATH_OPEN | RIGHTS.FD_READDIR | RIGHTS.PATH_CREATE_FILE));
    expect(base & BigInt(RIGHTS.FD_SEEK)).toBe(0n);
    expect(inh & (R_READ | R_WRITE)).toBe(R_READ | R_WRITE);
  });

  it("reports the APPEND flag and changes flags on request", () => {
    const h = harness();
    const [, fd] = h.open("f", { oflags: OFLAGS.CREAT, rights: ALL_RIGHTS, fdflags: FDFLAGS.APPEND | FDFLAGS.SYNC });
    const p = h.alloc(24);
    h.sys.fd_fdstat_get!(fd, p);
    expect(h.view().getUint8(p)).toBe(FILETYPE.REGULAR_FILE);
    expect(h.view().getUint16(p + 2, true)).toBe(FDFLAGS.APPEND | FDFLAGS.SYNC);
    expect(h.sys.fd_fdstat_set_flags!(fd, FDFLAGS.NONBLOCK)).toBe(0);
    h.sys.fd_fdstat_get!(fd, p);
    expect(h.view().getUint16(p + 2, true)).toBe(FDFLAGS.NONBLOCK);
    expect(h.sys.fd_fdstat_set_flags!(fd, 0x20)).toBe(E.INVAL);
  });

  it("rights can be dropped but never regained", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: R_READ | R_WRITE });
    expect(h.sys.fd_fdstat_set_rights!(fd, R_READ, 0n)).toBe(0);
    expect(h.write(fd, "x")[0]).toBe(E.BADF);
    expect(h.sys.fd_fdstat_set_rights!(fd, R_READ | R_WRITE, 0n)).toBe(E.NOTCAPABLE);
  });

  it("stdio is a character device", () => {
    const h = harness();
    const p = h.alloc(24);
    expect(h.sys.fd_fdstat_get!(1, p)).toBe(0);
    expect(h.view().getUint8(p)).toBe(FILETYPE.CHARACTER_DEVICE);
    expect(h.u64(p + 8) & R_WRITE).toBe(R_WRITE);
  });
});

describe("fd_filestat_get / set_size / set_times", () => {
  it("stats an open file with real size, inode and times", () => {
    const h = harness();
    const [, fd] = h.open("data/b.txt", { rights: RIGHTS_RDONLY });
    const p = h.alloc(64);
    expect(h.sys.fd_filestat_get!(fd, p)).toBe(0);
    const st = h.union.stat("/data/b.txt");
    expect(h.view().getUint8(p + 16)).toBe(FILETYPE.REGULAR_FILE);
    expect(h.u64(p + 32)).toBe(8n);
    expect(h.u64(p + 8)).toBe(BigInt(st.ino));
    expect(h.u64(p + 48)).toBe(st.mtimeNs);
  });

  it("set_size truncates and extends a writable file, and needs the right", () => {
    const h = harness();
    const [, fd] = h.open("data/b.txt", { rights: ALL_RIGHTS });
    expect(h.sys.fd_filestat_set_size!(fd, 3n)).toBe(0);
    expect(h.union.readFile("/data/b.txt", "utf8")).toBe("bbb");
    expect(h.sys.fd_filestat_set_size!(fd, 5n)).toBe(0);
    expect(h.union.readFile("/data/b.txt")).toEqual(new Uint8Array([98, 98, 98, 0, 0]));
    const [, ro] = h.open("data/a.txt", { rights: RIGHTS_RDONLY });
    expect(h.sys.fd_filestat_set_size!(ro, 0n)).toBe(E.BADF);
    expect(h.sys.fd_filestat_set_size!(ROOT, 0n)).toBe(E.ISDIR);
  });

  it("set_times sets given times, NOW, and rejects X with X_NOW", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: RIGHTS_RDONLY });
    expect(h.sys.fd_filestat_set_times!(fd, 5_000_000_000n, 6_000_000_000n, FSTFLAGS.ATIM | FSTFLAGS.MTIM)).toBe(0);
    let st = h.union.stat("/data/a.txt");
    expect(st.atimeNs).toBe(5_000_000_000n);
    expect(st.mtimeNs).toBe(6_000_000_000n);
    const before = BigInt(Date.now() - 5000) * 1_000_000n;
    expect(h.sys.fd_filestat_set_times!(fd, 0n, 0n, FSTFLAGS.MTIM_NOW)).toBe(0);
    st = h.union.stat("/data/a.txt");
    expect(st.mtimeNs > before).toBe(true);
    expect(st.atimeNs).toBe(5_000_000_000n);
    expect(h.sys.fd_filestat_set_times!(fd, 0n, 0n, FSTFLAGS.ATIM | FSTFLAGS.ATIM_NOW)).toBe(E.INVAL);
    expect(h.sys.fd_filestat_set_times!(fd, 0n, 0n, FSTFLAGS.MTIM | FSTFLAGS.MTIM_NOW)).toBe(E.INVAL);
    expect(h.sys.fd_filestat_set_times!(fd, 0n, 0n, 0x10)).toBe(E.INVAL);
  });

  it("set_times works on a directory fd", () => {
    const h = harness();
    expect(h.sys.fd_filestat_set_times!(ROOT, 0n, 7_000_000_000n, FSTFLAGS.MTIM)).toBe(0);
    expect(h.union.stat("/").mtimeNs).toBe(7_000_000_000n);
  });
});

describe("fd_close / fd_renumber / fd_advise / fd_allocate / fd_sync / fd_datasync", () => {
  it("close frees the fd; using it again is EBADF", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: RIGHTS_RDONLY });
    expect(h.sys.fd_close!(fd)).toBe(0);
    expect(h.sys.fd_close!(fd)).toBe(E.BADF);
    expect(h.readText(fd, 1)[0]).toBe(E.BADF);
  });

  it("renumber moves a descriptor over another one", () => {
    const h = harness();
    const [, a] = h.open("data/a.txt", { rights: RIGHTS_RDONLY });
    const [, b] = h.open("data/b.txt", { rights: RIGHTS_RDONLY });
    expect(h.sys.fd_renumber!(a, b)).toBe(0);
    expect(h.readText(b, 10)).toEqual([0, "aaaa"]);
    expect(h.readText(a, 10)[0]).toBe(E.BADF);
    expect(h.sys.fd_renumber!(b, 99)).toBe(E.BADF);
    expect(h.sys.fd_renumber!(99, b)).toBe(E.BADF);
  });

  it("advise validates the advice and accepts it", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: RIGHTS_RDONLY });
    expect(h.sys.fd_advise!(fd, 0n, 4n, 1)).toBe(0);
    expect(h.sys.fd_advise!(fd, 0n, 4n, 6)).toBe(E.INVAL);
    expect(h.sys.fd_advise!(42, 0n, 4n, 0)).toBe(E.BADF);
  });

  it("allocate grows a file only when offset+len passes its end", () => {
    const h = harness();
    const [, fd] = h.open("g", { oflags: OFLAGS.CREAT, rights: ALL_RIGHTS });
    expect(h.sys.fd_allocate!(fd, 0n, 100n)).toBe(0);
    expect(h.union.stat("/g").size).toBe(100);
    expect(h.sys.fd_allocate!(fd, 10n, 10n)).toBe(0);
    expect(h.union.stat("/g").size).toBe(100);
    expect(h.sys.fd_allocate!(fd, 90n, 20n)).toBe(0);
    expect(h.union.stat("/g").size).toBe(110);
    expect(h.sys.fd_allocate!(ROOT, 0n, 0n)).toBe(E.BADF);
  });

  it("sync and datasync succeed on files and directories", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: RIGHTS_RDONLY });
    expect(h.sys.fd_sync!(fd)).toBe(0);
    expect(h.sys.fd_datasync!(fd)).toBe(0);
    expect(h.sys.fd_sync!(ROOT)).toBe(0);
    expect(h.sys.fd_sync!(77)).toBe(E.BADF);
  });
});

describe("fd_prestat_get / fd_prestat_dir_name", () => {
  it("fd 3 is the preopen named /", () => {
    const h = harness();
    const p = h.alloc(8);
    expect(h.sys.fd_prestat_get!(ROOT, p)).toBe(0);
    expect(h.view().getUint8(p)).toBe(0);
    expect(h.u32(p + 4)).toBe(1);
    const name = h.alloc(4);
    expect(h.sys.fd_prestat_dir_name!(ROOT, name, 1)).toBe(0);
    expect(h.text(name, 1)).toBe("/");
    expect(h.sys.fd_prestat_dir_name!(ROOT, name, 0)).toBe(E.NAMETOOLONG);
    expect(h.sys.fd_prestat_dir_name!(ROOT, name, 4)).toBe(0);
    expect(h.sys.fd_prestat_get!(4, p)).toBe(E.BADF);
    expect(h.sys.fd_prestat_get!(1, p)).toBe(E.BADF);
  });

  it("extra preopens follow in order, including union subdirectories", () => {
    const h0 = harness();
    const h = harness({ preopens: { "/cfg": { union: h0.union, path: "/etc" } } });
    const p = h.alloc(8);
    expect(h.sys.fd_prestat_get!(4, p)).toBe(0);
    expect(h.u32(p + 4)).toBe(4);
    const name = h.alloc(4);
    h.sys.fd_prestat_dir_name!(4, name, 4);
    expect(h.text(name, 4)).toBe("/cfg");
    const [e, fd] = h.open("hostname", { fd: 4, rights: RIGHTS_RDONLY });
    expect(e).toBe(0);
    expect(h.readText(fd, 10)).toEqual([0, "box\n"]);
    expect(h.open("../data/a.txt", { fd: 4, rights: RIGHTS_RDONLY })[0]).toBe(E.NOTCAPABLE);
  });
});
