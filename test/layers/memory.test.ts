import { describe, expect, it } from "vitest";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { CHUNK_SIZE } from "../../src/layers/chunked-content.ts";
import { checkLayer } from "../../src/testing/mod.ts";
import { isFsError } from "../../src/core/errno.ts";
import type { LayerFile } from "../../src/core/layer.ts";
import { isWritableLayer } from "../../src/core/layer.ts";

const MiB = 2 ** 20;
const enc = new TextEncoder();
const dec = new TextDecoder();

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isFsError(e) ? e.code : `non-FsError: ${String(e)}`;
  }
  return undefined;
}

function text(layer: { open(p: string): LayerFile }, path: string): string {
  const f = layer.open(path);
  const out = new Uint8Array(f.stat().size);
  f.read(out, 0);
  f.close();
  return dec.decode(out);
}

function writeText(layer: MemoryLayer, path: string, s: string, at = 0): void {
  const f = layer.openWrite(path);
  f.write(enc.encode(s), at);
  f.close();
}

/** A spec using every entry kind. */
const everyKind = {
  "dir/": {},
  "dir/file": "text",
  "bin/sh": { file: "#!/bin/sh\n", mode: 0o755, uid: 10, gid: 20, mtimeNs: 1_000_000_000n },
  "bytes": Uint8Array.of(0, 1, 2, 255),
  "link": { symlink: "dir/file" },
  "abs-link": { symlink: "/etc/../x//y" },
  "hard": { link: "dir/file" },
  "dir/.wh.gone": "",
  "d2/.wh..wh..opq": "",
  "private": { dir: true as const, mode: 0o700 },
  "empty/": {},
  "huge": { file: { size: 256 * MiB, fill: 0x5a } },
  "nested/a/b/c/d/e": "deep",
};

describe("MemoryLayer passes checkLayer", () => {
  it("checkLayer passes on an empty MemoryLayer", () => {
    checkLayer(new MemoryLayer());
  });

  it("checkLayer passes on a layer built from a spec with every entry kind", () => {
    const layer = MemoryLayer.from(everyKind);
    checkLayer(layer, {
      expected: ["dir/", "dir/file", "bin/", "bin/sh", "bytes", "link", "abs-link", "hard", "dir/.wh.gone", "d2/.wh..wh..opq",
        "private/", "empty/", "huge", "nested/a/b/c/d/e"],
    });
  });

  it("checkLayer passes after many mutations, and on a frozen layer read-only", () => {
    const layer = MemoryLayer.from(everyKind);
    layer.mkdir("new", { mode: 0o755 });
    layer.createFile("new/f", { mode: 0o644 });
    writeText(layer, "new/f", "hello", 3);
    layer.link("new/f", "new/g");
    layer.rename("nested", "new/nested");
    layer.unlink("hard");
    layer.symlink("new/s", "../x");
    const h = layer.openWrite("huge");
    h.write(enc.encode("patch"), 100 * MiB);
    h.truncate(200 * MiB);
    h.close();
    layer.removeTree("d2");
    layer.setattr("dir", { mode: 0o711, mtimeNs: 5n });
    checkLayer(layer, { expected: ["new/nested/a/b/c/d/e", "new/g", "new/s"] });
    layer.freeze();
    checkLayer(layer, { writable: false });
  });

  it("checkLayer passes on a layer with a small chunk size", () => {
    checkLayer(new MemoryLayer({ chunkSize: 16 }));
  });

  it("a chunk size that is not a power of two is refused at construction with EINVAL", () => {
    expect(codeOf(() => new MemoryLayer({ chunkSize: 3 }))).toBe("EINVAL");
  });
});

describe("MemoryLayer.from", () => {
  it("from() creates parents implicitly as 0o755 directories", () => {
    const l = MemoryLayer.from({ "a/b/c": "x" }, { timeNs: 7n });
    expect(l.stat("a")).toMatchObject({ type: "dir", mode: 0o755, nlink: 3, mtimeNs: 7n });
    expect(l.stat("a/b")).toMatchObject({ type: "dir", mode: 0o755, nlink: 2 });
    expect(l.stat("a/b/c")).toMatchObject({ type: "file", mode: 0o644, size: 1, mtimeNs: 7n, ctimeNs: 7n });
  });

  it("from() sets the root directory's attributes from the key \"/\"", () => {
    const l = MemoryLayer.from({ "/": { dir: true, mode: 0o700, mtimeNs: 4n }, f: "x" });
    expect(l.stat("")).toMatchObject({ type: "dir", mode: 0o700, mtimeNs: 4n });
  });

  it("from() applies attributes of a directory declared after its children", () => {
    const l = MemoryLayer.from({ "d/x": "1", "d/": { dir: true, mode: 0o700, uid: 5, mtimeNs: 9n } });
    expect(l.stat("d")).toMatchObject({ type: "dir", mode: 0o700, uid: 5, mtimeNs: 9n });
  });

  it("from() makes hard links that share id, nlink and content regardless of key order", () => {
    const l = MemoryLayer.from({ "1": { link: "z/file" }, "z/file": "data" });
    const a = l.stat("1")!;
    const b = l.stat("z/file")!;
    expect(a.id).toBe(b.id);
    expect(a.nlink).toBe(2);
    expect(text(l, "1")).toBe("data");
  });

  it("from() keeps symlink targets verbatim and sizes them in UTF-8 bytes", () => {
    const l = MemoryLayer.from({ s: { symlink: "../é//./x/" } });
    expect(l.readlink("s")).toBe("../é//./x/");
    expect(l.stat("s")).toMatchObject({ type: "symlink", size: 11, mode: 0o777 });
  });

  it("from() copies Uint8Array content so later changes to the caller's array do not leak in", () => {
    const data = Uint8Array.of(1, 2, 3);
    const l = MemoryLayer.from({ f: data });
    data[0] = 99;
    const out = new Uint8Array(3);
    l.open("f").read(out, 0);
    expect(out).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("from() makes a 256 MiB generated file without allocating it", () => {
    const l = MemoryLayer.from({ big: { file: { size: 256 * MiB, fill: Uint8Array.of(1, 2, 3) } } });
    expect(l.stat("big")!.size).toBe(256 * MiB);
    expect(l.contentUsage("big")).toMatchObject({ chunks: 0, bytes: 0 });
    const out = new Uint8Array(4);
    l.open("big").read(out, 200 * MiB);
    const p = (200 * MiB) % 3;
    expect(out).toEqual(Uint8Array.from([0, 1, 2, 3].map((i) => [1, 2, 3][(p + i) % 3]!)));
  });

  it("from() accepts a generator-backed file", () => {
    const l = MemoryLayer.from({ g: { file: { size: 1000, read: (into, pos) => (into.fill(pos % 256), into.length) } } });
    const out = new Uint8Array(10);
    expect(l.open("g").read(out, 995)).toBe(5);
    expect(out.subarray(0, 5)).toEqual(new Uint8Array(5).fill(995 % 256));
  });

  it("from() builds a 10,000-file layer quickly", () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) spec[`d${i % 100}/sub${i % 7}/f${i}`] = `file ${i}`;
    const t0 = performance.now();
    const l = MemoryLayer.from(spec);
    const ms = performance.now() - t0;
    expect(l.readdir("d42/sub3").length).toBeGreaterThan(10);
    expect(text(l, "d42/sub0/f42")).toBe("file 42");
    expect(ms).toBeLessThan(1000);
  });

  it("from() rejects conflicting entries with the filesystem's errors", () => {
    expect(codeOf(() => MemoryLayer.from({ a: "x", "a/b": "y" }))).toBe("ENOTDIR");
    expect(codeOf(() => MemoryLayer.from({ "a/": "x" }))).toBe("EINVAL");
    expect(codeOf(() => MemoryLayer.from({ h: { link: "missing" } }))).toBe("ENOENT");
    expect(codeOf(() => MemoryLayer.from({ "d/": {}, h: { link: "d" } }))).toBe("EPERM");
  });

  it("from() with freeze gives a read-only layer whose mutations throw EROFS", () => {
    const l = MemoryLayer.from({ f: "x" }, { freeze: true });
    expect(isWritableLayer(l)).toBe(true);
    expect(codeOf(() => l.createFile("g", { mode: 0o644 }))).toBe("EROFS");
    expect(codeOf(() => l.unlink("f"))).toBe("EROFS");
    expect(codeOf(() => l.openWrite("f"))).toBe("EROFS");
    expect(text(l, "f")).toBe("x");
  });

  it("freeze() also stops writes through handles opened before", () => {
    const l = MemoryLayer.from({ f: "x" });
    const h = l.openWrite("f");
    l.freeze();
    expect(codeOf(() => h.write(enc.encode("y"), 0))).toBe("EROFS");
    expect(codeOf(() => h.truncate(0))).toBe("EROFS");
  });
});

describe("MemoryLayer", () => {
  it("readdirTyped gives readdir's names with the types stat gives them, and readdir's errors", () => {
    const l = MemoryLayer.from({ "d/f": "x", "d/sub/": {}, "d/ln": { symlink: "f" }, "d/.wh.gone": "", "top": "y" });
    for (const dir of ["", "d", "d/sub"]) {
      const { names, types } = l.readdirTyped(dir);
      expect(names).toEqual(l.readdir(dir));
      expect(types).toEqual(names.map((n) => l.stat(dir === "" ? n : `${dir}/${n}`)!.type));
    }
    expect(l.readdirTyped("d").types).toEqual(expect.arrayContaining(["file", "dir", "symlink"]));
    expect(codeOf(() => l.readdirTyped("top"))).toBe("ENOTDIR");
    expect(codeOf(() => l.readdirTyped("missing"))).toBe("ENOENT");
  });

  it("ids are unique, stable, and shared by hard links", () => {
    const l = new MemoryLayer();
    l.createFile("a", { mode: 0o644 });
    l.createFile("b", { mode: 0o644 });
    l.link("a", "c");
    const ids = ["", "a", "b", "c"].map((p) => l.stat(p)!.id);
    expect(ids[1]).toBe(ids[3]);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id >= 1 && id < 2 ** 32).toBe(true);
    l.rename("a", "z");
    expect(l.stat("z")!.id).toBe(ids[1]);
  });

  it("successors share one id space: no two layers of a lineage give objects the same id", () => {
    const first = new MemoryLayer();
    first.createFile("a", { mode: 0o644 });
    // Union.fork makes several successors of one upper, and successors of those.
    const b = first.successor();
    const c = first.successor();
    const d = b.successor();
    for (const l of [b, c, d, b, c]) l.createFile(`f${l.readdir("").length}`, { mode: 0o644 });
    const ids = [first, b, c, d].flatMap((l) => l.readdir("").map((n) => l.stat(n)!.id));
    expect(ids.length).toBe(6);
    expect(new Set(ids).size).toBe(6);
    expect([b, c, d].map((l) => l.stat("")!.id)).toEqual([1, 1, 1]); // every root is id 1, as in a fresh layer
  });

  it("directory nlink counts subdirectories", () => {
    const l = new MemoryLayer();
    l.mkdir("a", { mode: 0o755 });
    l.mkdir("a/b", { mode: 0o755 });
    l.mkdir("c", { mode: 0o755 });
    expect(l.stat("")!.nlink).toBe(4);
    expect(l.stat("a")!.nlink).toBe(3);
    l.rename("a/b", "c/b");
    expect(l.stat("a")!.nlink).toBe(2);
    expect(l.stat("c")!.nlink).toBe(3);
    l.rename("a", "c/b"); // over an empty directory
    expect(l.stat("c")!.nlink).toBe(3);
    expect(l.stat("")!.nlink).toBe(3);
    l.removeTree("c");
    expect(l.stat("")!.nlink).toBe(2);
  });

  it("writes update mtime and ctime; setattr updates only ctime besides what it sets", async () => {
    const l = new MemoryLayer();
    l.createFile("f", { mode: 0o644, mtimeNs: 1n, atimeNs: 2n });
    const s0 = l.stat("f")!;
    expect(s0).toMatchObject({ mtimeNs: 1n, atimeNs: 2n });
    expect(s0.ctimeNs > 1_000_000_000_000_000_000n).toBe(true);
    writeText(l, "f", "x");
    const s1 = l.stat("f")!;
    expect(s1.mtimeNs > 1n).toBe(true);
    expect(s1.ctimeNs).toBe(s1.mtimeNs);
    expect(s1.atimeNs).toBe(2n);
    await new Promise((r) => setTimeout(r, 2));
    l.setattr("f", { mode: 0o600 });
    const s2 = l.stat("f")!;
    expect(s2.mtimeNs).toBe(s1.mtimeNs);
    expect(s2.ctimeNs > s1.ctimeNs).toBe(true);
  });

  it("adding and removing entries updates the parent directory's mtime and ctime", () => {
    const l = new MemoryLayer();
    l.mkdir("d", { mode: 0o755 });
    for (const op of [
      () => l.createFile("d/f", { mode: 0o644 }),
      () => l.link("d/f", "d/g"),
      () => l.rename("d/g", "d/h"),
      () => l.unlink("d/h"),
      () => l.symlink("d/s", "f"),
      () => l.mkdir("d/sub", { mode: 0o755 }),
      () => l.rmdir("d/sub"),
    ]) {
      l.setattr("d", { mtimeNs: 1n });
      op();
      expect(l.stat("d")!.mtimeNs > 1n).toBe(true);
      expect(l.stat("d")!.ctimeNs).toBe(l.stat("d")!.mtimeNs);
    }
  });

  it("rename follows Linux errors and leaves the tree unchanged on failure", () => {
    const l = MemoryLayer.from({ "a/x": "1", "b/": {}, "full/y": "2", f: "3", g: "4" });
    expect(codeOf(() => l.rename("a", "a/x/z"))).toBe("ENOTDIR");
    expect(codeOf(() => l.rename("a", "a/new"))).toBe("EINVAL");
    expect(codeOf(() => l.rename("a", "full"))).toBe("ENOTEMPTY");
    expect(codeOf(() => l.rename("a", "f"))).toBe("ENOTDIR");
    expect(codeOf(() => l.rename("f", "b"))).toBe("EISDIR");
    expect(codeOf(() => l.rename("missing", "f/x"))).toBe("ENOTDIR");
    expect(codeOf(() => l.rename("missing", "zz"))).toBe("ENOENT");
    expect(codeOf(() => l.rename("a/x", "a"))).toBe("ENOTEMPTY");
    expect(codeOf(() => l.rename("", "q"))).toBe("EBUSY");
    expect(l.readdir("").sort()).toEqual(["a", "b", "f", "full", "g"]);
    l.rename("f", "g");
    expect(text(l, "g")).toBe("3");
    expect(l.stat("f")).toBeUndefined();
  });

  it("a deep directory rename moves node references, not bytes", () => {
    const lower = MemoryLayer.from({ big: { file: { size: 64 * MiB, fill: 1 } } });
    const l = new MemoryLayer();
    l.mkdir("a", { mode: 0o755 });
    l.mkdir("a/b", { mode: 0o755 });
    l.createFileFrom("a/b/big", lower.open("big"), { mode: 0o644 });
    writeText(l, "a/b/big", "x", 5);
    const before = l.contentUsage("a/b/big");
    const id = l.stat("a/b/big")!.id;
    l.rename("a", "moved");
    expect(l.stat("moved/b/big")!.id).toBe(id);
    expect(l.contentUsage("moved/b/big")).toEqual(before);
    expect(before.chunks).toBe(1);
  });

  it("copy-up of a MemoryLayer file keeps working after the source handle is closed", () => {
    const lower = MemoryLayer.from({ f: "lower data" });
    const l = new MemoryLayer();
    const src = lower.open("f");
    l.createFileFrom("f", src, { mode: 0o640, mtimeNs: 3n });
    src.close();
    expect(text(l, "f")).toBe("lower data");
    expect(l.stat("f")).toMatchObject({ mode: 0o640, mtimeNs: 3n, size: 10 });
    expect(l.contentUsage("f")).toMatchObject({ chunks: 0, referencesSource: true });
    writeText(l, "f", "UPPER");
    expect(text(l, "f")).toBe("UPPER data");
    expect(text(lower, "f")).toBe("lower data");
  });

  it("writing 4 KiB into a copied-up 256 MiB file stores about one chunk", () => {
    const lower = MemoryLayer.from({ big: { file: { size: 256 * MiB, fill: 0xee } } });
    const upper = new MemoryLayer();
    upper.createFileFrom("big", lower.open("big"), { mode: 0o644 });
    const h = upper.openWrite("big");
    h.write(new Uint8Array(4096).fill(1), 100 * MiB + 17);
    h.close();
    const u = upper.contentUsage("big");
    expect(u.chunks).toBeLessThanOrEqual(2);
    expect(u.bytes).toBeLessThanOrEqual(2 * CHUNK_SIZE);
    expect(u.size).toBe(256 * MiB);
  });

  it("usage() counts each hard-linked file once and reports referencing copies", () => {
    const lower = MemoryLayer.from({ big: { file: { size: 10 * MiB, fill: 1 } } });
    const l = MemoryLayer.from({ "a/f": "12345", g: { link: "a/f" } });
    l.createFileFrom("c", lower.open("big"), { mode: 0o644 });
    expect(l.usage()).toEqual({ entries: 4, files: 2, chunks: 1, bytes: 5, referencing: 1 });
    writeText(l, "c", "x", 3 * MiB);
    expect(l.usage()).toMatchObject({ chunks: 2, bytes: 5 + 1, referencing: 1 }); // a chunk's start: one byte stored, the rest read through
  });

  it("createFileFrom with a source in the same layer copies it, so later writes do not leak", () => {
    const l = MemoryLayer.from({ f: "original" });
    l.createFileFrom("g", l.open("f"), { mode: 0o644 });
    writeText(l, "f", "CHANGED!");
    expect(text(l, "g")).toBe("original");
  });

  it("open handles survive rename and unlink", () => {
    const l = MemoryLayer.from({ f: "abc" });
    const w = l.openWrite("f");
    l.rename("f", "g");
    w.write(enc.encode("X"), 0);
    expect(text(l, "g")).toBe("Xbc");
    l.unlink("g");
    expect(w.stat().nlink).toBe(0);
    w.write(enc.encode("Y"), 1);
    const out = new Uint8Array(3);
    w.read(out, 0);
    expect(dec.decode(out)).toBe("XYc");
    w.close();
    expect(codeOf(() => w.read(out, 0))).toBe("EBADF");
  });

  it("read-only handles refuse writes with EBADF", () => {
    const l = MemoryLayer.from({ f: "abc" });
    const r = l.open("f") as unknown as { write(d: Uint8Array, p: number): number };
    expect(codeOf(() => r.write(enc.encode("x"), 0))).toBe("EBADF");
  });

  it("removeTree keeps hard links outside the tree and drops their nlink", () => {
    const l = MemoryLayer.from({ "t/a/f": "x", out: { link: "t/a/f" }, "t/.wh.y": "" });
    expect(l.stat("out")!.nlink).toBe(2);
    l.removeTree("t");
    expect(l.stat("t")).toBeUndefined();
    expect(l.stat("out")!.nlink).toBe(1);
    expect(text(l, "out")).toBe("x");
  });

  it("removeTree handles a 10,000-deep tree without overflowing the stack", () => {
    const l = new MemoryLayer();
    l.mkdir("d", { mode: 0o755 });
    // Grow the chain from the top with O(1) renames (mkdir at depth n would be O(n)).
    for (let i = 0; i < 10_000; i++) {
      l.mkdir("n", { mode: 0o755 });
      l.rename("d", "n/d");
      l.rename("n", "d");
    }
    expect(l.stat("d/d/d/d/d/d/d/d/d/d")?.type).toBe("dir");
    l.removeTree("d");
    expect(l.readdir("")).toEqual([]);
  });

  it("rmdir counts whiteout files as entries (raw emptiness)", () => {
    const l = MemoryLayer.from({ "d/.wh.x": "" });
    expect(codeOf(() => l.rmdir("d"))).toBe("ENOTEMPTY");
    l.unlink("d/.wh.x");
    l.rmdir("d");
    expect(l.stat("d")).toBeUndefined();
  });

  it("plain-filesystem errors for bad operations", () => {
    const l = MemoryLayer.from({ "d/f": "x", s: { symlink: "d" } });
    expect(codeOf(() => l.mkdir("d", { mode: 0o755 }))).toBe("EEXIST");
    expect(codeOf(() => l.mkdir("", { mode: 0o755 }))).toBe("EEXIST");
    expect(codeOf(() => l.createFile("x/y", { mode: 0o644 }))).toBe("ENOENT");
    expect(codeOf(() => l.createFile("d/f/y", { mode: 0o644 }))).toBe("ENOTDIR");
    expect(codeOf(() => l.open("d"))).toBe("EISDIR");
    expect(codeOf(() => l.open("s"))).toBe("ELOOP");
    expect(codeOf(() => l.readlink("d/f"))).toBe("EINVAL");
    expect(codeOf(() => l.readdir("d/f"))).toBe("ENOTDIR");
    expect(codeOf(() => l.readdir("s/f"))).toBe("ENOTDIR");
    expect(codeOf(() => l.unlink("d"))).toBe("EISDIR");
    expect(codeOf(() => l.rmdir("d/f"))).toBe("ENOTDIR");
    expect(codeOf(() => l.removeTree("d/f"))).toBe("ENOTDIR");
    expect(codeOf(() => l.rmdir(""))).toBe("EBUSY");
    expect(codeOf(() => l.link("d", "d2"))).toBe("EPERM");
    expect(codeOf(() => l.stat("d//f"))).toBe("EINVAL");
    expect(codeOf(() => l.stat("d/../d"))).toBe("EINVAL");
    expect(l.stat("d/f/x")).toBeUndefined();
    expect(l.stat("s/f")).toBeUndefined();
  });

  it("hard links to symlinks link the symlink itself", () => {
    const l = MemoryLayer.from({ s: { symlink: "t" } });
    l.link("s", "s2");
    expect(l.stat("s2")).toMatchObject({ type: "symlink", nlink: 2, id: l.stat("s")!.id });
  });

  it("sequential 64 KiB writes and reads of a 64 MiB file are fast", () => {
    const l = new MemoryLayer();
    l.createFile("f", { mode: 0o644 });
    const w = l.openWrite("f");
    const block = new Uint8Array(65536).fill(3);
    const t0 = performance.now();
    for (let i = 0; i < 1024; i++) w.write(block, i * 65536);
    const t1 = performance.now();
    for (let i = 0; i < 1024; i++) w.read(block, i * 65536);
    const t2 = performance.now();
    expect(l.contentUsage("f")).toMatchObject({ size: 64 * MiB, chunks: 1024, bytes: 64 * MiB });
    // Generous bounds: a copy of the whole file per write would take seconds.
    expect(t1 - t0).toBeLessThan(2000);
    expect(t2 - t1).toBeLessThan(1000);
  });
});
