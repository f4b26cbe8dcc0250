// Escape attempts through the real WASI entry points and the fs-style Union API,
// over a DirLayer lower + DirLayer upper on temp directories. Host symlinks in the
// lower and guest-made symlinks point at /etc/passwd, ../../outside and absolute
// paths; every operation through them must stay inside the union (SEMANTICS rule 14)
// and nothing outside the layer directories may change. Node only (host directories).
import * as fs from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { thrownErrno } from "../support/index.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { NodeFs } from "../../src/host/node-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { ALL_RIGHTS, harness, RIGHTS_RDONLY, ROOT } from "../wasi/harness.ts";
import type { Harness } from "../wasi/harness.ts";
import { cleanup, makeTree, snapshot, tempDir } from "../host/helpers.ts";

const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));

interface World { base: string; union: Union; outside: string[]; lower: string[]; passwd: string }
let w: World;

function passwdState(): string {
  const st = fs.lstatSync("/etc/passwd", { bigint: true });
  return [st.mtimeNs, st.ctimeNs, st.size, st.nlink, st.mode].join(",") + fs.readFileSync("/etc/passwd", "utf8");
}

beforeEach(() => {
  const base = tempDir("layerfs-sec-", true);
  bases.push(base);
  makeTree(`${base}/outside`, { "secret.txt": "secret", "dir/inner.txt": "inner" });
  makeTree(`${base}/lower`, {
    "etc/hostname": "box\n",
    "pw": { symlink: "/etc/passwd" },
    "out": { symlink: "../../outside" },
    "out2": { symlink: `${base}/outside` },
    "outfile": { symlink: "../outside/secret.txt" },
    "d/deep": { symlink: "../../../../../../../../../outside" },
    "d/sub/file.txt": "sub",
    "root": { symlink: "/" },
  });
  makeTree(`${base}/upper`, {});
  const host = new NodeFs();
  const union = new Union(new Image([new DirLayer(host, `${base}/lower`)]), new DirLayer(host, `${base}/upper`, { writable: true }));
  w = { base, union, outside: snapshot(`${base}/outside`), lower: snapshot(`${base}/lower`), passwd: passwdState() };
});

function untouched(): void {
  expect(snapshot(`${w.base}/outside`)).toEqual(w.outside);
  expect(snapshot(`${w.base}/lower`)).toEqual(w.lower);
  expect(passwdState()).toBe(w.passwd);
  // Nothing appeared next to the layer directories either.
  // (the upper's work directory and, while it is open, its lock sit beside it by design;
  // the work directory holds nothing after a call)
  const beside = new Set([".upper.layerfs-work", ".upper.layerfs-lock"]);
  expect(fs.readdirSync(w.base).filter((n) => !beside.has(n)).sort()).toEqual(["lower", "outside", "upper"]);
  if (fs.existsSync(`${w.base}/.upper.layerfs-work`)) expect(fs.readdirSync(`${w.base}/.upper.layerfs-work`)).toEqual([]);
}

/** Every host path under the upper directory (what the union wrote). */
function upperFiles(): string[] {
  return snapshot(`${w.base}/upper`).map((l) => l.split(" ")[0]!);
}


function setTimes(x: Harness, follow: number, path: string): number {
  const [p, l] = x.str(path);
  return x.sys.path_filestat_set_times!(ROOT, follow, p, l, 0n, 0n, 0xa);
}

function h(): Harness {
  return harness({ union: w.union });
}

function pathCall(x: Harness, name: string, fd: number, path: string, ...rest: (number | bigint)[]): number {
  const [p, l] = x.str(path);
  return x.sys[name]!(fd, p, l, ...rest);
}

describe("escapes through lower-layer symlinks (WASI)", () => {
  it("resolves /etc/passwd, ../../outside and absolute targets inside the union", () => {
    const x = h();
    for (const p of ["pw", "outfile", "out/secret.txt", "out2/secret.txt", "d/deep/secret.txt", "root/etc/passwd", "root/../etc/passwd", "d/sub/../../root/../etc/passwd"]) {
      const [e] = x.open(p);
      expect(e, p).toBe(Errno.NOENT);
    }
    // "root" is the union root: its hostname is the layer's, not the host's.
    const [e, fd] = x.open("root/etc/hostname");
    expect(e).toBe(Errno.SUCCESS);
    expect(x.readText(fd, 64)).toEqual([Errno.SUCCESS, "box\n"]);
    untouched();
  });

  it("creates through outward symlinks only inside the upper layer", () => {
    const x = h();
    const [e1, fd1] = x.open("pw", { oflags: 1 }); // O_CREAT through a dangling-in-union symlink to /etc/passwd
    expect(e1).toBe(Errno.SUCCESS);
    expect(x.write(fd1, "pwned")[0]).toBe(Errno.SUCCESS);
    expect(pathCall(x, "path_create_directory", ROOT, "out2")).toBe(Errno.EXIST);
    // "../outside/secret.txt" from the root is /outside/secret.txt: no such union directory.
    expect(x.open("outfile", { oflags: 1 | 8 })[0]).toBe(Errno.NOENT);
    expect(x.open("root/etc/made", { oflags: 1 })[0]).toBe(Errno.SUCCESS);
    expect(w.union.readFile("/etc/passwd", "utf8")).toBe("pwned");
    expect(upperFiles()).toContain("etc/passwd");
    untouched();
  });

  it("mkdir, rename, link, unlink, set-times and symlink through outward links never touch the host outside", () => {
    const x = h();
    // Parent components that are outward symlinks: they resolve to missing union dirs.
    expect(pathCall(x, "path_create_directory", ROOT, "out/newdir")).toBe(Errno.NOENT);
    expect(pathCall(x, "path_create_directory", ROOT, "d/deep/newdir")).toBe(Errno.NOENT);
    expect(pathCall(x, "path_unlink_file", ROOT, "out/secret.txt")).toBe(Errno.NOENT);
    expect(pathCall(x, "path_remove_directory", ROOT, "out/dir")).toBe(Errno.NOENT);
    expect(setTimes(x, 1, "pw")).toBe(Errno.NOENT);
    expect(setTimes(x, 1, "out/secret.txt")).toBe(Errno.NOENT);
    expect(setTimes(x, 0, "pw")).toBe(Errno.SUCCESS); // the link itself (copied up), never the host target
    expect(fs.readlinkSync(`${w.base}/upper/pw`)).toBe("/etc/passwd");
    const [a, al] = x.str("etc/hostname");
    const [b, bl] = x.str("out/stolen");
    expect(x.sys.path_rename!(ROOT, a, al, ROOT, b, bl)).toBe(Errno.NOENT);
    expect(x.sys.path_link!(ROOT, 1, a, al, ROOT, b, bl)).toBe(Errno.NOENT);
    // Hard link of a file reached through a symlink: the union file, never the host target.
    const [c, cl] = x.str("root/etc/hostname");
    const [d, dl] = x.str("hl");
    expect(x.sys.path_link!(ROOT, 1, c, cl, ROOT, d, dl)).toBe(Errno.SUCCESS);
    expect(w.union.readFile("/hl", "utf8")).toBe("box\n");
    const [p, pl] = x.str("pw");
    const [q, ql] = x.str("hl2");
    expect(x.sys.path_link!(ROOT, 1, p, pl, ROOT, q, ql)).toBe(Errno.NOENT); // follows to union /etc/passwd: absent
    expect(x.sys.path_link!(ROOT, 0, p, pl, ROOT, q, ql)).toBe(Errno.SUCCESS); // links the symlink itself
    expect(fs.readlinkSync(`${w.base}/upper/hl2`)).toBe("/etc/passwd");
    // Unlinking the symlink removes the union entry (a whiteout), not the target.
    expect(pathCall(x, "path_unlink_file", ROOT, "pw")).toBe(Errno.SUCCESS);
    expect(pathCall(x, "path_unlink_file", ROOT, "out")).toBe(Errno.SUCCESS);
    expect(fs.existsSync(`${w.base}/upper/.wh.pw`)).toBe(true);
    untouched();
  });

  it("a guest cannot make absolute symlinks by default (EPERM); '..' ones it can", () => {
    const x = h();
    for (const [target, name, errno] of [
      ["/etc/passwd", "d-pw", Errno.PERM], [`${w.base}/outside/secret.txt`, "d-abs", Errno.PERM], ["../../../..", "d-up", Errno.SUCCESS],
    ] as const) {
      const [t, tl] = x.str(target);
      const [n, nl] = x.str(name);
      expect(x.sys.path_symlink!(t, tl, ROOT, n, nl), name).toBe(errno);
    }
    expect(w.union.exists("/d-pw") || w.union.exists("/d-abs")).toBe(false);
    expect(pathCall(x, "path_unlink_file", ROOT, "d-up")).toBe(Errno.SUCCESS);
    untouched();
  });

  it("guest-made symlinks to absolute and '..' targets stay inside the union for every operation (allowAbsoluteSymlinks)", () => {
    const x = harness({ union: w.union, allowAbsoluteSymlinks: true });
    const mk = (target: string, name: string): void => {
      const [t, tl] = x.str(target);
      const [n, nl] = x.str(name);
      expect(x.sys.path_symlink!(t, tl, ROOT, n, nl), name).toBe(Errno.SUCCESS);
    };
    mk("/etc/passwd", "g-pw");
    mk("../../../../outside", "g-out");
    mk(`${w.base}/outside/secret.txt`, "g-abs");
    mk("../../../..", "g-up");
    for (const p of ["g-pw", "g-out/secret.txt", "g-abs", "g-up/outside/secret.txt", "g-up/lower/etc/hostname"]) {
      expect(x.open(p)[0], p).toBe(Errno.NOENT);
    }
    expect(x.open("g-up/etc/hostname")[0]).toBe(Errno.SUCCESS); // ".." past the root stays at the union root
    expect(x.open("g-abs", { oflags: 1 })[0]).toBe(Errno.NOENT); // no such union directories
    mk("/etc/shadow", "g-shadow");
    const [e, fd] = x.open("g-shadow", { oflags: 1 });
    expect(e).toBe(Errno.SUCCESS);
    expect(x.write(fd, "x")[0]).toBe(Errno.SUCCESS);
    expect(fs.readFileSync(`${w.base}/upper/etc/shadow`, "utf8")).toBe("x");
    expect(pathCall(x, "path_create_directory", ROOT, "g-out/made")).toBe(Errno.NOENT);
    expect(setTimes(x, 1, "g-pw")).toBe(Errno.NOENT);
    const [a, al] = x.str("g-up/etc/hostname");
    const [b, bl] = x.str("g-up/renamed");
    expect(x.sys.path_rename!(ROOT, a, al, ROOT, b, bl)).toBe(Errno.SUCCESS);
    expect(w.union.readFile("/renamed", "utf8")).toBe("box\n");
    expect(fs.readFileSync(`${w.base}/upper/renamed`, "utf8")).toBe("box\n");
    untouched();
  });

  it("refuses '..' chains that climb above a non-root directory fd, and follows in-union ones", () => {
    const x = h();
    const [e, dfd] = x.open("d/sub", { oflags: 2, rights: RIGHTS_RDONLY, inheriting: ALL_RIGHTS });
    expect(e).toBe(Errno.SUCCESS);
    for (const p of ["../../..", "../../../outside", "../../../../etc/passwd", "a/../../../..", "/etc/passwd", "./../../../x"]) {
      expect(x.open(p, { fd: dfd, oflags: 1 })[0], p).toBe(Errno.NOTCAPABLE);
      expect(pathCall(x, "path_create_directory", dfd, p), p).toBe(Errno.NOTCAPABLE);
      expect(pathCall(x, "path_unlink_file", dfd, p), p).toBe(Errno.NOTCAPABLE);
    }
    expect(x.open("../../etc/hostname", { fd: dfd })[0]).toBe(Errno.NOTCAPABLE); // climbs above d/sub
    const [e2, fd2] = x.open("././/file.txt", { fd: dfd, rights: RIGHTS_RDONLY });
    expect(e2).toBe(Errno.SUCCESS);
    expect(x.readText(fd2, 16)[1]).toBe("sub");
    untouched();
  });

  it("renames and links across preopens stay within their unions", () => {
    const base2 = tempDir("layerfs-sec-", true);
    bases.push(base2);
    makeTree(`${base2}/upper`, { "theirs.txt": "theirs" });
    const host = new NodeFs();
    const other = new Union(new Image([]), new DirLayer(host, `${base2}/upper`, { writable: true }));
    const x = harness({ union: w.union, preopens: { "/other": other, "/sub": { union: w.union, path: "/d/sub" } } });
    const [a, al] = x.str("etc/hostname");
    const [b, bl] = x.str("moved");
    const r = x.sys.path_rename!(ROOT, a, al, 4, b, bl);
    expect([Errno.XDEV, Errno.NOTCAPABLE]).toContain(r);
    expect(x.sys.path_link!(ROOT, 0, a, al, 4, b, bl)).toBe(r);
    const [c, cl] = x.str("../../etc/hostname");
    expect(x.sys.path_rename!(5, c, cl, ROOT, b, bl)).toBe(Errno.NOTCAPABLE);
    expect(w.union.readFile("/etc/hostname", "utf8")).toBe("box\n");
    expect(fs.readdirSync(`${base2}/upper`)).toEqual(["theirs.txt"]);
    untouched();
  });

  it("path_readlink and fd_prestat never reveal host paths", () => {
    const x = h();
    const buf = x.alloc(256);
    const used = x.alloc(4);
    const [p, pl] = x.str("out2");
    expect(x.sys.path_readlink!(ROOT, p, pl, buf, 256, used)).toBe(Errno.SUCCESS);
    expect(x.text(buf, x.u32(used))).toBe(`${w.base}/outside`); // verbatim target (rule 14), still resolved inside
    const fdp = x.alloc(4);
    expect(x.sys.path_open!(ROOT, 1, p, pl, 2, ALL_RIGHTS, ALL_RIGHTS, 0, fdp)).toBe(Errno.NOENT);
  });
});

describe("escapes through the fs-style Union API", () => {
  it("refuses nothing lexically but resolves every path inside the union", () => {
    const u = w.union;
    expect(thrownErrno(() => u.readFile("/pw"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.readFile("/../../../etc/passwd"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.readdir("/out"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.mkdir("/out/x"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.writeFile("/d/deep/secret.txt", "x"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.rename("/etc/hostname", "/out2/h"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.link("/etc/hostname", "/out/h"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.chmod("/pw", 0o777))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.setTimes("/outfile", 0n, 0n))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.unlink("/out/secret.txt"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.symlink("/etc/passwd", "/out/x"))).toBe(Errno.NOENT);
    u.writeFile("/pw", "through the link");
    expect(u.readFile("/etc/passwd", "utf8")).toBe("through the link");
    expect(thrownErrno(() => u.readFile("/a\0b"))).toBe(Errno.INVAL);
    expect(thrownErrno(() => u.mkdir("/" + "x".repeat(300)))).toBe(Errno.NAMETOOLONG);
    expect(thrownErrno(() => u.mkdir("/" + "a/".repeat(50 * 1024), { recursive: true }))).toBe(Errno.NAMETOOLONG);
    untouched();
  });
});
