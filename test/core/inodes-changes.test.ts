// Inode stability (SEMANTICS rule 16) and changes() (docker diff).
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { rawLayer } from "./tree.ts";

function mk(...specs: MemorySpec[]): Union {
  return new Union(new Image(specs.map((s) => MemoryLayer.from(s, { timeNs: 1000n }))), new MemoryLayer());
}

describe("inode numbers are stable", () => {
  it("through copy-up of files, symlinks and directories", () => {
    const u = mk({ "d/f": "1", "d/l": { symlink: "f" } });
    const before = ["/d", "/d/f", "/d/l"].map((p) => u.lstat(p).ino);
    u.chmod("/d", 0o700);
    u.writeFile("/d/f", "2");
    u.lutimes("/d/l", 1, 1);
    expect(["/d", "/d/f", "/d/l"].map((p) => u.lstat(p).ino)).toEqual(before);
  });

  it("through a deep directory rename, for every object in the tree", () => {
    const u = mk({ "a/b/c/f": "1", "a/g": "2" }, { "a/b/h": "3" });
    const paths = ["", "/b", "/b/c", "/b/c/f", "/g", "/b/h"];
    const before = paths.map((p) => u.lstat("/a" + p).ino);
    u.rename("/a", "/z");
    expect(paths.map((p) => u.lstat("/z" + p).ino)).toEqual(before);
    u.rename("/z", "/y");
    expect(paths.map((p) => u.lstat("/y" + p).ino)).toEqual(before);
  });

  it("lower hard-link aliases moved by a deep rename share their number until one is changed (kernel)", () => {
    const u = mk({ "d/a": "1", "d/b": { link: "d/a" } });
    const ino = u.stat("/d/a").ino;
    u.rename("/d", "/e");
    expect([u.stat("/e/a").ino, u.stat("/e/b").ino]).toEqual([ino, ino]);
    u.rename("/e", "/f");
    expect(u.stat("/f/b").ino).toBe(ino);
    u.writeFile("/f/a", "2");
    expect(u.readFile("/f/b", "utf8")).toBe("1");
    expect(u.stat("/f/b").ino).toBe(ino);
    expect(u.stat("/f/a").ino).not.toBe(ino);
  });

  it("aliases moved by separate deep renames stay one upper file until one is changed", () => {
    const upper = new MemoryLayer();
    const u = new Union(new Image([MemoryLayer.from({ "d/f": "x", "d/g": { link: "d/f" }, "e/h": { link: "d/f" } })]), upper);
    u.rename("/d", "/d2");
    u.rename("/e", "/e2");
    expect(new Set(["d2/f", "d2/g", "e2/h"].map((p) => upper.stat(p)!.id)).size).toBe(1);
    expect(upper.stat("e2/h")!.nlink).toBe(3);
    expect(upper.contentUsage("e2/h").bytes).toBe(0);
    const r = u.open("/e2/h");
    u.chmod("/e2/h", 0o600);
    u.writeFile("/e2/h", "changed");
    const b = new Uint8Array(16);
    expect(new TextDecoder().decode(b.subarray(0, r.read(b, 0)))).toBe("changed");
    expect(u.readFile("/d2/f", "utf8")).toBe("x");
    expect(u.stat("/d2/f").mode).toBe(0o644);
    expect(upper.stat("d2/f")!.nlink).toBe(2);
    expect(u.stat("/e2/h").ino).not.toBe(u.stat("/d2/f").ino);
    expect(u.stat("/d2/g").ino).toBe(u.stat("/d2/f").ino);
    expect(rawLayer(upper)).not.toContain("e2/.wh..wh.layerfs.copy");
  });

  it("open handles report the same number as stat, before and after copy-up", () => {
    const u = mk({ f: "1" });
    const ino = u.stat("/f").ino;
    const r = u.open("/f");
    expect(r.stat().ino).toBe(ino);
    const w = u.open("/f", { write: true });
    expect(w.stat().ino).toBe(ino);
    expect(r.stat().ino).toBe(ino);
    expect(u.open("/").stat().ino).toBe(u.stat("/").ino);
  });

  it("are never reused between live objects", () => {
    const u = mk({ a: "1", "d/x": "1" });
    u.writeFile("/n1", "");
    u.mkdir("/n2");
    u.symlink("a", "/n3");
    u.unlink("/a");
    u.writeFile("/a", "new");
    const all = ["/", "/a", "/d", "/d/x", "/n1", "/n2", "/n3"].map((p) => u.lstat(p).ino);
    expect(new Set(all).size).toBe(all.length);
  });

  it("the device number is one constant", () => {
    const u = mk({ a: "1" }, { b: "2" });
    u.writeFile("/c", "3");
    expect(new Set(["/", "/a", "/b", "/c"].map((p) => u.stat(p).dev)).size).toBe(1);
  });
});

describe("changes() lists what the upper changed, docker diff style", () => {
  it("is empty for a fresh union and after read-only work", () => {
    const u = mk({ "d/f": "1" });
    u.readFile("/d/f");
    u.readdir("/d");
    expect(u.changes()).toEqual([]);
  });

  it("reports added, changed and deleted paths sorted by path", () => {
    const u = mk({ "etc/hostname": "box", "etc/passwd": "root", "var/log/x": "1" });
    u.writeFile("/etc/motd", "hi");
    u.writeFile("/etc/hostname", "other");
    u.unlink("/etc/passwd");
    expect(u.changes()).toEqual([
      { kind: "C", path: "/etc" },
      { kind: "C", path: "/etc/hostname" },
      { kind: "A", path: "/etc/motd" },
      { kind: "D", path: "/etc/passwd" },
    ]);
  });

  it("a deleted directory shows as one D; an added directory's children appear as A", () => {
    const u = mk({ "old/a/b": "1", "old/c": "2" });
    u.unlink("/old/a/b");
    u.rmdir("/old/a");
    u.unlink("/old/c");
    u.rmdir("/old");
    u.mkdir("/new");
    u.mkdir("/new/sub");
    u.writeFile("/new/sub/f", "x");
    expect(u.changes()).toEqual([
      { kind: "A", path: "/new" },
      { kind: "A", path: "/new/sub" },
      { kind: "A", path: "/new/sub/f" },
      { kind: "D", path: "/old" },
    ]);
  });

  it("a deep rename is a D of the old name and A of the whole new tree", () => {
    const u = mk({ "src/a": "1", "src/d/b": "2" });
    u.rename("/src", "/dst");
    expect(u.changes()).toEqual([
      { kind: "A", path: "/dst" },
      { kind: "A", path: "/dst/a" },
      { kind: "A", path: "/dst/d" },
      { kind: "A", path: "/dst/d/b" },
      { kind: "D", path: "/src" },
    ]);
  });

  it("a chmod of a lower file is a C of the file only (its copied-up parent is unchanged)", () => {
    const u = mk({ "d/f": "1" });
    u.chmod("/d/f", 0o600);
    expect(u.changes()).toEqual([{ kind: "C", path: "/d/f" }]);
  });

  it("lower names hidden by an opaque directory are listed as deleted", () => {
    const u = mk({ "d/a": "1", "d/b": "2" });
    u.unlink("/d/a");
    u.unlink("/d/b");
    u.rmdir("/d");
    u.mkdir("/d");
    u.writeFile("/d/a", "new");
    expect(u.changes()).toEqual([
      { kind: "C", path: "/d" },
      { kind: "C", path: "/d/a" },
      { kind: "D", path: "/d/b" },
    ]);
  });
});
