// Handles over a host upper: handle-level setTimes acts on the open descriptor's file, not on
// its old path; a read-only handle on a relocated hard link follows its copy-up (rule 9).
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { cleanup, hostFs, makeTree, tempDir } from "./helpers.ts";

const T1 = 1_700_000_000_000_000_000n;

describe("handle-level setTimes over DirLayers", () => {
  it("sets the times of the open file after a rename, not of the new file at its old name", () => {
    const b = tempDir();
    try {
      makeTree(`${b}/lower`, { "d/a": "lower" });
      makeTree(`${b}/upper`, {});
      const u = new Union(new Image([new DirLayer(hostFs(), `${b}/lower`)]), new DirLayer(hostFs(), `${b}/upper`, { writable: true }));
      const w = u.open("/d/new", { write: true, create: true });
      const r = u.open("/d/a");
      u.rename("/d/new", "/d/new2");
      u.rename("/d/a", "/d/b");
      u.writeFile("/d/new", "x");
      u.writeFile("/d/a", "y");
      const before = [u.stat("/d/new").mtimeNs, u.stat("/d/a").mtimeNs];
      w.setTimes(T1, T1);
      r.setTimes(undefined, T1);
      expect(u.stat("/d/new2").mtimeNs).toBe(T1);
      expect(u.stat("/d/new2").atimeNs).toBe(T1);
      expect(u.stat("/d/b").mtimeNs).toBe(T1);
      expect([u.stat("/d/new").mtimeNs, u.stat("/d/a").mtimeNs]).toEqual(before);
      w.close();
      r.close();
    } finally {
      cleanup(b);
    }
  });
});

describe("read-only handles on a host upper", () => {
  it("a handle on a relocated lower hard link the upper has statted follows its copy-up (no shortcut open)", () => {
    const b = tempDir();
    try {
      makeTree(`${b}/upper`, {});
      const lower = MemoryLayer.from({ "d/a": "old", "d/b": { link: "d/a" } });
      const u = new Union(new Image([lower]), new DirLayer(hostFs(), `${b}/upper`, { writable: true }));
      u.rename("/d", "/e"); // the pair is relocated into the upper, still sharing the lower's number
      expect(u.stat("/e/a").size).toBe(3); // the upper now knows /e/a is a regular file
      const r = u.open("/e/a");
      u.writeFile("/e/a", "new"); // the name gets its own object; the handle follows it
      const buf = new Uint8Array(8);
      expect(new TextDecoder().decode(buf.subarray(0, r.read(buf, 0)))).toBe("new");
      expect(u.readFile("/e/b", "utf8")).toBe("old");
      r.close();
    } finally {
      cleanup(b);
    }
  });
});
