// A read-only DirLayer answers from its per-directory index (layers/dir/lower-index.ts).
// Editing a lower while it is mounted is unsupported (as for kernel overlayfs), but it
// must give stale-but-consistent answers or a clean EIO, never a crash, and a directory
// swapped for a symlink to the outside must never let outside names or bytes through.
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { thrownErrno } from "../support/index.ts";
import type { HostFs } from "../../src/layers/dir/mod.ts";
import type { EntryStat } from "../../src/core/layer.ts";
import { cleanup, countingHost, hostFs, listingHost, makeTree, probingHost, statStack, tempDir } from "./helpers.ts";

const SECRET = "outside secret";
let root: string;
let lower: string;
let outside: string;

beforeEach(() => {
  root = tempDir("layerfs-index-", true);
  lower = `${root}/lower`;
  outside = `${root}/outside`;
  makeTree(lower, { "a/b/file": "inside", "a/b/other": "inside too", "top.txt": "top", "d/x": "x" });
  makeTree(outside, { "b/file": SECRET, "b/other": SECRET, file: SECRET, x: SECRET, "new.txt": SECRET });
});
afterEach(() => cleanup(root));

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Every answer `fn` gives is inside-only: a value without the outside bytes, or a clean FsError. */
function safe(fn: () => unknown): unknown {
  try {
    let v = fn();
    if (typeof v === "object" && v !== null && "read" in v && "close" in v) {
      // An open file: what it reads.
      const f = v as { read(into: Uint8Array, position: number): number; close(): void };
      const buf = new Uint8Array(64);
      v = buf.subarray(0, f.read(buf, 0));
      f.close();
    }
    const s = v instanceof Uint8Array ? text(v) : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));
    expect(s).not.toContain(SECRET);
    expect(s ?? "").not.toContain("new.txt");
    return v;
  } catch (e) {
    expect(thrownErrno(() => { throw e; }), String(e)).toBeTypeOf("number");
    return e;
  }
}

/** Each path is absent or a clean error, never found; reading it never gives outside bytes. */
function nothingOutside(stat: (p: string) => unknown, read: (p: string) => unknown, paths: readonly string[]): void {
  for (const p of paths) {
    const r = safe(() => stat(p));
    if (!(r instanceof Error)) expect(r, p).toBeUndefined();
    safe(() => read(p));
  }
}

/** A union of two DirLayers over `${root}/bottom` and `${root}/top` (as `host` reports them). */
function twoLayers(host: () => HostFs): Union {
  return new Union(new Image([new DirLayer(host(), `${root}/bottom`), new DirLayer(host(), `${root}/top`)]), new MemoryLayer());
}

function swapForSymlink(dir: string, target: string): void {
  fs.renameSync(dir, `${dir}.gone`);
  fs.symlinkSync(target, dir);
}

// Lower directories are probed name by name here (as on ext4, whatever the temp directory's
// filesystem); the small-directory listing at a first lookup is tested after.
describe("DirLayer lower index", () => {
  it("gives every entry its own exact times when many share them (the index keeps one BigInt per recent time)", () => {
    // 12 files whose access and modification times repeat in more patterns than the index remembers at once.
    const dir = `${root}/times`;
    fs.mkdirSync(dir);
    const base = 1_700_000_000;
    for (let i = 0; i < 12; i++) {
      const f = `${dir}/f${String(i).padStart(2, "0")}`;
      fs.writeFileSync(f, "x");
      fs.utimesSync(f, base + ((i * 7) % 6) + 0.25, base + (i % 5) + 0.5);
    }
    const layer = new DirLayer(hostFs(), dir);
    const names = layer.readdir("");
    expect(names.length).toBe(12);
    for (const name of names) {
      const st = layer.stat(name)!;
      const host = fs.lstatSync(`${dir}/${name}`, { bigint: true });
      expect([name, st.atimeNs, st.mtimeNs, st.ctimeNs]).toEqual([name, host.atimeNs, host.mtimeNs, host.ctimeNs]);
    }
    layer.close();
  });

  it("serves stat, readdir and whiteout probes from the index after the first visit (no host call)", () => {
    const counting = countingHost(probingHost());
    const layer = new DirLayer(counting.host, lower);
    expect(layer.stat("a/b/file")?.type).toBe("file");
    expect(layer.readdir("a/b").sort()).toEqual(["file", "other"]);
    const before = counting.total();
    for (let i = 0; i < 100; i++) {
      expect(layer.stat("a/b/file")?.size).toBe(6);
      expect(layer.stat("a/b/.wh.file")).toBeUndefined();
      expect(layer.stat("a/b/.wh..wh..opq")).toBeUndefined();
      expect(layer.stat("a/b/missing")).toBeUndefined();
      expect(layer.readdir("a/b")).toHaveLength(2);
    }
    expect(counting.total()).toBe(before);
  });

  it("a union over many layers stats only what it is asked for: unrelated names cost no lstat", () => {
    const counting = countingHost(probingHost());
    const LAYERS = 16;
    const dirs = statStack(root, LAYERS, 50);
    let lstats = 0;
    const host = new Proxy(counting.host, {
      get: (t, k, r) => (k === "lstat" || k === "lstatIfExists" ? (p: string) => { lstats++; return (Reflect.get(t, k, r) as (p: string) => unknown).call(t, p); } : Reflect.get(t, k, r)),
    });
    const u = new Union(new Image(dirs.map((d) => new DirLayer(host, d))), new MemoryLayer());
    expect(u.readFile("/d/target", "utf8")).toBe("bottom");
    // Per layer, one lstat to open it and 3 probes at each level (d, .wh.d, the root's marker;
    // target, .wh.target, d's marker): O(layers), not O(layers × names) (16 × 50 = 800). The
    // copies of d below the top one are found only to merge, so they cost no check of their
    // root: a few checks in all (the top root, the bottom d and root, the union root), not one per layer.
    expect(lstats).toBeLessThanOrEqual(LAYERS * 7);
    const after = lstats;
    for (let i = 0; i < 100; i++) u.stat("/d/target");
    expect(lstats).toBe(after);
    expect(u.readdir("/d")).toHaveLength(LAYERS * 50 + 1);
  });

  it("statChildren and typesToMerge walk a name with a slash as stat does: never through a symlink inside the layer", () => {
    fs.symlinkSync(outside, `${lower}/link`);
    const layer = new DirLayer(probingHost(), lower);
    expect(layer.stat("link/file")).toBeUndefined();
    expect(layer.statChildren("", ["link/file", "top.txt"])).toEqual([undefined, layer.stat("top.txt")]);
    expect(layer.typesToMerge("", ["link/b", "a/b"])).toEqual([undefined, "dir"]);
    expect(thrownErrno(() => layer.statChildren("", ["../x"]))).toBe(Errno.NOTCAPABLE);
  });

  it("a name added or removed after the first visit gives a stale view; reading a removed file is a clean EIO", () => {
    const layer = new DirLayer(probingHost(), lower);
    const u = new Union(new Image([layer]), new MemoryLayer());
    expect(u.readdir("/a/b").sort()).toEqual(["file", "other"]);
    expect(u.stat("/a/b/file").size).toBe(6);
    fs.writeFileSync(`${lower}/a/b/added`, "added");
    fs.rmSync(`${lower}/a/b/other`);
    expect(u.readdir("/a/b").sort()).toEqual(["file", "other"]); // stale, consistent
    expect(thrownErrno(() => u.stat("/a/b/added"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.readFile("/a/b/other"))).toBe(Errno.IO);
    // A file replaced by another object under the same name: EIO, not the new bytes.
    fs.writeFileSync(`${lower}/a/b/file.new`, "replaced");
    fs.renameSync(`${lower}/a/b/file.new`, `${lower}/a/b/file`);
    expect(thrownErrno(() => u.readFile("/a/b/file"))).toBe(Errno.IO);
    expect(u.readFile("/top.txt", "utf8")).toBe("top");
  });

  it("a directory swapped for a symlink to the outside after its listing never shows outside names or bytes", () => {
    const layer = new DirLayer(probingHost(), lower);
    expect(layer.readdir("a/b").sort()).toEqual(["file", "other"]); // listed, not statted yet
    swapForSymlink(`${lower}/a/b`, `${outside}/b`);
    expect(thrownErrno(() => layer.stat("a/b/file"))).toBe(Errno.IO);
    safe(() => layer.open("a/b/file"));
    safe(() => layer.readdir("a/b"));
  });

  it("an ancestor swapped for a symlink: every later answer is stale or EIO, never outside content", () => {
    const layer = new DirLayer(probingHost(), lower);
    const u = new Union(new Image([layer]), new MemoryLayer());
    expect(u.readdir("/a/b").sort()).toEqual(["file", "other"]);
    swapForSymlink(`${lower}/a`, outside); // outside/b/file exists too
    for (const p of ["/a/b/file", "/a/b/other"]) {
      safe(() => u.stat(p));
      safe(() => u.readFile(p));
      safe(() => { const f = u.open(p, { write: true }); try { f.write(new Uint8Array(1), 0); } finally { f.close(); } return u.readFile(p); });
    }
    safe(() => u.readdir("/a/b"));
    expect(fs.readFileSync(`${outside}/b/file`, "utf8")).toBe(SECRET); // nothing written outside
  });

  it("a file statted and then its ancestor swapped: open checks the object and fails with EIO", () => {
    const layer = new DirLayer(probingHost(), lower);
    expect(layer.stat("a/b/file")?.size).toBe(6);
    swapForSymlink(`${lower}/a`, outside);
    expect(thrownErrno(() => layer.open("a/b/file"))).toBe(Errno.IO);
  });

  it("a directory swapped before its first visit is refused (EIO), and a symlink listed as such is never traversed", () => {
    fs.symlinkSync(outside, `${lower}/link`);
    const layer = new DirLayer(probingHost(), lower);
    expect(layer.readdir("")).toContain("d"); // the root is listed: d is a directory there
    expect(layer.stat("top.txt")?.type).toBe("file"); // and statted
    swapForSymlink(`${lower}/d`, outside);
    expect(thrownErrno(() => layer.readdir("d"))).toBe(Errno.IO);
    safe(() => layer.stat("d/x"));
    expect(layer.stat("link")?.type).toBe("symlink");
    expect(layer.stat("link/file")).toBeUndefined();
    expect(thrownErrno(() => layer.readdir("link"))).toBe(Errno.NOTDIR);
  });

  it("a root only probed so far sees a directory swapped for a symlink as the symlink, never through it", () => {
    const layer = new DirLayer(probingHost(), lower);
    expect(layer.stat("top.txt")?.type).toBe("file"); // probed: the root is not listed
    swapForSymlink(`${lower}/d`, outside);
    expect(layer.stat("d")?.type).toBe("symlink");
    expect(layer.stat("d/x")).toBeUndefined();
    expect(thrownErrno(() => layer.readdir("d"))).toBe(Errno.NOTDIR);
    safe(() => layer.open("d/x"));
  });

  it("a directory swapped after a probe of one of its names: later probes and the listing are EIO, never outside", () => {
    const layer = new DirLayer(probingHost(), lower);
    expect(layer.stat("a/b/file")?.size).toBe(6); // a and a/b probed, not listed
    swapForSymlink(`${lower}/a/b`, `${outside}/b`);
    expect(layer.stat("a/b/file")?.size).toBe(6); // the probed answer (stale, inside)
    expect(thrownErrno(() => layer.stat("a/b/other"))).toBe(Errno.IO);
    expect(thrownErrno(() => layer.readdir("a/b"))).toBe(Errno.IO);
    expect(thrownErrno(() => layer.open("a/b/file"))).toBe(Errno.IO);
    fs.writeFileSync(`${outside}/b/only-outside`, SECRET);
    expect(thrownErrno(() => layer.stat("a/b/only-outside"))).toBe(Errno.IO); // found through the swap: refused
    expect(layer.stat("a/b/nowhere")).toBeUndefined(); // absent answers show nothing, inside or out
  });

  it("a lower copy found only to merge (its check deferred) and then swapped for a symlink never lets outside objects through", () => {
    // Two layers with a/b/: the bottom's a/ is found only to merge (typesToMerge), so that probe is
    // not checked at once. Swapped after it, its b/ (outside/b) is found to merge in turn, with the
    // outside object's id: only the check up the chain, after a name found under it, refuses it.
    makeTree(`${root}/top`, { "a/b/mine": "top" });
    makeTree(`${root}/bottom`, { "a/b/file": "inside", "a/keep": "bottom" });
    const u = twoLayers(probingHost);
    expect(u.stat("/a").type).toBe("dir"); // the bottom's a/ probed to merge it
    swapForSymlink(`${root}/bottom/a`, outside); // outside/b/file and outside/x exist
    nothingOutside((p) => u.stat(p), (p) => u.readFile(p), ["/a/b/file", "/a/b/other", "/a/x", "/a/keep"]);
    safe(() => u.readdir("/a/b"));
    safe(() => u.readdir("/a"));
  });

  it("an unlisted directory answers many distinct names by probing, then is listed once and keeps the probed attributes", () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 100; i++) spec[`many/f${i}`] = "x".repeat(i);
    makeTree(`${root}/many`, spec);
    let readdirs = 0;
    const host = new Proxy(probingHost(), {
      get: (t, k, r) => (k === "readdir" ? (p: string) => { readdirs++; return t.readdir(p); } : Reflect.get(t, k, r)),
    });
    const layer = new DirLayer(host, `${root}/many`);
    const first = layer.stat("many/f1");
    for (let i = 0; i < 20; i++) expect(layer.stat(`many/f${i}`)?.size).toBe(i);
    expect(layer.stat("many/missing")).toBeUndefined();
    expect(readdirs).toBe(0);
    for (let i = 0; i < 100; i++) expect(layer.stat(`many/f${i}`)?.size).toBe(i);
    expect(readdirs).toBe(1);
    expect(layer.stat("many/f1")).toBe(first); // the probed stat object, kept by the listing
    expect(layer.stat("many/missing")).toBeUndefined();
    expect(layer.readdir("many")).toHaveLength(100);
    expect(readdirs).toBe(1);
  });
});

// A small directory (SMALL_DIR_BYTES) is listed at its first lookup: one readdir answers every
// name. Made only to merge a lower copy, that listing waits for its check, as probes do.
describe("DirLayer lower index: small directories listed at their first lookup", () => {
  it("a union over many layers with one-name roots lists each root once and probes the big d/", () => {
    const LAYERS = 16;
    const dirs = statStack(root, LAYERS, 50);
    const calls = { lstat: 0, readdir: 0 };
    // Roots small (one name), every d/ big (50 names): as on tmpfs.
    const host = new Proxy(hostFs(), {
      get: (t, k, r) => {
        const v = Reflect.get(t, k, r) as (p: string) => { kind: string; size: number } | undefined;
        if (k === "readdir") return (p: string) => { calls.readdir++; return v.call(t, p); };
        if (k !== "lstat" && k !== "lstatIfExists") return typeof v === "function" ? v.bind(t) : v;
        return (p: string) => {
          calls.lstat++;
          const st = v.call(t, p);
          return st?.kind === "dir" ? { ...st, size: dirs.includes(p) ? 60 : 4096 } : st;
        };
      },
    });
    const u = new Union(new Image(dirs.map((d) => new DirLayer(host, d))), new MemoryLayer());
    expect(u.readFile("/d/target", "utf8")).toBe("bottom");
    // Per layer: one lstat to open it, one readdir of its root (d, no .wh.d, no marker: 3 answers;
    // the top root is probed, as its d/ is shown), the 3 probes of d/ (target, .wh.target, d's
    // marker); a few checks in all.
    expect(calls.readdir).toBe(LAYERS - 1);
    expect(calls.lstat).toBeLessThanOrEqual(LAYERS * 4 + 8);
    const after = { ...calls };
    for (let i = 0; i < 100; i++) u.stat("/d/target");
    expect(calls).toEqual(after);
    expect(u.readdir("/d")).toHaveLength(LAYERS * 50 + 1);
  });

  it("a layer root listed only to merge, then swapped for a symlink to the outside, never lets outside objects through", () => {
    makeTree(`${root}/top`, { "d/mine": "top" });
    makeTree(`${root}/bottom`, { "d/file": "inside" });
    makeTree(outside, { "d/x": SECRET, "d/file": SECRET });
    const u = twoLayers(listingHost);
    expect(u.stat("/d").type).toBe("dir"); // the bottom's root listed (unchecked) to merge its d/
    swapForSymlink(`${root}/bottom`, outside);
    nothingOutside((p) => u.stat(p), (p) => u.readFile(p), ["/d/x", "/d/file"]);
    safe(() => u.readdir("/d"));
    expect(u.readFile("/d/mine", "utf8")).toBe("top");
  });

  it("a directory known from its parent's listing only (no id yet): its first check checks the parent too", () => {
    makeTree(`${root}/one`, { "d/file": "inside", top: "t" });
    makeTree(outside, { "d/x": SECRET, "d/file": SECRET });
    const layer = new DirLayer(listingHost(), `${root}/one`);
    // The root read whole to merge, then checked (a file was found); d/ not statted: its id is not known.
    expect(layer.typesToMerge("", ["d", "top"])).toEqual(["dir", "file"]);
    swapForSymlink(`${root}/one`, outside);
    nothingOutside((p) => layer.stat(p), (p) => layer.open(p), ["d/x", "d/file"]);
  });

  it("a small directory read to merge after it was swapped for a symlink: checked before any name or type it lists shows", () => {
    makeTree(`${root}/top`, { "a/b/mine": "top" });
    makeTree(`${root}/bottom`, { "a/b/file": "inside", only: "bottom" });
    const u = twoLayers(listingHost);
    expect(u.readFile("/only", "utf8")).toBe("bottom"); // the bottom root probed (a name shown from it)
    expect(u.stat("/a").type).toBe("dir"); // the bottom's a/ probed to merge (its id known, its size small)
    swapForSymlink(`${root}/bottom/a`, outside); // outside: b/file, b/other, file, x, new.txt
    safe(() => u.stat("/a/b")); // the bottom's a/ now read whole, through the swap, to merge b/
    nothingOutside((p) => u.stat(p), (p) => u.readFile(p), ["/a/x", "/a/file", "/a/new.txt", "/a/b/file"]);
    safe(() => u.readdir("/a"));
    safe(() => u.readdir("/a/b"));
  });

  it("a layer root swapped before its first look: a listing made to merge answers no non-directory before its check", () => {
    makeTree(`${root}/one`, { "d/file": "inside" });
    const layer = new DirLayer(listingHost(), `${root}/one`);
    swapForSymlink(`${root}/one`, outside); // outside: b/, file, x, new.txt
    expect(thrownErrno(() => layer.typesToMerge("", ["file"]))).toBe(Errno.IO);
    safe(() => layer.readdir(""));
  });

  it("a directory found in a listing made to merge, then swapped for a symlink, never lets outside objects through", () => {
    makeTree(`${root}/top`, { "a/b/mine": "top" });
    makeTree(`${root}/bottom`, { "a/b/file": "inside", "a/keep": "bottom" });
    const u = twoLayers(listingHost);
    expect(u.stat("/a").type).toBe("dir");
    swapForSymlink(`${root}/bottom/a`, outside); // outside/b/file and outside/x exist
    nothingOutside((p) => u.stat(p), (p) => u.readFile(p), ["/a/b/file", "/a/b/other", "/a/x", "/a/keep"]);
    safe(() => u.readdir("/a/b"));
    safe(() => u.readdir("/a"));
  });

  it("a small root listed to merge answers as a probed one does, and keeps a stale view once edited", () => {
    makeTree(`${root}/small`, { "a/f": "one", "a/g": "two", top: "t" });
    const listed = new DirLayer(listingHost(), `${root}/small`);
    const probed = new DirLayer(probingHost(), `${root}/small`);
    expect(listed.typesToMerge("", ["a", ".wh.a", ".wh..wh..opq"])).toEqual(["dir", undefined, undefined]); // the root read whole
    expect(listed.typesToMerge("", ["top"])).toEqual(["file"]); // a file found: checked before it is answered
    for (const p of ["a", "a/f", "a/g", "a/missing", "top", ".wh.top", "a/.wh..wh..opq"]) {
      // Not the atime a listing moves, nor a directory's size (each host reports its own).
      const comparable = (st: EntryStat | undefined) => (st === undefined ? st : { ...st, atimeNs: 0n, size: st.type === "dir" ? 0 : st.size });
      expect(comparable(listed.stat(p)), p).toEqual(comparable(probed.stat(p)));
    }
    fs.writeFileSync(`${root}/small/added`, "new");
    expect(listed.stat("added")).toBeUndefined(); // stale, consistent
    expect(listed.readdir("").sort()).toEqual(["a", "top"]);
  });
});

describe("DirLayer upper: cached file stats never go stale", () => {
  it("a write, truncate or time change through an open file shows at once, whatever name it has now", () => {
    fs.mkdirSync(`${root}/upper`);
    const upper = new DirLayer(hostFs(), `${root}/upper`, { writable: true, lock: false });
    try {
      upper.createFile("a", { mode: 0o644 });
      const f = upper.openWrite("a");
      expect(upper.stat("a")?.size).toBe(0);
      f.write(new Uint8Array(10), 0);
      expect(upper.stat("a")?.size).toBe(10);
      upper.rename("a", "b");
      expect(upper.stat("b")?.size).toBe(10);
      f.write(new Uint8Array(10), 10); // through the handle opened as "a"
      expect(upper.stat("b")?.size).toBe(20);
      upper.link("b", "c");
      upper.unlink("b");
      expect(upper.stat("c")?.size).toBe(20); // one link again: may be cached
      f.truncate(5);
      expect(upper.stat("c")?.size).toBe(5);
      f.setTimes!(1_000_000_000n, 2_000_000_000n);
      expect(upper.stat("c")?.mtimeNs).toBe(2_000_000_000n);
      f.close();
      upper.setattr("c", { mode: 0o600 });
      expect(upper.stat("c")?.mode).toBe(0o600);
    } finally {
      upper.close();
    }
  });
});
