// TarIndex.toBytes / fromBytes: a cached index gives the same layer as a fresh
// scan, and a corrupt or truncated cache file is refused with one clear Error
// (never another exception, a hang, or a layer that escapes). Portable.
import { describe, expect, it } from "vitest";
import { layerProblems } from "../../src/testing/mod.ts";
import { isFsError } from "../../src/core/errno.ts";
import type { Layer } from "../../src/core/layer.ts";
import { indexTar, MemorySource, TarIndex, TarLayer } from "../../src/mod.ts";
import { paxEntry, rawEntry, tar } from "./tar-builder.ts";
import { TAR_CORPUS } from "./tar-corpus.ts";
import { layerFileBytes, layerListing } from "../support/trees.ts";

function sample(): Uint8Array {
  return tar(
    rawEntry({ name: "etc/", type: "5", mode: 0o750, uid: 3 }),
    rawEntry({ name: "etc/passwd", data: "root:x:0:0\n" }),
    rawEntry({ name: "hard", type: "1", linkname: "etc/passwd" }),
    rawEntry({ name: "s", type: "2", linkname: "/etc/passwd" }),
    paxEntry({ path: "ünï/" + "x".repeat(150), atime: "1.5", ctime: "2.25", linkpath: "t\u00e4rget" }),
    rawEntry({ name: "x", type: "2" }),
    rawEntry({ name: "dev/null", type: "3" }),
    rawEntry({ name: "../up", data: "clamped" }),
    rawEntry({ name: "empty/", type: "5" }),
  );
}

function listing(layer: Layer): string[] {
  return layerListing(layer, (p, st) => {
    const extra = st.type === "symlink" ? layer.readlink(p)
      : st.type === "file" ? new TextDecoder().decode(layerFileBytes(layer, p, st.size)) : "";
    return JSON.stringify([p, st, extra], (_, v) => (typeof v === "bigint" ? String(v) : v));
  });
}

describe("TarIndex.toBytes / fromBytes", () => {
  it("round-trips: the same tree, ids, attributes, warnings", () => {
    const bytes = sample();
    const index = indexTar(new MemorySource(bytes));
    const saved = index.toBytes();
    const restored = TarIndex.fromBytes(saved, bytes.length);
    const a = TarLayer.fromBytes(bytes, { index });
    const b = TarLayer.fromBytes(bytes, { index: restored });
    expect(listing(b)).toEqual(listing(a));
    expect(restored.warnings).toEqual(index.warnings);
    expect(restored.warnings.length).toBe(1);
    expect(restored.entries).toBe(index.entries);
    expect(layerProblems(b)).toEqual([]);
    expect(b.stat("ünï/" + "x".repeat(150))).toMatchObject({ atimeNs: 1_500_000_000n, ctimeNs: 2_250_000_000n });
  });

  it("round-trips every contained case of the hostile corpus", () => {
    for (const c of TAR_CORPUS.filter((c) => c.check && !c.noCheckLayer)) {
      const bytes = c.bytes();
      const index = indexTar(new MemorySource(bytes));
      const again = TarLayer.fromBytes(bytes, { index: TarIndex.fromBytes(index.toBytes()) });
      expect(listing(again), c.name).toEqual(listing(TarLayer.fromBytes(bytes, { index })));
    }
  });

  it("refuses an index built for another tar size", () => {
    const bytes = sample();
    const saved = indexTar(new MemorySource(bytes)).toBytes();
    expect(() => TarIndex.fromBytes(saved, bytes.length + 512)).toThrow(/corrupt tar index: built for a \d+-byte tar, this one has \d+ bytes/);
    const index = TarIndex.fromBytes(saved);
    expect(() => TarLayer.fromBytes(bytes.subarray(0, 1024), { index, name: "other.tar" })).toThrow(/other.tar: the index given was built for a \d+-byte tar, this source has 1024 bytes/);
  });

  it("every truncation and many corruptions give a clear Error or a harmless index", () => {
    const bytes = sample();
    const saved = indexTar(new MemorySource(bytes)).toBytes();
    const tryOne = (b: Uint8Array): void => {
      let index: TarIndex;
      try {
        index = TarIndex.fromBytes(b);
      } catch (e) {
        expect(String(e)).toMatch(/^Error: corrupt tar index: /);
        return;
      }
      // Accepted: walking it is safe (only FsErrors), nothing escapes the tar bytes.
      const layer = TarLayer.fromBytes(bytes, { index });
      try {
        listing(layer);
      } catch (e) {
        expect(isFsError(e), String(e)).toBe(true);
      }
    };
    for (let n = 0; n < saved.length; n += 7) tryOne(saved.subarray(0, n));
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 400; i++) {
      const b = saved.slice();
      for (let k = 0; k < 1 + (i % 4); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      tryOne(b);
    }
    expect(() => TarIndex.fromBytes(new Uint8Array(3))).toThrow(/corrupt tar index: truncated/);
    expect(() => TarIndex.fromBytes(new TextEncoder().encode("not an index at all"))).toThrow(/not a layerfs tar index/);
  });
});
