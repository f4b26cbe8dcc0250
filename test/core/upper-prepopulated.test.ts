// An upper layer that already holds changes (the aufs demo: `aaa/` written by an
// earlier run over `bbb/`): its whiteouts and opaque markers are honoured and
// new changes go on top of them.
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { diffTrees, ociApply, rawLayer, snapshotUnion } from "./tree.ts";

function setup() {
  const lower = MemoryLayer.from({ file1: "b1", file2: "b2", file3: "b3", "d/x": "old", "d/y": "old", "m/k": "k" }, { timeNs: 5n });
  const upper = MemoryLayer.from({ file1: "a1", ".wh.file3": "", "d/.wh..wh..opq": "", "d/x": "new", "m/": {}, "m/.wh.k": "" }, { timeNs: 9n });
  return { lower, upper, u: new Union(new Image([lower]), upper) };
}

describe("a pre-populated upper layer", () => {
  it("shows its changes over the lower layers", () => {
    const { u } = setup();
    expect(u.readdir("/")).toEqual(["d", "file1", "file2", "m"]);
    expect(u.readFile("/file1", "utf8")).toBe("a1");
    expect(u.readdir("/d")).toEqual(["x"]);
    expect(u.readdir("/m")).toEqual([]);
  });

  it("lists its changes", () => {
    const { u } = setup();
    expect(u.changes()).toEqual([
      { kind: "C", path: "/d" },
      { kind: "C", path: "/d/x" },
      { kind: "D", path: "/d/y" },
      { kind: "C", path: "/file1" },
      { kind: "D", path: "/file3" },
      { kind: "C", path: "/m" },
      { kind: "D", path: "/m/k" },
    ]);
  });

  it("takes further changes consistently, and merged directories keep their lower inode number", () => {
    const { lower, upper, u } = setup();
    const ino = u.stat("/m").ino;
    expect(ino).toBeGreaterThanOrEqual(2 ** 32);
    u.writeFile("/file3", "again");
    u.rmdir("/m");
    u.rename("/d", "/e");
    u.unlink("/file2");
    expect(rawLayer(upper)).toEqual([".wh.d", ".wh.file2", ".wh.m", "e/", "e/.wh..wh..opq", "e/x", "file1", "file3"]);
    expect(diffTrees(snapshotUnion(u), ociApply([lower, upper]))).toEqual([]);
  });
});
