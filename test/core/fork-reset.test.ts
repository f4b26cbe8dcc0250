// Union.fork() and Union.reset(): isolation of parent and children, nested forks,
// inode numbers across both, the frozen layer as a normal lower (changes, commit,
// export, checkLayer), descriptors open across a fork (mid-write) and a reset.
// Random fork/reset steps also run in model.test.ts. Portable (no node:* imports).
import { describe, expect, it } from "vitest";
import { checkLayer } from "../../src/testing/check-layer.ts";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import type { Stat } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { TarLayer } from "../../src/layers/tar/layer.ts";
import { commit, exportTar } from "../../src/oci/commit-layer.ts";
import { thrownErrno } from "../support/index.ts";
import { diffTrees, snapshotUnion } from "./tree.ts";

const enc = new TextEncoder();

function base(): Image {
  return new Image([MemoryLayer.from({ "etc/hostname": "box\n", "etc/motd": "hi\n", "bin/sh": "#!sh\n", "data/big": "x".repeat(100_000) }, { timeNs: 1000n })]);
}

function sandbox(): Union {
  return new Union(base(), new MemoryLayer());
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Every visible path with its inode number. */
function inodes(u: Union): Map<string, number> {
  const out = new Map<string, number>([["/", u.stat("/").ino]]);
  for (const p of snapshotUnion(u).keys()) out.set(p, u.lstat(p).ino);
  return out;
}

/** `layer` without one of its optional methods (an upper kind that cannot do it, like a host directory). */
function without(layer: MemoryLayer, method: "successor" | "freezeAsLayer"): MemoryLayer {
  Object.defineProperty(layer, method, { value: undefined });
  return layer;
}


function write(f: { write(d: Uint8Array, p: number): number }, text: string, at: number): void {
  expect(f.write(enc.encode(text), at)).toBe(text.length);
}

describe("Union.fork", () => {
  it("freezes the upper: the child sees the snapshot, parent and child change independently", () => {
    const u = sandbox();
    u.writeFile("/etc/motd", "parent\n");
    u.unlink("/bin/sh");
    u.mkdir("/work");
    const before = snapshotUnion(u);
    const child = u.fork();
    expect(diffTrees(snapshotUnion(child), before)).toEqual([]);
    expect(diffTrees(snapshotUnion(u), before)).toEqual([]);
    expect(u.upper).not.toBe(child.upper);
    expect(u.image).toBe(child.image);
    expect(u.image.layers.length).toBe(2);

    child.writeFile("/etc/motd", "child\n");
    child.writeFile("/work/c", "c");
    u.rmdir("/work");
    u.writeFile("/bin/sh", "new sh\n");
    expect(u.readFile("/etc/motd", "utf8")).toBe("parent\n");
    expect(u.exists("/work")).toBe(false);
    expect(child.readFile("/etc/motd", "utf8")).toBe("child\n");
    expect(child.readFile("/work/c", "utf8")).toBe("c");
    expect(child.exists("/bin/sh")).toBe(false);
    expect(thrownErrno(() => u.image.layers[1]!.readdir(""))).toBe("no error"); // still readable
  });

  it("many children of one snapshot stay apart; nested forks stack", () => {
    const u = sandbox();
    u.writeFile("/shared", "0");
    const kids = Array.from({ length: 50 }, () => u.fork());
    kids.forEach((k, i) => k.writeFile("/shared", String(i)));
    kids.forEach((k, i) => expect(k.readFile("/shared", "utf8")).toBe(String(i)));
    expect(u.readFile("/shared", "utf8")).toBe("0");
    // 50 forks of the parent: each froze its upper (empty after the first); the stack grew by one each time.
    expect(u.image.layers.length).toBe(51);

    const a = sandbox();
    a.writeFile("/level", "a");
    const b = a.fork();
    b.writeFile("/level", "b");
    b.writeFile("/b-only", "b");
    const c = b.fork();
    c.writeFile("/level", "c");
    expect([a, b, c].map((x) => x.readFile("/level", "utf8"))).toEqual(["a", "b", "c"]);
    expect(a.exists("/b-only")).toBe(false);
    expect(c.readFile("/b-only", "utf8")).toBe("b");
    expect(c.image.layers.length).toBe(3);
  });

  it("is O(1): no walk of the upper (a frozen 10,000-file upper is not read)", () => {
    const u = sandbox();
    for (let i = 0; i < 10_000; i++) u.writeFile(`/f${i}`, "x");
    const upper = u.upper as MemoryLayer;
    let reads = 0;
    for (const m of ["stat", "readdir", "open", "readlink"] as const) {
      const orig = upper[m].bind(upper) as (...a: unknown[]) => unknown;
      (upper as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
        reads++;
        return orig(...a);
      };
    }
    u.fork();
    expect(reads).toBeLessThanOrEqual(1); // nothing per file (a stat of the root at most)
  });

  it("keeps every inode number, on both sides, also for a pre-populated upper and deep renames", () => {
    const lower = MemoryLayer.from({ "d/sub/f": "f", "d/g": "g", "h/a": "linked", "keep": "k" }, { timeNs: 1n });
    // A pre-populated upper: its d/ merges the lower d/ (and so shows the lower number) without any copy-up record.
    const upper = MemoryLayer.from({ "d/new": "n", "d/sub/x": "x" }, { timeNs: 1n });
    const u = new Union(new Image([lower]), upper);
    u.writeFile("/keep", "changed"); // a copy-up keeps the lower number
    u.link("/keep", "/keep2");
    u.rename("/d/sub", "/moved"); // a deep rename: copied up, opaque
    const before = inodes(u);
    const child = u.fork();
    expect(inodes(u)).toEqual(before);
    expect(inodes(child)).toEqual(before);
    expect(u.stat("/d").ino).toBe(before.get("/d"));
    // Numbers stay unique: new objects on either side never take an existing number.
    u.writeFile("/p-new", "p");
    child.writeFile("/c-new", "c");
    const all = [...inodes(u).values()];
    expect(new Set(all).size).toBe(all.length - 1); // /keep and /keep2 are one object
    const call = [...inodes(child).values()];
    expect(new Set(call).size).toBe(call.length - 1);
    // A second fork (the first frozen layer is now under another one) changes nothing either.
    const again = inodes(u);
    u.fork();
    expect(inodes(u)).toEqual(again);
  });

  it("hard links relocated by a deep rename keep sharing their number across a fork", () => {
    const lower = MemoryLayer.from({ "d/x": "one" }, { timeNs: 1n });
    lower.link("d/x", "d/y");
    const u = new Union(new Image([lower]), new MemoryLayer());
    const ino = u.stat("/d/x").ino;
    u.rename("/d", "/e");
    expect([u.stat("/e/x").ino, u.stat("/e/y").ino]).toEqual([ino, ino]);
    const child = u.fork();
    for (const side of [u, child]) {
      expect([side.stat("/e/x").ino, side.stat("/e/y").ino]).toEqual([ino, ino]);
      expect(side.readFile("/e/y", "utf8")).toBe("one");
    }
    // Moving them again after the fork, and changing one name: the other keeps the data and the number.
    child.rename("/e", "/f");
    expect([child.stat("/f/x").ino, child.stat("/f/y").ino]).toEqual([ino, ino]);
    child.writeFile("/f/x", "two");
    expect(child.readFile("/f/y", "utf8")).toBe("one");
    expect(child.stat("/f/y").ino).toBe(ino);
    expect(child.stat("/f/x").ino).not.toBe(ino);
    expect(u.readFile("/e/x", "utf8")).toBe("one");
  });

  it("changes() is relative to the snapshot; the frozen layer commits and exports like any lower", async () => {
    const u = sandbox();
    u.writeFile("/etc/motd", "v2\n");
    u.unlink("/etc/hostname");
    u.writeFile("/new", "new");
    const child = u.fork();
    expect(child.changes()).toEqual([]);
    child.unlink("/new");
    child.writeFile("/etc/motd", "v3\n");
    child.mkdir("/tmp");
    expect(child.changes()).toEqual([{ kind: "C", path: "/etc/motd" }, { kind: "D", path: "/new" }, { kind: "A", path: "/tmp" }]);

    // commit: the child's layer applied over the forked image gives the child's view.
    const committed = await commit(child);
    const rebuilt = new Union(new Image([...child.image.layers, TarLayer.fromBytes(committed.bytes)]), new MemoryLayer());
    expect(diffTrees(snapshotUnion(rebuilt), snapshotUnion(child))).toEqual([]);
    // The frozen layer itself commits as the changes it holds over the base image.
    const frozen = child.image.layers[1]!;
    const asUpper = new Union(new Image([child.image.layers[0]!]), frozen as MemoryLayer);
    expect(asUpper.changes()).toEqual([
      { kind: "C", path: "/etc" }, { kind: "D", path: "/etc/hostname" }, { kind: "C", path: "/etc/motd" }, { kind: "A", path: "/new" },
    ]);
    const snap = await commit(asUpper);
    const snapView = new Union(new Image([child.image.layers[0]!, TarLayer.fromBytes(snap.bytes)]), new MemoryLayer());
    expect(snapView.readFile("/etc/motd", "utf8")).toBe("v2\n");
    expect(snapView.exists("/etc/hostname")).toBe(false);
    // export: the flattened view of the forked union, as one tar.
    const flat = new Union(new Image([TarLayer.fromBytes(await bytesOf(exportTar(child)))]), new MemoryLayer());
    expect(diffTrees(snapshotUnion(flat), snapshotUnion(child))).toEqual([]);
  });

  it("the frozen layer passes checkLayer and refuses changes (EROFS)", () => {
    const u = sandbox();
    u.writeFile("/etc/motd", "v2\n");
    u.symlink("motd", "/etc/link");
    u.mkdir("/dir");
    u.writeFile("/dir/f", "f");
    u.unlink("/bin/sh");
    u.fork();
    const frozen = u.image.layers[1] as MemoryLayer;
    checkLayer(frozen, { writable: false, expected: ["etc/", "etc/motd", "etc/link", "dir/", "dir/f", "bin/.wh.sh"] });
    expect(thrownErrno(() => frozen.mkdir("x", { mode: 0o755 }))).toBe(Errno.ROFS);
  });

  it("a descriptor open for writing across a fork keeps writing the parent's file; the child keeps the snapshot", () => {
    const u = sandbox();
    const w = u.open("/log", { write: true, create: true });
    write(w, "before;", 0);
    const lw = u.open("/data/big", { write: true }); // a lower file, copied up by opening it
    write(lw, "AB", 0);
    const r = u.open("/log"); // a reader of the same file
    const ino = w.stat().ino;
    const child = u.fork();
    write(w, "after;", 7);
    write(lw, "CD", 2);
    expect(u.readFile("/log", "utf8")).toBe("before;after;");
    expect(child.readFile("/log", "utf8")).toBe("before;");
    expect(u.readFile("/data/big", "utf8").slice(0, 5)).toBe("ABCDx");
    expect(child.readFile("/data/big", "utf8").slice(0, 5)).toBe("ABxxx");
    // The reader sees what the parent writes, through the descriptor and by path (rule 9 as before the fork).
    const buf = new Uint8Array(64);
    expect(new TextDecoder().decode(buf.subarray(0, r.read(buf, 0)))).toBe("before;after;");
    u.appendFile("/log", "path;");
    expect(new TextDecoder().decode(buf.subarray(0, r.read(buf, 0)))).toBe("before;after;path;");
    expect([w.stat().ino, r.stat().ino, u.stat("/log").ino, child.stat("/log").ino]).toEqual([ino, ino, ino, ino]);
    // A second fork with the descriptors still open: same again, and the first child never changes.
    const second = u.fork();
    write(w, "third;", 18);
    expect(u.readFile("/log", "utf8")).toBe("before;after;path;third;");
    expect(second.readFile("/log", "utf8")).toBe("before;after;path;");
    expect(child.readFile("/log", "utf8")).toBe("before;");
    // Renamed while open, then forked: the descriptor follows the name it now has.
    u.rename("/log", "/log.1");
    u.fork();
    write(w, "renamed;", 0);
    expect(u.readFile("/log.1", "utf8").startsWith("renamed;")).toBe(true);
    for (const f of [w, lw, r]) f.close();
  });

  it("a descriptor whose file was unlinked keeps a private copy across a fork", () => {
    const u = sandbox();
    const w = u.open("/tmpfile", { write: true, create: true });
    write(w, "secret", 0);
    u.unlink("/tmpfile");
    const child = u.fork();
    write(w, "!", 6);
    const buf = new Uint8Array(16);
    expect(new TextDecoder().decode(buf.subarray(0, w.read(buf, 0)))).toBe("secret!");
    expect(u.exists("/tmpfile")).toBe(false);
    expect(child.exists("/tmpfile")).toBe(false);
    w.close();
  });

  it("descriptors on several unlinked files keep their own content and inode numbers through repeated forks", () => {
    // The model test's counterexample: the private copies made at the first fork
    // once shared an id, so the second fork gave every handle the same copy.
    const u = sandbox();
    u.writeFile("/x", "X");
    u.writeFile("/y", "Y");
    const rx = u.open("/x");
    const ry = u.open("/y");
    const w = u.open("/w", { write: true, create: true });
    write(w, "W", 0);
    for (const p of ["/x", "/y", "/w"]) u.unlink(p);
    const handles = [rx, ry, w];
    const inos = handles.map((f) => f.stat().ino);
    expect(new Set(inos).size).toBe(3);
    const taken = new Set([...inodes(u).values(), ...inos]);
    const buf = new Uint8Array(16);
    const text = (f: (typeof handles)[number]): string => new TextDecoder().decode(buf.subarray(0, f.read(buf, 0)));
    for (let round = 0; round < 3; round++) {
      u.fork();
      expect(handles.map(text)).toEqual(["X", "Y", "W"]);
      expect(handles.map((f) => f.stat().ino)).toEqual(inos);
      // New objects never take the number of an open, unlinked one.
      u.writeFile(`/new${round}`, "n");
      const ino = u.stat(`/new${round}`).ino;
      expect(taken.has(ino)).toBe(false);
      taken.add(ino);
    }
    write(w, "!", 1);
    expect(text(w)).toBe("W!");
    expect(handles.map(text).slice(0, 2)).toEqual(["X", "Y"]);
    for (const f of handles) f.close();
  });

  it("a descriptor whose name was replaced while a hard link kept its file follows that link across a fork", () => {
    const u = sandbox();
    u.writeFile("/a", "");
    const r = u.open("/a");
    const w = u.open("/a", { write: true });
    const ino = r.stat().ino;
    u.link("/a", "/d");
    u.symlink("a", "/c");
    u.rename("/c", "/a"); // /a is now a symlink; the object's only name is /d
    u.fork();
    u.truncate("/d", 1); // as without the fork: both descriptors see the change through /d
    const buf = new Uint8Array(8);
    expect([...buf.subarray(0, r.read(buf, 0))]).toEqual([0]);
    write(w, "w", 0);
    expect(u.readFile("/d", "utf8")).toBe("w");
    expect([...buf.subarray(0, r.read(buf, 0))]).toEqual([0x77]);
    expect([r.stat().ino, w.stat().ino, u.stat("/d").ino]).toEqual([ino, ino, ino]);
    r.close();
    w.close();
  });

  it("keeps the options (quota included) and refuses an upper that cannot be frozen", () => {
    const u = new Union(base(), new MemoryLayer(), { renameDir: "exdev", quota: { inodes: 3 } });
    u.writeFile("/a", "a");
    const child = u.fork();
    expect(child.options).toEqual(u.options);
    expect(child.usage()).toEqual({ bytes: 0, inodes: 0 });
    expect(thrownErrno(() => new Union(base(), without(new MemoryLayer(), "freezeAsLayer")).fork())).toBe(Errno.NOTSUP);
  });
});

describe("Union.reset", () => {
  it("discards every change in O(1); usage starts again at 0", () => {
    const u = new Union(base(), new MemoryLayer(), { quota: { bytes: 1 << 20 } });
    u.writeFile("/etc/motd", "changed");
    u.unlink("/bin/sh");
    u.mkdir("/x");
    expect(u.usage().inodes).toBeGreaterThan(0);
    u.reset();
    expect(u.changes()).toEqual([]);
    expect(u.usage()).toEqual({ bytes: 0, inodes: 0 });
    expect(u.readFile("/etc/motd", "utf8")).toBe("hi\n");
    expect(u.exists("/bin/sh")).toBe(true);
    expect(u.exists("/x")).toBe(false);
    // After a fork, reset goes back to the snapshot, not to the base image.
    u.writeFile("/snap", "s");
    u.fork();
    u.writeFile("/snap", "later");
    u.reset();
    expect(u.readFile("/snap", "utf8")).toBe("s");
  });

  it("open descriptors keep their objects and inode numbers; numbers are never reused", () => {
    const u = sandbox();
    const w = u.open("/etc/motd", { write: true }); // copied up: keeps the lower number
    const created = u.open("/made", { write: true, create: true });
    const d = u.open("/etc");
    const r = u.open("/etc/hostname"); // a lower file
    const seen: Stat[] = [w.stat(), created.stat(), d.stat(), r.stat()];
    write(w, "HI", 0);
    u.reset();
    expect(u.readFile("/etc/motd", "utf8")).toBe("hi\n");
    expect(u.exists("/made")).toBe(false);
    // Each descriptor still works on the object it had, with the same number.
    write(w, "!", 2);
    write(created, "gone", 0);
    const buf = new Uint8Array(16);
    expect(new TextDecoder().decode(buf.subarray(0, w.read(buf, 0)))).toBe("HI!");
    expect([w.stat().ino, created.stat().ino, d.stat().ino, r.stat().ino]).toEqual(seen.map((s) => s.ino));
    // Nothing written through them shows up in the union, and new objects get fresh numbers.
    u.writeFile("/etc/hostname", "new\n"); // a copy-up after the reset: the old reader keeps the image's data
    expect(new TextDecoder().decode(buf.subarray(0, r.read(buf, 0)))).toBe("box\n");
    u.writeFile("/fresh", "f");
    expect(u.stat("/fresh").ino).not.toBe(created.stat().ino);
    expect(u.stat("/etc/motd").ino).toBe(seen[0]!.ino); // the lower object's own number
    for (const f of [w, created, d, r]) f.close();
  });

  it("refuses an upper without a successor (ENOTSUP) and changes nothing", () => {
    const u = new Union(base(), without(new MemoryLayer(), "successor"));
    u.writeFile("/kept", "k");
    expect(thrownErrno(() => u.reset())).toBe(Errno.NOTSUP);
    expect(thrownErrno(() => u.fork())).toBe(Errno.NOTSUP);
    expect(u.readFile("/kept", "utf8")).toBe("k");
  });
});
