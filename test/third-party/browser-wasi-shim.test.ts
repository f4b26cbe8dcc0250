// layerfs's adapter for @bjorn3/browser_wasi_shim 0.4.2 (src/wasi/shim/): the union as a
// shim preopen, and fixShimWasi's patches for the 0.4.2 dispatcher, each shown failing on
// the unpatched shim and working once patched. Runs in Node, Deno and Chromium.
import { File, PreopenDirectory, WASI, wasi as shimDefs } from "@bjorn3/browser_wasi_shim";
import type { Fd } from "@bjorn3/browser_wasi_shim";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { FILETYPE, OFLAGS } from "../../src/wasi/abi.ts";
import { DIR_INHERITING, RIGHTS } from "../../src/wasi/rights.ts";
import {
  createShimWasi, fixShimWasi, UnionDirFd, UnionFileFd, UnionPreopen,
} from "../../src/wasi/shim/mod.ts";
import { readLayerFile } from "../support/oracle-format.ts";
import { compileTestProgram, TextSink } from "./helpers.ts";

const T0 = 1_600_000_000_123_456_789n; // lower-layer times: non-zero, with sub-second digits
const dec = new TextDecoder();

function lowers(): MemoryLayer[] {
  return [
    MemoryLayer.from({ "etc/hostname": "base\n", "data/big.txt": "0123456789", "data/sub/": {}, "opt/x": "x" }, { timeNs: T0 }),
    MemoryLayer.from({ "etc/.wh.hostname": "", "etc/motd": "hi\n", "data/link": { symlink: "big.txt" } }, { timeNs: T0 }),
  ];
}

function freshUnion(): Union {
  return new Union(new Image(lowers()), new MemoryLayer());
}

/** Guest memory for calling a WASI instance's imports directly. */
function attachMemory(w: WASI): { u8: Uint8Array; dv: DataView; put(s: string, at: number): [number, number] } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  (w as unknown as { inst: unknown }).inst = { exports: { memory } };
  const u8 = new Uint8Array(memory.buffer);
  const dv = new DataView(memory.buffer);
  return {
    u8, dv,
    put(s: string, at: number): [number, number] {
      const b = new TextEncoder().encode(s);
      u8.set(b, at);
      return [at, b.length];
    },
  };
}

type Imp = Record<string, (...a: unknown[]) => number>;
const imports = (w: WASI): Imp => w.wasiImport as Imp;

/** A bare shim WASI (debug off) with the union preopened at fd 3. */
function shimWith(union: Union, more: Fd[] = []): WASI {
  return new WASI([], [], [new UnionPreopen(union), new UnionPreopen(union), new UnionPreopen(union), new UnionPreopen(union, "/"), ...more], { debug: false });
}

describe("C test programs through the shim with a union preopen", () => {
  const programs: [string, ...string[]][] = [
    ["wasi_files"], ["wasi_dirs"], ["wasi_rights"], ["wasi_symlinks"], ["wasi_symlinks", "--allow-absolute-symlinks"], ["wasi_times"],
  ];
  for (const [name, ...args] of programs) {
    it(`${[name + ".wasm", ...args].join(" ")} passes every check under browser_wasi_shim 0.4.2 + createShimWasi`, async () => {
      const union = freshUnion();
      const out = new TextSink();
      const allowAbsoluteSymlinks = args.includes("--allow-absolute-symlinks");
      const w = createShimWasi(WASI, {
        union, args: [`${name}.wasm`, ...args], stdout: out.write, stderr: out.write, allowAbsoluteSymlinks,
      });
      const instance = await WebAssembly.instantiate(await compileTestProgram(name), {
        wasi_snapshot_preview1: w.wasiImport as WebAssembly.ModuleImports,
      });
      const code = w.start(instance as unknown as Parameters<WASI["start"]>[0]);
      const lines = out.text.split("\n").filter((l) => l !== "");
      expect(lines.filter((l) => l.startsWith("not ok")), out.text).toEqual([]);
      expect(lines[lines.length - 1]).toMatch(/^# passed \d+ failed 0$/);
      expect(code).toBe(0);
      // The lower layers were never written to.
      expect(union.image.layers.map((l) => l.stat("data/big.txt")?.size)).toEqual([10, undefined]);
      expect(union.readFile("/data/big.txt", "utf8")).toBe("0123456789");
    });
  }

  it("the symlink program fails on the unpatched 0.4.2 dispatcher (path_symlink is always NOTSUP)", async () => {
    const out = new TextSink();
    const w = createShimWasi(WASI, { union: freshUnion(), args: ["wasi_symlinks.wasm"], stdout: out.write, fix: false });
    const instance = await WebAssembly.instantiate(await compileTestProgram("wasi_symlinks"), {
      wasi_snapshot_preview1: w.wasiImport as WebAssembly.ModuleImports,
    });
    expect(w.start(instance as unknown as Parameters<WASI["start"]>[0])).not.toBe(0);
    expect(out.text).toMatch(/not ok - path_symlink: expected SUCCESS got NOTSUP/);
  });
});

describe("fixShimWasi: the 0.4.2 dispatcher bugs, before and after", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("path_symlink reaches the union once patched (0.4.2 answers NOTSUP without asking the Fd)", () => {
    const union = freshUnion();
    const w = shimWith(union);
    const m = attachMemory(w);
    const [tp, tl] = m.put("big.txt", 100);
    const [pp, pl] = m.put("data/alias", 200);
    expect(imports(w).path_symlink!(tp, tl, 3, pp, pl)).toBe(Errno.NOTSUP);
    expect(union.exists("/data/alias")).toBe(false);
    fixShimWasi(w);
    expect(imports(w).path_symlink!(tp, tl, 3, pp, pl)).toBe(Errno.SUCCESS);
    expect(union.readlink("/data/alias")).toBe("big.txt");
    expect(union.readFile("/data/alias", "utf8")).toBe("0123456789");
    expect(union.upper.stat("data/alias")?.type).toBe("symlink");
    // Errors come back as errnos: the name is taken now, and fd 9 does not exist.
    expect(imports(w).path_symlink!(tp, tl, 3, pp, pl)).toBe(Errno.EXIST);
    expect(imports(w).path_symlink!(tp, tl, 9, pp, pl)).toBe(Errno.BADF);
  });

  it("path_rename is one atomic union rename once patched (0.4.2 does path_unlink + path_link)", () => {
    const union = freshUnion();
    const w = fixShimWasi(shimWith(union));
    const m = attachMemory(w);
    const unlink = vi.spyOn(UnionDirFd.prototype, "path_unlink");
    const link = vi.spyOn(UnionDirFd.prototype, "path_link");
    const [ap, al] = m.put("etc/motd", 100);
    const [bp, bl] = m.put("opt/motd", 200);
    expect(imports(w).path_rename!(3, ap, al, 3, bp, bl)).toBe(Errno.SUCCESS);
    expect(unlink).not.toHaveBeenCalled();
    expect(link).not.toHaveBeenCalled();
    expect(union.readFile("/opt/motd", "utf8")).toBe("hi\n");
    expect(union.exists("/etc/motd")).toBe(false);
    expect(union.upper.stat("etc/.wh.motd")).toBeDefined();
    // A failing rename changes nothing: a directory over a non-empty directory.
    const before = union.changes();
    const [dp, dl] = m.put("data/sub", 300);
    const [ep, el] = m.put("opt", 400);
    expect(imports(w).path_rename!(3, dp, dl, 3, ep, el)).toBe(Errno.NOTEMPTY);
    expect(union.changes()).toEqual(before);
  });

  it("a patched rename between a union and a shim directory is EXDEV; 0.4.2 moves a foreign inode and keeps the file", () => {
    const mkShimDir = () => new PreopenDirectory("/mem", new Map<string, File>([["keep", new File(new Uint8Array([1]))]]));
    // Unpatched: "succeeds", yet the union still has the file and the shim dir holds a union object.
    const u1 = freshUnion();
    const d1 = mkShimDir();
    const w1 = shimWith(u1, [d1]);
    const m1 = attachMemory(w1);
    const [ap, al] = m1.put("etc/motd", 100);
    const [bp, bl] = m1.put("moved", 200);
    expect(imports(w1).path_rename!(3, ap, al, 4, bp, bl)).toBe(Errno.SUCCESS);
    expect(u1.readFile("/etc/motd", "utf8")).toBe("hi\n");
    expect(d1.dir.contents.get("moved")?.constructor.name).toBe("PendingRename");
    // Patched: a clear EXDEV (what rename(2) says across filesystems), nothing changes anywhere.
    const u2 = freshUnion();
    const d2 = mkShimDir();
    const w2 = fixShimWasi(shimWith(u2, [d2]));
    const m2 = attachMemory(w2);
    m2.put("etc/motd", 100);
    m2.put("moved", 200);
    expect(imports(w2).path_rename!(3, ap, al, 4, bp, bl)).toBe(Errno.XDEV);
    expect(imports(w2).path_rename!(4, bp, bl, 3, ap, al)).toBe(Errno.XDEV);
    expect(u2.changes()).toEqual([]);
    expect([...d2.dir.contents.keys()]).toEqual(["keep"]);
  });

  it("a directory fd follows its directory through a patched rename", () => {
    const union = freshUnion();
    const w = fixShimWasi(shimWith(union));
    const m = attachMemory(w);
    const pre = w.fds[3] as UnionDirFd;
    const { ret, fd_obj } = pre.path_open(0, "data/sub", OFLAGS.DIRECTORY, BigInt(DIR_INHERITING), BigInt(DIR_INHERITING), 0);
    expect(ret).toBe(Errno.SUCCESS);
    const sub = fd_obj as UnionDirFd;
    w.fds.push(sub);
    const [ap, al] = m.put("data", 100);
    const [bp, bl] = m.put("moved", 200);
    expect(imports(w).path_rename!(3, ap, al, 3, bp, bl)).toBe(Errno.SUCCESS);
    expect(sub.path).toBe("/moved/sub");
    expect(sub.path_create_directory("inner")).toBe(Errno.SUCCESS);
    expect(union.stat("/moved/sub/inner").type).toBe("dir");
  });

  it("filestat has the 64-byte preview1 layout once patched (0.4.2 writes the times over st_size)", () => {
    // An Fd of any kind that returns the shim's own Filestat class with non-zero times.
    class TimedFd extends UnionPreopen {
      override fd_filestat_get() {
        const s = new shimDefs.Filestat(7n, FILETYPE.REGULAR_FILE, 4242n);
        s.atim = 0x1111_2222_3333_4444n;
        s.mtim = T0;
        s.ctim = T0 + 1n;
        return { ret: Errno.SUCCESS, filestat: s };
      }
    }
    const union = freshUnion();
    const w = new WASI([], [], [new TimedFd(union)], { debug: false });
    const m = attachMemory(w);
    expect(imports(w).fd_filestat_get!(0, 64)).toBe(Errno.SUCCESS);
    expect(m.dv.getBigUint64(64 + 32, true)).not.toBe(4242n); // 0.4.2: size corrupted
    fixShimWasi(w);
    m.u8.fill(0xee, 64, 128);
    expect(imports(w).fd_filestat_get!(0, 64)).toBe(Errno.SUCCESS);
    expect(m.dv.getBigUint64(64 + 8, true)).toBe(7n);
    expect(m.dv.getUint8(64 + 16)).toBe(FILETYPE.REGULAR_FILE);
    expect(m.dv.getBigUint64(64 + 32, true)).toBe(4242n);
    expect(m.dv.getBigUint64(64 + 40, true)).toBe(0x1111_2222_3333_4444n);
    expect(m.dv.getBigUint64(64 + 48, true)).toBe(T0);
    expect(m.dv.getBigUint64(64 + 56, true)).toBe(T0 + 1n);
  });

  it("path_filestat_get of a lower file gives its size and times (patched)", () => {
    const union = freshUnion();
    const w = fixShimWasi(shimWith(union));
    const m = attachMemory(w);
    const [pp, pl] = m.put("data/big.txt", 100);
    expect(imports(w).path_filestat_get!(3, 0, pp, pl, 256)).toBe(Errno.SUCCESS);
    expect(m.dv.getUint8(256 + 16)).toBe(FILETYPE.REGULAR_FILE);
    expect(m.dv.getBigUint64(256 + 32, true)).toBe(10n);
    expect(m.dv.getBigUint64(256 + 48, true)).toBe(T0);
    const [lp, ll] = m.put("data/link", 120);
    expect(imports(w).path_filestat_get!(3, 0, lp, ll, 256)).toBe(Errno.SUCCESS);
    expect(m.dv.getUint8(256 + 16)).toBe(FILETYPE.SYMBOLIC_LINK);
    expect(m.dv.getBigUint64(256 + 32, true)).toBe(7n); // target length
    // A pointer past the end of memory is EFAULT, not an exception.
    expect(imports(w).path_filestat_get!(3, 0, pp, pl, 65536 - 8)).toBe(Errno.FAULT);
  });

  it("readlink into a short buffer truncates once patched (0.4.2 fails with EBADF)", () => {
    const union = freshUnion();
    const w = shimWith(union);
    const m = attachMemory(w);
    const [pp, pl] = m.put("data/link", 100);
    expect(imports(w).path_readlink!(3, pp, pl, 200, 3, 300)).toBe(Errno.BADF);
    fixShimWasi(w);
    expect(imports(w).path_readlink!(3, pp, pl, 200, 3, 300)).toBe(Errno.SUCCESS);
    expect(m.dv.getUint32(300, true)).toBe(3);
    expect(dec.decode(m.u8.slice(200, 203))).toBe("big");
  });

  it("createShimWasi passes { debug: false } (0.4.2 logs every call when the options object is missing)", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const bare = new WASI(["a"], [], []);
    attachMemory(bare);
    imports(bare).args_sizes_get!(0, 4);
    expect(log).toHaveBeenCalled(); // the shim's debug logger is on
    log.mockClear();
    const w = createShimWasi(WASI, { union: freshUnion(), args: ["a"] });
    attachMemory(w);
    imports(w).args_sizes_get!(0, 4);
    expect(log).not.toHaveBeenCalled();
  });

  it("path_link across a union and a shim directory is EXDEV once patched (0.4.2 files the union's object there)", () => {
    const mk = () => new PreopenDirectory("/mem", new Map<string, File>());
    const d1 = mk();
    const w1 = shimWith(freshUnion(), [d1]);
    const m1 = attachMemory(w1);
    const [ap, al] = m1.put("etc/motd", 100);
    const [bp, bl] = m1.put("copy", 200);
    expect(imports(w1).path_link!(3, 0, ap, al, 4, bp, bl)).toBe(Errno.SUCCESS);
    expect(d1.dir.contents.get("copy")?.constructor.name).toBe("UnionInode");
    const d2 = mk();
    const union = freshUnion();
    const w2 = fixShimWasi(shimWith(union, [d2]));
    const m2 = attachMemory(w2);
    m2.put("etc/motd", 100);
    m2.put("copy", 200);
    expect(imports(w2).path_link!(3, 0, ap, al, 4, bp, bl)).toBe(Errno.XDEV);
    expect(d2.dir.contents.size).toBe(0);
    // Inside the union, a hard link still works.
    const [cp, cl] = m2.put("etc/motd2", 300);
    expect(imports(w2).path_link!(3, 0, ap, al, 3, cp, cl)).toBe(Errno.SUCCESS);
    expect(union.stat("/etc/motd2").ino).toBe(union.stat("/etc/motd").ino);
  });

  it("sock_* return EBADF/ENOTSOCK and proc_raise ENOSYS once patched (0.4.2 throws into the guest)", () => {
    const w = shimWith(freshUnion());
    attachMemory(w);
    expect(() => imports(w).sock_shutdown!(3, 0)).toThrow();
    fixShimWasi(w);
    expect(imports(w).sock_shutdown!(3, 0)).toBe(Errno.NOTSOCK);
    expect(imports(w).sock_recv!(42, 0, 0, 0, 0, 0)).toBe(Errno.BADF);
    expect(imports(w).sock_send!(0, 0, 0, 0, 0)).toBe(Errno.NOTSOCK);
    expect(imports(w).sock_accept!(99, 0, 0)).toBe(Errno.BADF);
    expect(imports(w).proc_raise!(9)).toBe(Errno.NOSYS);
  });

  it("an out-of-bounds pointer is EFAULT once patched (0.4.2 throws a RangeError into the guest)", () => {
    const w = shimWith(freshUnion());
    attachMemory(w);
    expect(() => imports(w).fd_write!(1, 70_000, 1, 0)).toThrow(RangeError);
    expect(() => imports(w).args_sizes_get!(70_000, 0)).toThrow(RangeError);
    fixShimWasi(w);
    expect(imports(w).fd_write!(1, 70_000, 1, 0)).toBe(Errno.FAULT);
    expect(imports(w).args_sizes_get!(70_000, 0)).toBe(Errno.FAULT);
    expect(() => imports(w).proc_exit!(3)).toThrow(/exit with exit code 3/); // still ends the program
  });

  it("poll_oneoff takes clocks and fds together and writes nevents once patched (0.4.2: one clock only)", () => {
    /** Subscriptions at 1024 (48 bytes each), events at 2048 (32 bytes each), nevents at 4000. */
    const subscribe = (m: ReturnType<typeof attachMemory>, subs: ({ clockMs: number } | { readFd: number })[]) => {
      subs.forEach((s, i) => {
        const p = 1024 + i * 48;
        m.u8.fill(0, p, p + 48);
        m.dv.setBigUint64(p, BigInt(100 + i), true);
        if ("clockMs" in s) {
          m.dv.setUint8(p + 8, 0);
          m.dv.setUint32(p + 16, 1, true); // monotonic
          m.dv.setBigUint64(p + 24, BigInt(s.clockMs) * 1_000_000n, true);
        } else {
          m.dv.setUint8(p + 8, 1);
          m.dv.setUint32(p + 16, s.readFd, true);
        }
      });
    };
    const event = (m: ReturnType<typeof attachMemory>, i: number) => ({
      userdata: m.dv.getBigUint64(2048 + i * 32, true), error: m.dv.getUint16(2048 + i * 32 + 8, true),
      type: m.dv.getUint8(2048 + i * 32 + 10), nbytes: m.dv.getBigUint64(2048 + i * 32 + 16, true),
    });
    const bare = createShimWasi(WASI, { union: freshUnion(), stdin: "abc", fix: false });
    const mb = attachMemory(bare);
    subscribe(mb, [{ clockMs: 5 }, { readFd: 0 }]);
    expect(imports(bare).poll_oneoff!(1024, 2048, 2, 4000)).toBe(Errno.NOTSUP);
    subscribe(mb, [{ readFd: 0 }]);
    expect(imports(bare).poll_oneoff!(1024, 2048, 1, 4000)).toBe(Errno.NOTSUP);

    const w = createShimWasi(WASI, { union: freshUnion(), stdin: "abc" });
    const m = attachMemory(w);
    subscribe(m, [{ clockMs: 5_000 }, { readFd: 0 }, { readFd: 77 }]);
    m.dv.setUint32(4000, 0xffff, true);
    expect(imports(w).poll_oneoff!(1024, 2048, 3, 4000)).toBe(Errno.SUCCESS);
    expect(m.dv.getUint32(4000, true)).toBe(2); // stdin ready, fd 77 bad: no waiting for the clock
    expect(event(m, 0)).toEqual({ userdata: 101n, error: 0, type: 1, nbytes: 3n });
    expect(event(m, 1)).toEqual({ userdata: 102n, error: Errno.BADF, type: 1, nbytes: 0n });
    subscribe(m, [{ clockMs: 20 }]);
    const t0 = performance.now();
    expect(imports(w).poll_oneoff!(1024, 2048, 1, 4000)).toBe(Errno.SUCCESS);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    expect(m.dv.getUint32(4000, true)).toBe(1);
    expect(event(m, 0)).toEqual({ userdata: 100n, error: 0, type: 0, nbytes: 0n });
  });

  it("is idempotent", () => {
    const w = shimWith(freshUnion());
    fixShimWasi(w);
    const first = imports(w).path_symlink;
    fixShimWasi(w);
    expect(imports(w).path_symlink).toBe(first);
  });
});

describe("UnionPreopen and the Fds it opens", () => {
  const READ = BigInt(RIGHTS.FD_READ | RIGHTS.FD_SEEK | RIGHTS.FD_TELL | RIGHTS.FD_FILESTAT_GET);
  const WRITE = READ | BigInt(RIGHTS.FD_WRITE);

  function open(pre: UnionPreopen, path: string, oflags = 0, rights = READ, fdflags = 0): UnionFileFd {
    const { ret, fd_obj } = pre.path_open(1, path, oflags, rights, 0n, fdflags);
    expect(ret).toBe(Errno.SUCCESS);
    return fd_obj as UnionFileFd;
  }

  it("reports itself as a preopened directory named / with full directory rights", () => {
    const pre = new UnionPreopen(freshUnion());
    expect(dec.decode(pre.fd_prestat_get().prestat!.inner.pr_name)).toBe("/");
    const st = pre.fd_fdstat_get().fdstat!;
    expect(st.fs_filetype).toBe(FILETYPE.DIRECTORY);
    expect(st.fs_rights_inherited).toBe(BigInt(DIR_INHERITING));
  });

  it("a read-only open of a lower file reads it without copying it up", () => {
    const union = freshUnion();
    const f = open(new UnionPreopen(union), "data/big.txt");
    expect(dec.decode(f.fd_read(4).data)).toBe("0123");
    expect(dec.decode(f.fd_pread(3, 7n).data)).toBe("789");
    expect(f.fd_write(new Uint8Array([65])).ret).toBe(Errno.BADF);
    expect(f.fd_close()).toBe(Errno.SUCCESS);
    expect(union.changes()).toEqual([]);
  });

  it("an open with FD_WRITE copies up (rule 8) and writes land in the upper only", () => {
    const union = freshUnion();
    const f = open(new UnionPreopen(union), "data/big.txt", 0, WRITE);
    expect(union.upper.stat("data/big.txt")?.size).toBe(10);
    expect(f.fd_seek(0n, 2).offset).toBe(10n);
    expect(f.fd_write(new TextEncoder().encode("AB")).nwritten).toBe(2);
    f.fd_close();
    expect(union.readFile("/data/big.txt", "utf8")).toBe("0123456789AB");
    expect(dec.decode(readLayerFile(union.image.layers[0]!, "data/big.txt"))).toBe("0123456789");
    expect(union.changes()).toEqual([{ kind: "C", path: "/data/big.txt" }]);
  });

  it("O_TRUNC copies up even without write rights", () => {
    const union = freshUnion();
    open(new UnionPreopen(union), "etc/motd", OFLAGS.TRUNC).fd_close();
    expect(union.readFile("/etc/motd", "utf8")).toBe("");
    expect(union.upper.stat("etc/motd")?.size).toBe(0);
  });

  it("a Go-style read-only open (size rights, no FD_WRITE) never copies up: set_size EINVAL, allocate EBADF (Linux)", () => {
    const union = freshUnion();
    const rights = READ | BigInt(RIGHTS.FD_FILESTAT_SET_SIZE | RIGHTS.FD_ALLOCATE);
    const f = open(new UnionPreopen(union), "data/big.txt", 0, rights);
    expect(f.fd_filestat_set_size(4n)).toBe(Errno.INVAL);
    expect(f.fd_allocate(0n, 100n)).toBe(Errno.BADF);
    expect(f.fd_allocate(0n, 1n)).toBe(Errno.BADF);
    expect(union.changes()).toEqual([]);
    expect(dec.decode(f.fd_pread(10, 0n).data)).toBe("0123456789");
  });

  it("O_APPEND writes at the end and pwrite on it does not move the offset", () => {
    const union = freshUnion();
    const f = open(new UnionPreopen(union), "opt/x", 0, WRITE, 1 /* APPEND */);
    expect(f.fd_pwrite(new TextEncoder().encode("y"), 0n).ret).toBe(Errno.SUCCESS);
    expect(f.fd_tell().offset).toBe(0n);
    f.fd_write(new TextEncoder().encode("z"));
    expect(union.readFile("/opt/x", "utf8")).toBe("xyz");
  });

  it("readdir lists . and .. first and keeps its snapshot while entries are deleted", () => {
    const union = freshUnion();
    const pre = new UnionPreopen(union);
    const names = (fd: UnionDirFd): string[] => {
      const out: string[] = [];
      for (let c = 0n; ;) {
        const { ret, dirent } = fd.fd_readdir_single(c);
        expect(ret).toBe(Errno.SUCCESS);
        if (dirent === null) return out;
        out.push(dec.decode(dirent.dir_name));
        c = dirent.d_next;
      }
    };
    const { fd_obj } = pre.path_open(0, "data", OFLAGS.DIRECTORY, BigInt(DIR_INHERITING), BigInt(DIR_INHERITING), 0);
    const d = fd_obj as UnionDirFd;
    expect(names(d)).toEqual([".", "..", "big.txt", "link", "sub"]);
    const first = d.fd_readdir_single(0n).dirent!;
    expect(pre.path_unlink_file("data/link")).toBe(Errno.SUCCESS);
    // Continuing from the cookie uses the snapshot taken at cookie 0.
    const rest: string[] = [];
    for (let c = first.d_next; ;) {
      const { dirent } = d.fd_readdir_single(c);
      if (dirent === null) break;
      rest.push(dec.decode(dirent.dir_name));
      c = dirent.d_next;
    }
    expect(rest).toEqual(["..", "big.txt", "link", "sub"]);
    expect(names(d)).toEqual([".", "..", "big.txt", "sub"]); // a new pass sees the deletion
  });

  it("confines paths to the directory fd and answers with errnos, never exceptions", () => {
    const pre = new UnionPreopen(freshUnion());
    expect(pre.path_open(0, "../etc/motd", 0, READ, 0n, 0).ret).toBe(Errno.NOTCAPABLE);
    expect(pre.path_open(0, "/etc/motd", 0, READ, 0n, 0).ret).toBe(Errno.NOTCAPABLE);
    expect(pre.path_open(0, "etc/hostname", 0, READ, 0n, 0).ret).toBe(Errno.NOENT); // whited out
    expect(pre.path_open(0, "a\0b", 0, READ, 0n, 0).ret).toBe(Errno.INVAL);
    expect(pre.path_open(0, "", 0, READ, 0n, 0).ret).toBe(Errno.NOENT);
    expect(pre.path_filestat_get(0, "nope").ret).toBe(Errno.NOENT);
    expect(pre.path_remove_directory("etc")).toBe(Errno.NOTEMPTY);
    expect(pre.path_readlink("data/big.txt").ret).toBe(Errno.INVAL);
    expect(pre.fd_read(1).ret).toBe(Errno.ISDIR);
  });

  it("a preopen of a subdirectory resolves inside it", () => {
    const union = freshUnion();
    const pre = new UnionPreopen(union, "/srv", { path: "/data" });
    expect(dec.decode(pre.fd_prestat_get().prestat!.inner.pr_name)).toBe("/srv");
    expect(dec.decode(open(pre, "big.txt").fd_read(3).data)).toBe("012");
    expect(pre.path_open(0, "../etc/motd", 0, READ, 0n, 0).ret).toBe(Errno.NOTCAPABLE);
  });
});
