// Handle-level setTimes over DirLayers: acts on the open descriptor's file, not on its old path.
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
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
