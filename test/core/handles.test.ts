// Handle-level operations act on the open object, not on the path it was opened under.
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";

const T0 = 1_600_000_000_000_000_000n;
const T1 = 1_700_000_000_000_000_000n;

function mk(lower: MemorySpec) {
  return new Union(new Image([MemoryLayer.from(lower, { timeNs: T0 })]), new MemoryLayer());
}

describe("handle-level setTimes", () => {
  it("changes the open upper file after it is renamed and another file takes its old name", () => {
    const u = mk({ "d/": {} });
    u.writeFile("/d/a", "first");
    const f = u.open("/d/a", { write: true });
    u.rename("/d/a", "/d/b");
    u.writeFile("/d/a", "second");
    const otherBefore = u.stat("/d/a").mtimeNs;
    f.setTimes(T1, T1);
    expect(u.stat("/d/b").mtimeNs).toBe(T1);
    expect(u.stat("/d/b").atimeNs).toBe(T1);
    expect(f.stat().mtimeNs).toBe(T1);
    expect(u.stat("/d/a").mtimeNs).toBe(otherBefore);
    f.close();
  });

  it("changes a read-only handle's file after that file was copied up and renamed", () => {
    const u = mk({ "d/a": "lower" });
    const f = u.open("/d/a");
    u.rename("/d/a", "/d/b"); // copy-up: the handle follows the upper copy
    u.writeFile("/d/a", "new file at the old name");
    const otherBefore = u.stat("/d/a").mtimeNs;
    f.setTimes(undefined, T1);
    expect(u.stat("/d/b").mtimeNs).toBe(T1);
    expect(u.stat("/d/b").atimeNs).toBe(T0); // undefined leaves atime alone
    expect(u.stat("/d/a").mtimeNs).toBe(otherBefore);
    f.close();
  });

  it("copies up a lower file opened read-only, then follows its directory through a rename", () => {
    const u = mk({ "d/a": "lower" });
    const f = u.open("/d/a");
    u.rename("/d", "/e");
    u.mkdir("/d");
    u.writeFile("/d/a", "unrelated");
    const otherBefore = u.stat("/d/a").mtimeNs;
    f.setTimes(T1, T1);
    expect(u.stat("/e/a").mtimeNs).toBe(T1);
    expect(u.stat("/d/a").mtimeNs).toBe(otherBefore);
    expect(u.readFile("/e/a", "utf8")).toBe("lower");
    f.close();
  });

  it("leaves a new file at the old name alone when the open file was unlinked", () => {
    const u = mk({ "d/a": "lower" });
    const f = u.open("/d/a");
    u.unlink("/d/a");
    u.writeFile("/d/a", "replacement");
    const before = u.stat("/d/a").mtimeNs;
    f.setTimes(T1, T1);
    expect(u.stat("/d/a").mtimeNs).toBe(before);
    expect(u.readFile("/d/a", "utf8")).toBe("replacement");
    f.close();
  });

  it("changes (and stats) an open directory after it is renamed and another directory takes its old name", () => {
    const u = mk({ "p/d/x": "in d" });
    const h = u.open("/p/d", { directory: true });
    u.rename("/p", "/q"); // a parent rename moves the handle too
    u.mkdir("/p");
    u.mkdir("/p/d");
    const otherBefore = u.stat("/p/d").mtimeNs;
    h.setTimes(T1, T1);
    expect(u.stat("/q/d").mtimeNs).toBe(T1);
    expect(u.stat("/p/d").mtimeNs).toBe(otherBefore);
    expect(h.stat().ino).toBe(u.stat("/q/d").ino);
    expect((h as unknown as { path: string }).path).toBe("/q/d");
    h.close();
  });

  it("does not touch a directory that replaced a removed open directory", () => {
    const u = mk({ "d/": {} });
    const h = u.open("/d", { directory: true });
    const ino = h.stat().ino;
    u.rmdir("/d");
    u.mkdir("/d");
    const before = u.stat("/d").mtimeNs;
    h.setTimes(T1, T1);
    expect(u.stat("/d").mtimeNs).toBe(before);
    expect(h.stat().ino).toBe(ino);
    h.close();
  });
});
