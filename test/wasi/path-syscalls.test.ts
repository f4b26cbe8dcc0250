// path_* syscalls and fd_readdir called directly on a prepared memory (see harness.ts).
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { DIRENT_SIZE, FILETYPE, FSTFLAGS, OFLAGS, readDirentHeader, readFilestat } from "../../src/wasi/abi.ts";
import { ALL_RIGHTS, R_READ, R_WRITE, ROOT, RIGHTS_RDONLY, harness } from "./harness.ts";
import type { Harness } from "./harness.ts";

const E = Errno;
const dec = new TextDecoder();

function readdir(h: Harness, fd: number, cookie: bigint, size: number): { errno: number; used: number; buf: number } {
  const buf = h.alloc(size);
  const used = h.alloc(4);
  const errno = h.sys.fd_readdir!(fd, buf, size, cookie, used);
  return { errno, used: h.u32(used), buf };
}

/** Parse whole entries of a readdir buffer: [name, d_next, type, ino]. */
function entries(h: Harness, buf: number, used: number): { name: string; next: bigint; type: number; ino: bigint }[] {
  const out = [];
  let p = 0;
  while (p + DIRENT_SIZE <= used) {
    const hd = readDirentHeader(h.view(), buf + p);
    if (p + DIRENT_SIZE + hd.namlen > used) break;
    out.push({ name: h.text(buf + p + DIRENT_SIZE, hd.namlen), next: hd.next, type: hd.type, ino: hd.ino });
    p += DIRENT_SIZE + hd.namlen;
  }
  return out;
}

function listAll(h: Harness, fd: number, size = 4096): string[] {
  const names: string[] = [];
  let cookie = 0n;
  for (;;) {
    const r = readdir(h, fd, cookie, size);
    const es = entries(h, r.buf, r.used);
    names.push(...es.map((e) => e.name));
    if (r.used < size || es.length === 0) return names;
    cookie = es[es.length - 1]!.next;
  }
}

function call(h: Harness, name: string, fd: number, path: string): number {
  const [p, l] = h.str(path);
  return h.sys[name]!(fd, p, l);
}

describe("path_open", () => {
  it("creates, exclusively creates and truncates", () => {
    const h = harness();
    expect(h.open("new.txt", { oflags: OFLAGS.CREAT, rights: R_WRITE })[0]).toBe(0);
    expect(h.union.exists("/new.txt")).toBe(true);
    expect(h.open("new.txt", { oflags: OFLAGS.CREAT | OFLAGS.EXCL, rights: R_WRITE })[0]).toBe(E.EXIST);
    expect(h.open("etc/hostname", { oflags: OFLAGS.CREAT | OFLAGS.EXCL })[0]).toBe(E.EXIST);
    expect(h.open("data/b.txt", { oflags: OFLAGS.TRUNC, rights: R_WRITE })[0]).toBe(0);
    expect(h.union.stat("/data/b.txt").size).toBe(0);
  });

  it("O_DIRECTORY opens directories and refuses files (ENOTDIR)", () => {
    const h = harness();
    expect(h.open("data", { oflags: OFLAGS.DIRECTORY, rights: 0n })[0]).toBe(0);
    expect(h.open("data/a.txt", { oflags: OFLAGS.DIRECTORY, rights: 0n })[0]).toBe(E.NOTDIR);
    expect(h.open("data", { oflags: OFLAGS.DIRECTORY | OFLAGS.CREAT })[0]).toBe(E.INVAL);
  });

  it("opening a directory for writing is EISDIR", () => {
    const h = harness();
    expect(h.open("data", { oflags: OFLAGS.DIRECTORY, rights: ALL_RIGHTS })[0]).toBe(E.ISDIR);
    expect(h.open(".", { oflags: OFLAGS.DIRECTORY, rights: R_READ | R_WRITE })[0]).toBe(E.ISDIR);
    expect(h.open(".", { oflags: OFLAGS.DIRECTORY, rights: R_READ })[0]).toBe(0);
    expect(h.open("data", { oflags: OFLAGS.CREAT, rights: R_READ })[0]).toBe(E.ISDIR);
  });

  it("masks rights by kind and refuses rights beyond the directory's inheriting rights", () => {
    const h = harness();
    const [, d] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY, inheriting: R_READ });
    const st = h.alloc(24);
    h.sys.fd_fdstat_get!(d, st);
    expect(h.u64(st + 8) & (1n << 2n)).toBe(0n); // no FD_SEEK on a directory
    expect(h.u64(st + 16)).toBe(R_READ);
    expect(h.open("a.txt", { fd: d, rights: R_READ })[0]).toBe(0);
    expect(h.open("a.txt", { fd: d, rights: R_READ | R_WRITE })[0]).toBe(E.NOTCAPABLE);
  });

  it("follows symlinks unless told not to; O_NOFOLLOW on a symlink is ELOOP", () => {
    const h = harness();
    const [e, fd] = h.open("link-to-a", { rights: RIGHTS_RDONLY });
    expect(e).toBe(0);
    expect(h.readText(fd, 10)).toEqual([0, "aaaa"]);
    expect(h.open("link-to-a", { follow: false, rights: RIGHTS_RDONLY })[0]).toBe(E.LOOP);
    expect(h.open("dirlink", { follow: false, oflags: OFLAGS.DIRECTORY })[0]).toBe(E.NOTDIR);
    expect(h.open("dangling", { rights: RIGHTS_RDONLY })[0]).toBe(E.NOENT);
  });

  it("symlinks that climb out of the root resolve inside the union", () => {
    const h = harness();
    const [e, fd] = h.open("escape-link", { rights: RIGHTS_RDONLY });
    expect(e).toBe(0);
    expect(h.readText(fd, 10)).toEqual([0, "box\n"]);
    expect(h.readText(h.open("abs-link", { rights: RIGHTS_RDONLY })[1], 10)).toEqual([0, "box\n"]);
  });

  it("'..' above the dir fd and absolute paths are ENOTCAPABLE; inner '..' is fine", () => {
    const h = harness();
    expect(h.open("../etc/hostname")[0]).toBe(E.NOTCAPABLE);
    expect(h.open("/etc/hostname")[0]).toBe(E.NOTCAPABLE);
    expect(h.open("data/../../etc/hostname")[0]).toBe(E.NOTCAPABLE);
    expect(h.open("data/./sub/../../etc//hostname", { rights: RIGHTS_RDONLY })[0]).toBe(0);
    const [, d] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY, inheriting: ALL_RIGHTS });
    expect(h.open("../etc/hostname", { fd: d })[0]).toBe(E.NOTCAPABLE);
    expect(h.open("sub/../a.txt", { fd: d, rights: R_READ })[0]).toBe(0);
  });

  it("rejects embedded NUL (EINVAL), empty paths (ENOENT) and trailing slashes on files (ENOTDIR)", () => {
    const h = harness();
    expect(h.open("etc/hostname\0")[0]).toBe(E.INVAL);
    expect(h.open("etc\0/hostname")[0]).toBe(E.INVAL);
    expect(h.open("")[0]).toBe(E.NOENT);
    expect(h.open("etc/hostname/", { rights: RIGHTS_RDONLY })[0]).toBe(E.NOTDIR);
    expect(h.open("data/", { rights: 0n })[0]).toBe(0);
    expect(h.open("newfile/", { oflags: OFLAGS.CREAT, rights: R_WRITE })[0]).toBe(E.ISDIR);
  });

  it("validates flags and the dir fd", () => {
    const h = harness();
    expect(h.open("x", { oflags: 0x10 })[0]).toBe(E.INVAL);
    expect(h.open("x", { fdflags: 0x20 })[0]).toBe(E.INVAL);
    const [p, l] = h.str("etc");
    expect(h.sys.path_open!(ROOT, 2, p, l, 0, 0n, 0n, 0, h.alloc(4))).toBe(E.INVAL);
    expect(h.open("x", { fd: 42 })[0]).toBe(E.BADF);
    const [, f] = h.open("data/a.txt", { rights: R_READ });
    expect(h.open("x", { fd: f })[0]).toBe(E.NOTDIR);
    expect(h.open("x", { fd: 1 })[0]).toBe(E.NOTDIR);
  });

  it("a bad result pointer is EFAULT and creates nothing", () => {
    const h = harness();
    const [p, l] = h.str("made.txt");
    expect(h.sys.path_open!(ROOT, 1, p, l, OFLAGS.CREAT, ALL_RIGHTS, 0n, 0, 0xfffffffc)).toBe(E.FAULT);
    expect(h.union.exists("/made.txt")).toBe(false);
    expect(h.sys.path_open!(ROOT, 1, 0xffffff00, 1000, 0, 0n, 0n, 0, h.alloc(4))).toBe(E.FAULT);
  });

  it("O_TRUNC needs PATH_FILESTAT_SET_SIZE on the directory (EPERM)", () => {
    const h = harness();
    const st = h.alloc(24);
    h.sys.fd_fdstat_get!(ROOT, st);
    expect(h.sys.fd_fdstat_set_rights!(ROOT, h.u64(st + 8) & ~(1n << 19n), h.u64(st + 16))).toBe(0);
    expect(h.open("data/a.txt", { oflags: OFLAGS.TRUNC, rights: 0n })[0]).toBe(E.PERM);
  });
});

describe("fd_readdir", () => {
  it("lists '.', '..' and the merged entries sorted, with types and inodes", () => {
    const h = harness();
    const [, d] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY });
    const r = readdir(h, d, 0n, 4096);
    expect(r.errno).toBe(0);
    const es = entries(h, r.buf, r.used);
    expect(es.map((e) => e.name)).toEqual([".", "..", "a.txt", "b.txt", "sub"]);
    expect(es.map((e) => e.type)).toEqual([3, 3, 4, 4, 3].map((t) => t === 3 ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE));
    expect(es[0]!.ino).toBe(BigInt(h.union.stat("/data").ino));
    expect(es[1]!.ino).toBe(BigInt(h.union.stat("/").ino));
    expect(es[2]!.ino).toBe(BigInt(h.union.stat("/data/a.txt").ino));
    expect(es.map((e) => e.next)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it("resumes from a cookie, and a short buffer gets a partial last entry", () => {
    const h = harness();
    const [, d] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY });
    const r = readdir(h, d, 2n, 4096);
    expect(entries(h, r.buf, r.used).map((e) => e.name)).toEqual(["a.txt", "b.txt", "sub"]);
    const short = readdir(h, d, 0n, 30); // "." (25 bytes) + 5 bytes of ".."
    expect(short.used).toBe(30);
    expect(entries(h, short.buf, short.used).map((e) => e.name)).toEqual(["."]);
    expect(h.read(short.buf + 25, 5)).toEqual(new Uint8Array([2, 0, 0, 0, 0]));
    expect(listAll(h, d, 40)).toEqual([".", "..", "a.txt", "b.txt", "sub"]);
    expect(readdir(h, d, 99n, 100).used).toBe(0);
  });

  /** The dirent stream of union directory `path` built independently: header (d_next, d_ino, d_namlen, d_type, zero padding), then the name. */
  function expectedStream(h: Harness, path: string): Uint8Array[] {
    const listed = [
      { name: ".", ino: h.union.stat(path).ino, type: FILETYPE.DIRECTORY },
      { name: "..", ino: h.union.stat(path.slice(0, path.lastIndexOf("/")) || "/").ino, type: FILETYPE.DIRECTORY },
      ...h.union.readdirEntries(path).map((e) => ({ name: e.name, ino: e.ino, type: e.type === "dir" ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE })),
    ];
    return listed.map((e, i) => {
      const name = new TextEncoder().encode(e.name);
      const b = new Uint8Array(DIRENT_SIZE + name.length);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, BigInt(i + 1), true);
      v.setBigUint64(8, BigInt(e.ino), true);
      v.setUint32(16, name.length, true);
      v.setUint8(20, e.type);
      b.set(name, DIRENT_SIZE);
      return b;
    });
  }

  function concat(parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  it("gives the dirent stream byte for byte at every cookie and buffer size, non-ASCII names and 64-bit inodes included", () => {
    // Names of 1-4 UTF-8 bytes per character (2-byte é, 3-byte €, 4-byte 😀), next to ASCII ones.
    const names = ["a", "café", "z€z", "😀", "plain.txt"];
    const h = harness({ spec: Object.fromEntries(names.map((n) => [`d/${n}`, "x"])) });
    expect(call(h, "path_create_directory", ROOT, "d/new-é")).toBe(0); // an upper directory among lower files
    const [, d] = h.open("d", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY });
    const parts = expectedStream(h, "/d");
    expect(h.union.readdirEntries("/d").filter((e) => e.ino >= 2 ** 32).length).toBe(names.length); // lower inodes use the high word
    for (let cookie = 0; cookie <= parts.length + 1; cookie++) {
      const expected = concat(parts.slice(cookie));
      for (let size = 0; size <= expected.length + 1; size++) {
        const r = readdir(h, d, BigInt(cookie), size);
        expect(r.errno).toBe(0);
        expect(r.used).toBe(Math.min(size, expected.length));
        expect(h.read(r.buf, r.used)).toEqual(expected.subarray(0, r.used));
      }
    }
  });

  it("gives the whole stream of a directory larger than any buffer before it, then of a small one again", () => {
    // 1,200 long names, every fifth not ASCII: about 100 KiB of dirents.
    const big = Array.from({ length: 1200 }, (_, i) => `${i % 5 === 0 ? "ü-" : ""}${"n".repeat(50)}-${String(i).padStart(4, "0")}`);
    const spec = { ...Object.fromEntries(big.map((n) => [`big/${n}`, "x"])), "small/a": "x", "small/é": "x" };
    const h = harness({ spec });
    h.memory.grow(16); // room for the buffers
    for (const path of ["/small", "/big", "/small"]) {
      const [, d] = h.open(path.slice(1), { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY });
      const parts = expectedStream(h, path);
      const all = concat(parts);
      const r = readdir(h, d, 0n, all.length + 100);
      expect(r.used).toBe(all.length);
      expect(h.read(r.buf, r.used)).toEqual(all);
      const mid = Math.floor(parts.length / 2);
      const rest = concat(parts.slice(mid));
      const m = readdir(h, d, BigInt(mid), rest.length);
      expect(h.read(m.buf, m.used)).toEqual(rest);
    }
  });

  it("cookies stay valid while entries are deleted (snapshot at cookie 0)", () => {
    const h = harness({ spec: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d/f${String(i).padStart(2, "0")}`, "x"])) });
    const [, d] = h.open("d", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY });
    const seen: string[] = [];
    let cookie = 0n;
    for (;;) {
      const r = readdir(h, d, cookie, 80);
      const es = entries(h, r.buf, r.used);
      if (es.length === 0) break;
      for (const e of es) {
        seen.push(e.name);
        if (e.name.startsWith("f")) expect(call(h, "path_unlink_file", d, e.name)).toBe(0);
      }
      cookie = es[es.length - 1]!.next;
      if (r.used < 80) break;
    }
    expect(seen).toEqual([".", "..", ...Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, "0")}`)]);
    expect(h.union.readdir("/d")).toEqual([]);
    expect(listAll(h, d)).toEqual([".", ".."]);
  });

  it("is ENOTDIR on a file and needs FD_READDIR", () => {
    const h = harness();
    const [, f] = h.open("data/a.txt", { rights: R_READ });
    expect(readdir(h, f, 0n, 100).errno).toBe(E.NOTDIR);
    const [, d] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: 0n });
    expect(readdir(h, d, 0n, 100).errno).toBe(E.BADF);
    expect(readdir(h, 55, 0n, 100).errno).toBe(E.BADF);
  });
});

describe("path_create_directory / path_remove_directory / path_unlink_file", () => {
  it("creates and removes directories, with Linux errnos for the odd cases", () => {
    const h = harness();
    expect(call(h, "path_create_directory", ROOT, "newdir")).toBe(0);
    expect(h.union.stat("/newdir").type).toBe("dir");
    expect(call(h, "path_create_directory", ROOT, "newdir")).toBe(E.EXIST);
    expect(call(h, "path_create_directory", ROOT, "data/.")).toBe(E.EXIST);
    expect(call(h, "path_create_directory", ROOT, "nope/x")).toBe(E.NOENT);
    expect(call(h, "path_remove_directory", ROOT, "data")).toBe(E.NOTEMPTY);
    expect(call(h, "path_remove_directory", ROOT, "data/.")).toBe(E.INVAL);
    expect(call(h, "path_remove_directory", ROOT, "etc/hostname")).toBe(E.NOTDIR);
    expect(call(h, "path_remove_directory", ROOT, "newdir")).toBe(0);
    expect(h.union.exists("/newdir")).toBe(false);
  });

  it("unlinks lower files leaving a whiteout, and refuses directories", () => {
    const h = harness();
    expect(call(h, "path_unlink_file", ROOT, "etc/motd")).toBe(0);
    expect(h.union.exists("/etc/motd")).toBe(false);
    expect(h.union.upper.stat("etc/.wh.motd")).toBeDefined();
    expect(call(h, "path_unlink_file", ROOT, "etc/motd")).toBe(E.NOENT);
    expect(call(h, "path_unlink_file", ROOT, "etc/hostname/")).toBe(E.NOTDIR);
    expect(call(h, "path_unlink_file", ROOT, "data")).toBe(E.ISDIR);
    expect(call(h, "path_unlink_file", ROOT, ".")).toBe(E.ISDIR);
    expect(call(h, "path_unlink_file", ROOT, "dangling")).toBe(0);
  });
});

describe("path_filestat_get / path_filestat_set_times", () => {
  it("writes the same 64 bytes at an 8-aligned and at an unaligned address, with the union's exact values", () => {
    const h = harness();
    for (const [path, flags] of [["data/a.txt", 0], ["link-to-a", 0], ["link-to-a", 1], ["data", 0], ["/", 0]] as const) {
      const [p, l] = h.str(path === "/" ? "." : path);
      const st = flags === 1 ? h.union.stat("/" + path) : h.union.lstat(path === "/" ? "/" : "/" + path);
      const base = h.alloc(160); // 8-aligned
      const written: Uint8Array[] = [];
      for (const off of [0, 1, 4, 72]) {
        h.u8().fill(0xee, base, base + 160);
        expect(h.sys.path_filestat_get!(ROOT, flags, p, l, base + off)).toBe(0);
        expect(h.read(base, off)).toEqual(new Uint8Array(off).fill(0xee)); // nothing before it
        expect(h.read(base + off + 64, 8)).toEqual(new Uint8Array(8).fill(0xee)); // nothing after it
        written.push(h.read(base + off, 64));
      }
      for (const w of written) expect(w).toEqual(written[0]);
      const v = new DataView(written[0]!.slice().buffer);
      expect(readFilestat(v, 0)).toEqual({
        dev: BigInt(st.dev), ino: BigInt(st.ino), filetype: st.type === "dir" ? FILETYPE.DIRECTORY : st.type === "symlink" ? FILETYPE.SYMBOLIC_LINK : FILETYPE.REGULAR_FILE,
        nlink: BigInt(st.nlink), size: BigInt(st.size), atim: st.atimeNs, mtim: st.mtimeNs, ctim: st.ctimeNs,
      });
      expect(written[0]!.subarray(17, 24)).toEqual(new Uint8Array(7)); // the padding after the filetype
    }
    const [p, l] = h.str("data/a.txt");
    expect(h.union.lstat("/data/a.txt").ino).toBeGreaterThan(2 ** 32); // a lower inode: the high word matters
    const end = h.memory.buffer.byteLength;
    expect(h.sys.path_filestat_get!(ROOT, 0, p, l, end - 56)).toBe(E.FAULT); // 8-aligned, but its end is outside
    expect(h.sys.path_filestat_get!(ROOT, 0, p, l, end - 64)).toBe(0);
  });

  it("stats with and without following symlinks", () => {
    const h = harness();
    const [p, l] = h.str("link-to-a");
    const buf = h.alloc(64);
    expect(h.sys.path_filestat_get!(ROOT, 0, p, l, buf)).toBe(0);
    expect(h.view().getUint8(buf + 16)).toBe(FILETYPE.SYMBOLIC_LINK);
    expect(h.u64(buf + 32)).toBe(BigInt("data/a.txt".length));
    expect(h.sys.path_filestat_get!(ROOT, 1, p, l, buf)).toBe(0);
    expect(h.view().getUint8(buf + 16)).toBe(FILETYPE.REGULAR_FILE);
    expect(h.u64(buf + 32)).toBe(4n);
    const [dp, dl] = h.str("dangling");
    expect(h.sys.path_filestat_get!(ROOT, 1, dp, dl, buf)).toBe(E.NOENT);
    expect(h.sys.path_filestat_get!(ROOT, 2, p, l, buf)).toBe(E.INVAL);
    expect(h.sys.path_filestat_get!(ROOT, 1, p, l, 0xffffffc0)).toBe(E.FAULT);
  });

  it("sets times on files, directories and symlinks themselves", () => {
    const h = harness();
    const set = (path: string, follow: number, m: bigint) => {
      const [p, l] = h.str(path);
      return h.sys.path_filestat_set_times!(ROOT, follow, p, l, 0n, m, FSTFLAGS.MTIM);
    };
    expect(set("data/a.txt", 1, 11_000_000_000n)).toBe(0);
    expect(h.union.stat("/data/a.txt").mtimeNs).toBe(11_000_000_000n);
    expect(set("data", 1, 12_000_000_000n)).toBe(0);
    expect(h.union.stat("/data").mtimeNs).toBe(12_000_000_000n);
    expect(set("link-to-a", 0, 13_000_000_000n)).toBe(0);
    expect(h.union.lstat("/link-to-a").mtimeNs).toBe(13_000_000_000n);
    expect(h.union.stat("/data/a.txt").mtimeNs).toBe(11_000_000_000n);
    const [p, l] = h.str("data/a.txt");
    expect(h.sys.path_filestat_set_times!(ROOT, 1, p, l, 0n, 0n, FSTFLAGS.ATIM | FSTFLAGS.ATIM_NOW)).toBe(E.INVAL);
  });
});

describe("path_link / path_rename / path_symlink / path_readlink", () => {
  it("hard-links a lower file and refuses an existing target", () => {
    const h = harness();
    const [a, al] = h.str("data/a.txt");
    const [b, bl] = h.str("hard");
    expect(h.sys.path_link!(ROOT, 0, a, al, ROOT, b, bl)).toBe(0);
    expect(h.union.stat("/hard").ino).toBe(h.union.stat("/data/a.txt").ino);
    expect(h.sys.path_link!(ROOT, 0, a, al, ROOT, b, bl)).toBe(E.EXIST);
    const [s, sl] = h.str("link-to-a");
    const [t, tl] = h.str("hard2");
    expect(h.sys.path_link!(ROOT, 1, s, sl, ROOT, t, tl)).toBe(0);
    expect(h.union.lstat("/hard2").type).toBe("file");
    expect(h.sys.path_link!(ROOT, 2, s, sl, ROOT, t, tl)).toBe(E.INVAL);
  });

  it("renames files and directories and refuses '.'", () => {
    const h = harness();
    const [a, al] = h.str("etc/hostname");
    const [b, bl] = h.str("hostname2");
    expect(h.sys.path_rename!(ROOT, a, al, ROOT, b, bl)).toBe(0);
    expect(h.union.readFile("/hostname2", "utf8")).toBe("box\n");
    expect(h.union.exists("/etc/hostname")).toBe(false);
    const [d, dl] = h.str("data");
    const [e, el] = h.str("moved");
    expect(h.sys.path_rename!(ROOT, d, dl, ROOT, e, el)).toBe(0);
    expect(h.union.readdir("/moved")).toEqual(["a.txt", "b.txt", "sub"]);
    const [dot, dotl] = h.str(".");
    expect(h.sys.path_rename!(ROOT, dot, dotl, ROOT, e, el)).toBe(E.BUSY);
  });

  it("creates symlinks verbatim and reads them back, truncating into a short buffer", () => {
    const h = harness();
    const [t, tl] = h.str("../../somewhere/else");
    const [n, nl] = h.str("mylink");
    expect(h.sys.path_symlink!(t, tl, ROOT, n, nl)).toBe(0);
    expect(h.sys.path_symlink!(t, tl, ROOT, n, nl)).toBe(E.EXIST);
    const buf = h.alloc(64);
    const used = h.alloc(4);
    expect(h.sys.path_readlink!(ROOT, n, nl, buf, 64, used)).toBe(0);
    expect(h.text(buf, h.u32(used))).toBe("../../somewhere/else");
    expect(h.sys.path_readlink!(ROOT, n, nl, buf, 5, used)).toBe(0);
    expect(h.u32(used)).toBe(5);
    expect(h.text(buf, 5)).toBe("../..");
    const [f, fl] = h.str("data/a.txt");
    expect(h.sys.path_readlink!(ROOT, f, fl, buf, 64, used)).toBe(E.INVAL);
    const [z, zl] = h.str("a\0b");
    expect(h.sys.path_symlink!(z, zl, ROOT, n, nl)).toBe(E.INVAL);
  });

  it("operations through a different union are EXDEV", () => {
    const other = harness();
    const h = harness({ preopens: { "/other": other.union } });
    const [a, al] = h.str("data/a.txt");
    expect(h.sys.path_rename!(ROOT, a, al, 4, a, al)).toBe(E.XDEV);
    expect(h.sys.path_link!(ROOT, 0, a, al, 4, a, al)).toBe(E.XDEV);
  });
});

it("decodes paths as UTF-8 and rejects invalid UTF-8 with EILSEQ", () => {
  const h = harness({ spec: { "ünï/cödé.txt": "u" } });
  expect(h.open("ünï/cödé.txt", { rights: R_READ })[0]).toBe(0);
  const [p, l] = h.str(new Uint8Array([0xff, 0xfe]));
  expect(h.sys.path_open!(ROOT, 0, p, l, 0, 0n, 0n, 0, h.alloc(4))).toBe(E.ILSEQ);
  expect(dec.decode(new Uint8Array([0x41]))).toBe("A");
});

it("directory fds keep working after their directory (or a parent) is renamed", () => {
  const h = harness();
  const [, d] = h.open("data/sub", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY, inheriting: ALL_RIGHTS });
  const [a, al] = h.str("data");
  const [b, bl] = h.str("renamed");
  expect(h.sys.path_rename!(ROOT, a, al, ROOT, b, bl)).toBe(0);
  const [e, fd] = h.open("c.txt", { fd: d, rights: R_READ });
  expect(e).toBe(0);
  expect(h.readText(fd, 10)).toEqual([0, "c"]);
  expect(call(h, "path_create_directory", d, "made")).toBe(0);
  expect(h.union.stat("/renamed/sub/made").type).toBe("dir");
});

it("path_* rights asked for on a file open are dropped, not refused", () => {
  const h = harness();
  const [, d] = h.open("data", { oflags: OFLAGS.DIRECTORY, rights: RIGHTS_RDONLY, inheriting: R_READ | R_WRITE });
  const PATH_FILESTAT_GET = 1n << 18n;
  const [e, fd] = h.open("a.txt", { fd: d, rights: R_READ | PATH_FILESTAT_GET });
  expect(e).toBe(0);
  const st = h.alloc(24);
  h.sys.fd_fdstat_get!(fd, st);
  expect(h.u64(st + 8)).toBe(R_READ);
  expect(h.open("sub", { fd: d, rights: R_READ | PATH_FILESTAT_GET })[0]).toBe(E.NOTCAPABLE);
});

it("over-long paths and names are ENAMETOOLONG", () => {
  const h = harness();
  expect(h.open("a/".repeat(2100) + "x")[0]).toBe(E.NAMETOOLONG);
  expect(h.open("n".repeat(256), { oflags: OFLAGS.CREAT, rights: R_WRITE })[0]).toBe(E.NAMETOOLONG);
  expect(h.open("n".repeat(255), { oflags: OFLAGS.CREAT, rights: R_WRITE })[0]).toBe(0);
});
