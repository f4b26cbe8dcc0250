// One group of tests per rule of SEMANTICS.md (rules 1-19).
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import type { UnionOptions } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { diffTrees, ociApply, rawLayer, snapshotUnion } from "./tree.ts";

const T0 = 1_600_000_000_000_000_000n;

/** A union over `lowers` (bottom first) with a fresh memory upper. */
function mk(lowers: MemorySpec[], options?: UnionOptions) {
  const layers = lowers.map((s) => MemoryLayer.from(s, { timeNs: T0 }));
  const upper = new MemoryLayer();
  const u = new Union(new Image(layers), upper, options);
  return { u, upper, layers, raw: () => rawLayer(upper) };
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return "OK";
}

/** The union's visible tree equals the upper (OCI form) applied over the lowers. */
function expectOciConsistent(x: ReturnType<typeof mk>): void {
  expect(diffTrees(snapshotUnion(x.u), ociApply([...x.layers, x.upper]))).toEqual([]);
}

describe("rule 1: lookup walks layers top-down", () => {
  it("the first non-directory hides everything below it", () => {
    const { u } = mk([{ "a/x": "bottom" }, { a: "file in the middle" }, {}]);
    expect(u.readFile("/a", "utf8")).toBe("file in the middle");
    expect(code(() => u.stat("/a/x"))).toBe("ENOTDIR");
  });
  it("directories merge across layers", () => {
    const { u } = mk([{ "d/a": "1", "d/b": "1" }, { "d/b": "2", "d/c": "2" }]);
    expect(u.readdir("/d")).toEqual(["a", "b", "c"]);
    expect(u.readFile("/d/b", "utf8")).toBe("2");
  });
  it("a directory above a file hides the file and what lies below it", () => {
    const { u } = mk([{ "d/z": "0" }, { d: "file" }, { "d/a": "2" }]);
    expect(u.readdir("/d")).toEqual(["a"]);
  });
});

describe("rule 2: a directory's attributes come from its topmost copy", () => {
  it("mode and mtime are the top layer's", () => {
    const { u } = mk([{ d: { dir: true, mode: 0o700, mtimeNs: 5n } }, { d: { dir: true, mode: 0o751, mtimeNs: 9n } }]);
    expect(u.stat("/d").mode).toBe(0o751);
    expect(u.stat("/d").mtimeNs).toBe(9n);
  });
});

describe("rule 3: reading order in one layer", () => {
  it("a whiteout hides lower layers only: X and .wh.X in one layer keep X", () => {
    const { u } = mk([{ x: "low", y: "low" }, { x: "same", ".wh.x": "", ".wh.y": "" }]);
    expect(u.readFile("/x", "utf8")).toBe("same");
    expect(u.exists("/y")).toBe(false);
  });
  it("a directory and its whiteout in one layer: the directory survives, lower copies do not merge", () => {
    const { u } = mk([{ "x/a": "0" }, { "x/b": "1", ".wh.x": "" }]);
    expect(u.readdir("/x")).toEqual(["b"]);
    const upper = MemoryLayer.from({ "x/c": "2", ".wh.x": "" });
    const v = new Union(new Image([MemoryLayer.from({ "x/a": "0" })]), upper);
    expect(v.readdir("/x")).toEqual(["c"]);
    expect(v.readdir("/")).toEqual(["x"]);
  });
  it("an opaque marker hides lower content but not the layer's own entries", () => {
    const { u } = mk([{ "d/old": "1" }, { "d/.wh..wh..opq": "", "d/new": "2" }]);
    expect(u.readdir("/d")).toEqual(["new"]);
  });
  it("aufs internals (.wh..wh.*) are ignored and never shown", () => {
    const { u } = mk([{ "d/a": "1" }, { "d/.wh..wh.aufs": "", "d/.wh..wh.plnk/": {} }]);
    expect(u.readdir("/d")).toEqual(["a"]);
  });
  it("a root-level opaque marker hides every layer below", () => {
    const { u } = mk([{ a: "1", "b/c": "1" }, { ".wh..wh..opq": "", z: "2" }, { y: "3" }]);
    expect(u.readdir("/")).toEqual(["y", "z"]);
  });
  it("a whiteout of a directory hides its whole lower subtree", () => {
    const { u } = mk([{ "d/e/f": "1" }, { ".wh.d": "" }]);
    expect(u.exists("/d")).toBe(false);
    expect(code(() => u.stat("/d/e/f"))).toBe("ENOENT");
  });
});

describe("rule 4: reserved .wh.* names", () => {
  it("creating, linking, renaming to or making a directory named .wh.* fails with EPERM", () => {
    const x = mk([{ f: "1", ".wh.hidden": "" }]);
    const { u } = x;
    expect(code(() => u.writeFile("/.wh.a", "x"))).toBe("EPERM");
    expect(code(() => u.mkdir("/.wh.a"))).toBe("EPERM");
    expect(code(() => u.link("/f", "/.wh.a"))).toBe("EPERM");
    expect(code(() => u.rename("/f", "/.wh.a"))).toBe("EPERM");
    expect(code(() => u.symlink("f", "/.wh.a"))).toBe("EPERM");
    expect(code(() => u.mkdir("/.wh..wh..opq"))).toBe("EPERM");
    expect(x.raw()).toEqual([]);
  });
  it("looking one up gives ENOENT, even if a layer holds that file", () => {
    const { u } = mk([{ f: "1", ".wh.g": "", "d/.wh..wh..opq": "" }]);
    expect(code(() => u.stat("/.wh.g"))).toBe("ENOENT");
    expect(code(() => u.readFile("/d/.wh..wh..opq"))).toBe("ENOENT");
    expect(code(() => u.unlink("/.wh.g"))).toBe("ENOENT");
  });
});

describe("rule 5: unlink", () => {
  it("removes an upper-only name without leaving a whiteout", () => {
    const x = mk([{}]);
    x.u.writeFile("/n", "1");
    x.u.unlink("/n");
    expect(x.raw()).toEqual([]);
  });
  it("whites out a name a lower layer still shows", () => {
    const x = mk([{ "d/f": "1" }]);
    x.u.unlink("/d/f");
    expect(x.u.exists("/d/f")).toBe(false);
    expect(x.raw()).toEqual(["d/", "d/.wh.f"]);
    expectOciConsistent(x);
  });
  it("whites out a copied-up file that also exists below", () => {
    const x = mk([{ f: "1" }]);
    x.u.writeFile("/f", "2");
    x.u.unlink("/f");
    expect(x.raw()).toEqual([".wh.f"]);
  });
});

describe("rule 6: rmdir", () => {
  it("refuses a merged directory that is not empty in the merged view (ENOTEMPTY)", () => {
    const x = mk([{ "d/a": "1" }]);
    expect(code(() => x.u.rmdir("/d"))).toBe("ENOTEMPTY");
    expect(x.raw()).toEqual([]);
  });
  it("collapses a directory holding only whiteouts to one whiteout", () => {
    const x = mk([{ "d/a": "1", "d/b": "1" }]);
    x.u.unlink("/d/a");
    x.u.unlink("/d/b");
    expect(x.raw()).toEqual(["d/", "d/.wh.a", "d/.wh.b"]);
    x.u.rmdir("/d");
    expect(x.raw()).toEqual([".wh.d"]);
    expectOciConsistent(x);
  });
  it("removes an upper-only empty directory without a whiteout", () => {
    const x = mk([{}]);
    x.u.mkdir("/n");
    x.u.rmdir("/n");
    expect(x.raw()).toEqual([]);
  });
});

describe("rule 7: mkdir over a whiteout", () => {
  it("makes an opaque directory, even over a hidden lower file", () => {
    const x = mk([{ "d/old": "1", f: "file" }]);
    x.u.unlink("/f");
    x.u.mkdir("/f");
    expect(x.raw()).toEqual(["f/", "f/.wh..wh..opq"]);
    expect(x.u.stat("/f").type).toBe("dir");
    expectOciConsistent(x);
  });
  it("hides the old directory's lower content", () => {
    const x = mk([{ "d/old": "1" }]);
    x.u.unlink("/d/old");
    x.u.rmdir("/d");
    x.u.mkdir("/d");
    expect(x.u.readdir("/d")).toEqual([]);
    expect(x.raw()).toEqual(["d/", "d/.wh..wh..opq"]);
  });
  it("makes a plain directory for a name that never existed", () => {
    const x = mk([{ a: "1" }]);
    x.u.mkdir("/n", 0o700);
    expect(x.raw()).toEqual(["n/"]);
    expect(x.u.stat("/n").mode).toBe(0o700);
  });
});

describe("rule 8: copy-up triggers", () => {
  const spec: MemorySpec = { "p/q/f": { file: "data", mode: 0o640, uid: 7, gid: 8, mtimeNs: 42n }, "p/q/l": { symlink: "f" } };
  it("read-only opens and reads never copy up", () => {
    const x = mk([spec]);
    x.u.readFile("/p/q/f");
    x.u.open("/p/q/f").close();
    x.u.stat("/p/q/f");
    x.u.readdir("/p/q");
    expect(x.raw()).toEqual([]);
  });
  it("open with write access copies up even if nothing is written, keeping attributes", () => {
    const x = mk([spec]);
    x.u.open("/p/q/f", { write: true }).close();
    expect(x.raw()).toEqual(["p/", "p/q/", "p/q/f"]);
    const st = x.upper.stat("p/q/f")!;
    expect([st.mode, st.uid, st.gid, st.mtimeNs]).toEqual([0o640, 7, 8, 42n]);
    expect(x.u.readFile("/p/q/f", "utf8")).toBe("data");
  });
  it("creates the parent chain with the parents' attributes", () => {
    const x = mk([{ "p/": { dir: true, mode: 0o711, mtimeNs: 77n }, "p/f": "1" }]);
    x.u.chmod("/p/f", 0o600);
    const st = x.upper.stat("p")!;
    expect([st.mode, st.mtimeNs]).toEqual([0o711, 77n]);
    expect(x.u.stat("/p").mtimeNs).toBe(77n);
  });
  it.each([
    ["O_TRUNC", (u: Union) => u.open("/p/q/f", { truncate: true }).close()],
    ["truncate", (u: Union) => u.truncate("/p/q/f", 2)],
    ["chmod", (u: Union) => u.chmod("/p/q/f", 0o600)],
    ["chown", (u: Union) => u.chown("/p/q/f", 1, 2)],
    ["set-times", (u: Union) => u.utimes("/p/q/f", 1, 2)],
    ["link", (u: Union) => u.link("/p/q/f", "/p/q/g")],
  ])("%s copies the file up", (_name, op) => {
    const x = mk([spec]);
    op(x.u);
    expect(x.raw()).toContain("p/q/f");
  });
  it("lutimes copies a symlink up with its target verbatim", () => {
    const x = mk([spec]);
    x.u.lutimes("/p/q/l", 3, 4);
    expect(x.upper.readlink("p/q/l")).toBe("f");
    expect(x.u.lstat("/p/q/l").mtimeNs).toBe(4_000_000_000n);
    expect(x.raw()).not.toContain("p/q/f");
  });
  it("copy-up references lower content instead of copying it", () => {
    const big = { "big": { file: { size: 8 << 20, fill: 7 } } } as MemorySpec;
    const x = mk([big]);
    const f = x.u.open("/big", { write: true });
    f.write(new Uint8Array([1, 2, 3]), 4 << 20);
    f.close();
    const usage = x.upper.contentUsage("big");
    expect(usage.referencesSource).toBe(true);
    expect(usage.bytes).toBeLessThanOrEqual(64 * 1024 * 2);
    const b = new Uint8Array(4);
    const r = x.u.open("/big");
    r.read(b, (4 << 20) - 1);
    expect([...b]).toEqual([7, 1, 2, 3]);
  });
  it.each([
    ["O_TRUNC", (u: Union) => u.open("/big", { write: true, truncate: true }).close()],
    ["truncate to 0", (u: Union) => u.truncate("/big", 0)],
  ])("%s copies a lower file up without its data, keeping mode and owner, mtime now", (_name, op) => {
    const x = mk([{ "big": { file: { size: 8 << 20, fill: 7 }, mode: 0o640, uid: 7, gid: 8, mtimeNs: 42n } } as MemorySpec]);
    const reader = x.u.open("/big");
    op(x.u);
    expect(x.upper.contentUsage("big")).toMatchObject({ size: 0, bytes: 0, referencesSource: false });
    const st = x.u.stat("/big");
    expect([st.size, st.mode, st.uid, st.gid]).toEqual([0, 0o640, 7, 8]);
    expect(st.mtimeNs).toBeGreaterThan(T0);
    expect(reader.read(new Uint8Array(4), 0)).toBe(0); // rule 9: the earlier handle sees the emptied file
    expect(x.u.readFile("/big").length).toBe(0);
  });
});

describe("rule 9: open handles follow copy-up", () => {
  it("a read-only descriptor opened before another caused a copy-up reads the new data", () => {
    const x = mk([{ f: "old data" }]);
    const r = x.u.open("/f");
    const w = x.u.open("/f", { write: true, truncate: true });
    w.write(new TextEncoder().encode("new"), 0);
    const b = new Uint8Array(16);
    const n = r.read(b, 0);
    expect(new TextDecoder().decode(b.subarray(0, n))).toBe("new");
    expect(r.stat().ino).toBe(x.u.stat("/f").ino);
    r.close();
    w.close();
  });
  it("a handle follows its file through a rename and a deep directory rename", () => {
    const x = mk([{ "d/f": "v1" }]);
    const r = x.u.open("/d/f");
    x.u.rename("/d", "/e");
    x.u.writeFile("/e/f", "v2");
    const b = new Uint8Array(8);
    expect(new TextDecoder().decode(b.subarray(0, r.read(b, 0)))).toBe("v2");
  });
  it("a handle on a relocated lower hard link follows its copy-up after further directory renames", () => {
    const x = mk([{ "d/a": "old", "d/b": { link: "d/a" } }]);
    x.u.rename("/d", "/e");
    const r = x.u.open("/e/a");
    x.u.rename("/e", "/f");
    x.u.writeFile("/f/a", "new");
    const b = new Uint8Array(8);
    expect(new TextDecoder().decode(b.subarray(0, r.read(b, 0)))).toBe("new");
    expect(x.u.readFile("/f/b", "utf8")).toBe("old");
  });
  it("a handle on an unlinked lower file keeps reading the old content", () => {
    const x = mk([{ f: "old" }]);
    const r = x.u.open("/f");
    x.u.unlink("/f");
    x.u.writeFile("/f", "new");
    const b = new Uint8Array(8);
    expect(new TextDecoder().decode(b.subarray(0, r.read(b, 0)))).toBe("old");
  });
});

describe("rule 10: rename of a file", () => {
  it("works across directories, leaving a whiteout at the old name", () => {
    const x = mk([{ "a/f": { file: "1", mode: 0o600 }, "b/": {} }]);
    const ino = x.u.stat("/a/f").ino;
    x.u.rename("/a/f", "/b/g");
    expect(x.u.readFile("/b/g", "utf8")).toBe("1");
    expect(x.u.stat("/b/g").ino).toBe(ino);
    expect(x.u.stat("/b/g").mode).toBe(0o600);
    expect(x.raw()).toEqual(["a/", "a/.wh.f", "b/", "b/g"]);
    expectOciConsistent(x);
  });
  it("replaces the target, lower or upper", () => {
    const x = mk([{ f: "1", g: "2" }]);
    x.u.rename("/f", "/g");
    expect(x.u.readdir("/")).toEqual(["g"]);
    expect(x.u.readFile("/g", "utf8")).toBe("1");
    expect(x.raw()).toEqual([".wh.f", "g"]);
  });
  it("an upper-only file moves without a whiteout and replaces a whiteout at the target", () => {
    const x = mk([{ g: "low" }]);
    x.u.unlink("/g");
    x.u.writeFile("/n", "new");
    x.u.rename("/n", "/g");
    expect(x.raw()).toEqual(["g"]);
  });
});

describe("rule 11: rename of a directory", () => {
  const spec: MemorySpec = { "d/a": "1", "d/sub/b": "2", "d/l": { symlink: "a" }, "x/": {} };
  it("deep rename by default: the moved tree lands as an opaque upper directory, the old name gets a whiteout", () => {
    const x = mk([spec, { "d/c": "3", "d/.wh.zz": "" }]);
    const inos = ["/d", "/d/a", "/d/sub", "/d/sub/b"].map((p) => x.u.lstat(p).ino);
    x.u.writeFile("/d/a", "changed");
    x.u.rename("/d", "/x/e");
    expect(x.u.exists("/d")).toBe(false);
    expect(x.u.readdir("/x/e")).toEqual(["a", "c", "l", "sub"]);
    expect(x.u.readFile("/x/e/a", "utf8")).toBe("changed");
    expect(x.raw()).toEqual([".wh.d", "x/", "x/e/", "x/e/.wh..wh..opq", "x/e/a", "x/e/c", "x/e/l", "x/e/sub/", "x/e/sub/b"]);
    expect(["/x/e", "/x/e/a", "/x/e/sub", "/x/e/sub/b"].map((p) => x.u.lstat(p).ino)).toEqual(inos);
    expectOciConsistent(x);
  });
  it("keeps the moved directory's times (the marker is bookkeeping)", () => {
    const x = mk([{ "d/a": "1", "d/s/.wh.q": "", "d/s/f": "2" }, { "d/s/q": "" }]);
    x.u.rename("/d", "/e");
    expect(x.u.stat("/e").mtimeNs).toBe(T0);
    expect(x.u.stat("/e/s").mtimeNs).toBe(T0);
  });
  it("moves file references, not bytes", () => {
    const x = mk([{ "d/big": { file: { size: 4 << 20, fill: 1 } } }]);
    x.u.rename("/d", "/e");
    const usage = x.upper.contentUsage("e/big");
    expect(usage.referencesSource).toBe(true);
    expect(usage.bytes).toBe(0);
    expect(x.u.stat("/e/big").size).toBe(4 << 20);
  });
  it('renameDir "exdev" gives EXDEV for a directory with lower content and changes nothing', () => {
    const x = mk([spec], { renameDir: "exdev" });
    expect(code(() => x.u.rename("/d", "/e"))).toBe("EXDEV");
    expect(x.raw()).toEqual([]);
    x.u.mkdir("/n");
    x.u.rename("/n", "/m");
    expect(x.u.exists("/m")).toBe(true);
  });
  it("replaces an empty target directory", () => {
    const x = mk([spec]);
    x.u.rename("/d", "/x");
    expect(x.u.readdir("/x")).toEqual(["a", "l", "sub"]);
    expectOciConsistent(x);
  });
});

describe("rule 12: pure-upper directories moved into merged places become opaque", () => {
  it("moving into a merged parent sets the opaque marker", () => {
    const x = mk([{ "m/keep": "1" }]);
    x.u.mkdir("/n");
    x.u.writeFile("/n/f", "1");
    x.u.rename("/n", "/m/n");
    expect(x.raw()).toEqual(["m/", "m/n/", "m/n/.wh..wh..opq", "m/n/f"]);
  });
  it("moving onto a whited-out name sets the opaque marker", () => {
    const x = mk([{ "w/old": "1" }]);
    x.u.unlink("/w/old");
    x.u.rmdir("/w");
    x.u.mkdir("/n");
    x.u.rename("/n", "/w");
    expect(x.u.readdir("/w")).toEqual([]);
    expect(x.raw()).toEqual(["w/", "w/.wh..wh..opq"]);
    expectOciConsistent(x);
  });
  it("moving inside a pure-upper tree stays plain", () => {
    const x = mk([{}]);
    x.u.mkdir("/n");
    x.u.mkdir("/m");
    x.u.rename("/n", "/m/n");
    expect(x.raw()).toEqual(["m/", "m/n/"]);
  });
});

describe("rule 13: hard links", () => {
  const spec: MemorySpec = { a: "shared", b: { link: "a" } };
  it("lower aliases share an inode number", () => {
    const { u } = mk([spec]);
    expect(u.stat("/a").ino).toBe(u.stat("/b").ino);
    expect(u.stat("/a").nlink).toBe(2);
  });
  it("writing through one alias copies up that alias only", () => {
    const x = mk([spec]);
    x.u.writeFile("/a", "new");
    expect(x.u.readFile("/b", "utf8")).toBe("shared");
    expect(x.raw()).toEqual(["a"]);
  });
  it("a copied-up alias of a lower hard link gets its own inode number (kernel: copy-up breaks the link)", () => {
    const x = mk([spec]);
    const ino = x.u.stat("/a").ino;
    x.u.writeFile("/a", "new");
    expect(x.u.stat("/b").ino).toBe(ino);
    expect(x.u.stat("/a").ino).not.toBe(ino);
  });
  it("link() to a lower file copies it up, then links in the upper", () => {
    const x = mk([{ f: "1" }]);
    const ino = x.u.stat("/f").ino;
    x.u.link("/f", "/g");
    expect(x.upper.stat("f")!.id).toBe(x.upper.stat("g")!.id);
    expect(x.u.stat("/g").ino).toBe(ino);
    x.u.writeFile("/g", "2");
    expect(x.u.readFile("/f", "utf8")).toBe("2");
  });
  it("link does not follow a symlink source", () => {
    const x = mk([{ f: "1", l: { symlink: "f" } }]);
    x.u.link("/l", "/m");
    expect(x.u.readlink("/m")).toBe("f");
  });
  it("link of a directory is EPERM", () => {
    const x = mk([{ "d/": {} }]);
    expect(code(() => x.u.link("/d", "/e"))).toBe("EPERM");
  });
});

describe("rule 14: symlinks resolve inside the union root", () => {
  it("absolute targets and .. chains never leave the root", () => {
    const { u } = mk([{ "etc/passwd": "inside", "a/abs": { symlink: "/etc/passwd" }, "a/up": { symlink: "../../../../etc/passwd" } }]);
    expect(u.readFile("/a/abs", "utf8")).toBe("inside");
    expect(u.readFile("/a/up", "utf8")).toBe("inside");
    expect(u.realpath("/a/up")).toBe("/etc/passwd");
    expect(u.realpath("/../../a/./abs", false)).toBe("/a/abs");
  });
  it("targets are stored and copied verbatim", () => {
    const x = mk([{ l: { symlink: "../x/./y//" } }]);
    x.u.rename("/l", "/m");
    expect(x.u.readlink("/m")).toBe("../x/./y//");
  });
  it("loops give ELOOP after 40 hops", () => {
    const spec: MemorySpec = { a: { symlink: "b" }, b: { symlink: "a" } };
    for (let i = 0; i < 40; i++) spec["c" + i] = { symlink: "c" + (i + 1) };
    spec["c40"] = "end";
    const { u } = mk([spec]);
    expect(code(() => u.stat("/a"))).toBe("ELOOP");
    expect(u.readFile("/c1", "utf8")).toBe("end"); // 39 hops
    expect(code(() => u.stat("/c0"))).toBe("OK"); // 40 hops
    spec["c40"] = { symlink: "c41" };
    spec["c41"] = "end";
    expect(code(() => mk([spec]).u.stat("/c0"))).toBe("ELOOP"); // 41 hops
  });
  it("open with follow false on a symlink is ELOOP; writeFile through a dangling symlink creates its target", () => {
    const x = mk([{ "d/": {}, l: { symlink: "/d/new" } }]);
    expect(code(() => x.u.open("/l", { follow: false }))).toBe("ELOOP");
    x.u.writeFile("/l", "made");
    expect(x.u.readFile("/d/new", "utf8")).toBe("made");
  });
});

describe("rule 15: readdir", () => {
  it("returns the union of names sorted by name bytes, whiteouts and markers filtered", () => {
    const { u } = mk([{ b: "1", "\u{1F600}": "1", "\uFFFD": "1", a: "1", Z: "1" }, { ".wh.b": "", c: "2", ".wh..wh..opq": "" }, { d: "3" }]);
    expect(u.readdir("/")).toEqual(["c", "d"]);
    const v = mk([{ "\u{1F600}": "1", "\uFFFD": "1", a: "1", Z: "1" }]).u;
    expect(v.readdir("/")).toEqual(["Z", "a", "\uFFFD", "\u{1F600}"]);
  });
  it("entries carry types and the same inode numbers as stat", () => {
    const { u } = mk([{ f: "1", "d/": {}, l: { symlink: "f" } }]);
    for (const e of u.readdirEntries("/")) {
      expect(e.ino).toBe(u.lstat("/" + e.name).ino);
      expect(e.type).toBe(u.lstat("/" + e.name).type);
    }
  });
});

describe("rule 16: inode numbers", () => {
  it("are kept through copy-up and rename, and the device is one constant", () => {
    const x = mk([{ "d/f": "1", "d/g": "2" }, { "d/h": "3" }]);
    const before = ["/", "/d", "/d/f", "/d/g", "/d/h"].map((p) => x.u.stat(p).ino);
    expect(new Set(before).size).toBe(5);
    x.u.chmod("/d", 0o700);
    x.u.writeFile("/d/f", "x");
    x.u.rename("/d/g", "/d/g2");
    expect(["/", "/d", "/d/f", "/d/g2", "/d/h"].map((p) => x.u.stat(p).ino)).toEqual(before);
    expect(new Set(["/", "/d", "/d/f"].map((p) => x.u.stat(p).dev)).size).toBe(1);
  });
  it("differ between layers even for equal layer ids", () => {
    const { u } = mk([{ a: "1" }, { b: "1" }]);
    expect(u.stat("/a").ino).not.toBe(u.stat("/b").ino);
  });
  it("new upper objects get numbers distinct from every lower one", () => {
    const x = mk([{ a: "1", b: "2" }]);
    x.u.writeFile("/c", "3");
    const inos = ["/a", "/b", "/c", "/"].map((p) => x.u.stat(p).ino);
    expect(new Set(inos).size).toBe(4);
  });
});

describe("rule 17: timestamps are real", () => {
  it("creation and writes set mtime and ctime to now", () => {
    const x = mk([{}]);
    const t = BigInt(Date.now() - 1000) * 1_000_000n;
    x.u.writeFile("/f", "1");
    const st = x.u.stat("/f");
    expect(st.mtimeNs > t && st.ctimeNs > t).toBe(true);
  });
  it("set-times works on files, directories and symlinks (no-follow)", () => {
    const x = mk([{ f: "1", "d/": {}, l: { symlink: "f" } }]);
    x.u.utimes("/f", 10, 20);
    x.u.utimes("/d", new Date(30_000), new Date(40_000));
    x.u.lutimes("/l", 50, 60);
    expect(x.u.stat("/f").mtimeNs).toBe(20_000_000_000n);
    expect(x.u.stat("/f").atimeNs).toBe(10_000_000_000n);
    expect(x.u.stat("/d").mtimeNs).toBe(40_000_000_000n);
    expect(x.u.lstat("/l").mtimeNs).toBe(60_000_000_000n);
    expect(x.u.stat("/l").mtimeNs).toBe(20_000_000_000n);
    x.u.setTimes("/f", undefined, 7n);
    expect(x.u.stat("/f").atimeNs).toBe(10_000_000_000n);
  });
});

describe("rule 18: lower layers are never written", () => {
  it("every mutation goes to the upper", () => {
    const specs: MemorySpec[] = [{ "d/a": "1", "d/s/b": "2", f: "3" }];
    const x = mk(specs);
    const before = x.layers.map(rawLayer);
    x.u.writeFile("/d/a", "x");
    x.u.unlink("/f");
    x.u.rename("/d", "/e");
    x.u.chmod("/e/s", 0o700);
    expect(x.layers.map(rawLayer)).toEqual(before);
    expect(x.layers[0]!.stat("d/a")).toBeDefined();
  });
});

describe("rule 19: errno precedence follows Linux", () => {
  it("rename resolves both parents before the source (ENOTDIR, not ENOENT)", () => {
    const { u } = mk([{ file: "1" }]);
    expect(code(() => u.rename("/missing", "/file/x"))).toBe("ENOTDIR");
    expect(code(() => u.rename("/missing", "/nodir/x"))).toBe("ENOENT");
  });
  it("rename errors for directories", () => {
    const { u } = mk([{ "d/s/f": "1", "e/x": "1", f: "1", "empty/": {} }]);
    expect(code(() => u.rename("/d", "/d/s/in"))).toBe("EINVAL");
    expect(code(() => u.rename("/d/s", "/d"))).toBe("ENOTEMPTY");
    expect(code(() => u.rename("/d", "/e"))).toBe("ENOTEMPTY");
    expect(code(() => u.rename("/d", "/f"))).toBe("ENOTDIR");
    expect(code(() => u.rename("/f", "/d"))).toBe("EISDIR");
    expect(code(() => u.rename("/", "/x"))).toBe("EBUSY");
    expect(code(() => u.rename("/d/.", "/x"))).toBe("EBUSY");
    expect(code(() => u.rename("/f", "/f"))).toBe("OK");
    expect(code(() => u.rename("/f/", "/g"))).toBe("ENOTDIR");
  });
  it("rename between two names of one upper file is a no-op", () => {
    const x = mk([{}]);
    x.u.writeFile("/a", "1");
    x.u.link("/a", "/b");
    x.u.rename("/a", "/b");
    expect(x.u.readdir("/")).toEqual(["a", "b"]);
  });
  it("rename between lower hard-link aliases moves the source (separate objects, as in overlayfs)", () => {
    const x = mk([{ a: "1", b: { link: "a" } }]);
    x.u.rename("/a", "/b");
    expect(x.u.readdir("/")).toEqual(["b"]);
    expect(x.raw()).toEqual([".wh.a", "b"]);
  });
  it("mkdir, rmdir, unlink, link, symlink errors", () => {
    const { u } = mk([{ "d/f": "1", l: { symlink: "d" } }]);
    expect(code(() => u.mkdir("/d"))).toBe("EEXIST");
    expect(code(() => u.mkdir("/l"))).toBe("EEXIST");
    expect(code(() => u.mkdir("/d/f/x"))).toBe("ENOTDIR");
    expect(code(() => u.mkdir("/x/y"))).toBe("ENOENT");
    expect(code(() => u.rmdir("/d/f"))).toBe("ENOTDIR");
    expect(code(() => u.rmdir("/l"))).toBe("ENOTDIR");
    expect(code(() => u.rmdir("/"))).toBe("EBUSY");
    expect(code(() => u.rmdir("/d/."))).toBe("EINVAL");
    expect(code(() => u.rmdir("/d/.."))).toBe("ENOTEMPTY");
    expect(code(() => u.unlink("/d"))).toBe("EISDIR");
    expect(code(() => u.unlink("/d/f/"))).toBe("ENOTDIR");
    expect(code(() => u.link("/nope", "/x"))).toBe("ENOENT");
    expect(code(() => u.link("/d/f", "/l"))).toBe("EEXIST");
    expect(code(() => u.symlink("", "/x"))).toBe("ENOENT");
    expect(code(() => u.symlink("t", "/d"))).toBe("EEXIST");
  });
  it("open errors", () => {
    const { u } = mk([{ "d/f": "1" }]);
    expect(code(() => u.open("/d", { write: true }))).toBe("EISDIR");
    expect(code(() => u.open("/d/f", { directory: true }))).toBe("ENOTDIR");
    expect(code(() => u.open("/d/f", { create: true, exclusive: true }))).toBe("EEXIST");
    expect(code(() => u.open("/d/new/", { create: true }))).toBe("EISDIR");
    expect(code(() => u.open("/d", { create: true }))).toBe("EISDIR");
    expect(code(() => u.open("/d/nope"))).toBe("ENOENT");
    expect(code(() => u.readFile("/d"))).toBe("EISDIR");
    expect(code(() => u.truncate("/d"))).toBe("EISDIR");
    expect(code(() => u.truncate("/d/f", -1))).toBe("EINVAL");
    const f = u.open("/d/f");
    expect(code(() => f.write(new Uint8Array(1), 0))).toBe("EBADF");
    f.close();
    expect(code(() => f.read(new Uint8Array(1), 0))).toBe("EBADF");
  });
  it("in strict mode EXDEV comes before the target directory's emptiness (overlayfs order)", () => {
    const { u } = mk([{ "d/a": "1", "e/b": "1" }], { renameDir: "exdev" });
    expect(code(() => u.rename("/d", "/e"))).toBe("EXDEV");
  });
  it("entries created in a set-group-ID directory take its group; directories also its set-group-ID bit", () => {
    const { u } = mk([{ g: { dir: true, mode: 0o2775, gid: 50 } }]);
    u.mkdir("/g/sub");
    u.writeFile("/g/f", "f");
    u.symlink("f", "/g/l");
    expect([u.stat("/g/sub").mode, u.stat("/g/sub").gid]).toEqual([0o2755, 50]);
    expect([u.stat("/g/f").mode, u.stat("/g/f").gid]).toEqual([0o644, 50]);
    expect(u.lstat("/g/l").gid).toBe(50);
  });
  it("chown of a file clears set-user-ID, and set-group-ID when group-executable", () => {
    const { u } = mk([{ su: { file: "x", mode: 0o4755 }, sg: { file: "y", mode: 0o2755 }, sl: { file: "z", mode: 0o2745 }, "sd/": { dir: true, mode: 0o2755 } }]);
    for (const p of ["/su", "/sg", "/sl", "/sd"]) u.chown(p, 1, 1);
    expect(["/su", "/sg", "/sl", "/sd"].map((p) => u.stat(p).mode)).toEqual([0o755, 0o755, 0o2745, 0o2755]);
  });
  it("errors carry both code and the WASI errno", () => {
    const { u } = mk([{}]);
    try {
      u.stat("/nope");
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe("ENOENT");
      expect((e as { errno: number }).errno).toBe(Errno.NOENT);
    }
  });
});
