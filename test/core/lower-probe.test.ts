// The lower view answers a name in a directory not indexed yet by probing its layers
// (core/lower-index.ts LowerDir.get); a listing, or enough distinct names, builds the
// merged index instead. Both must give the same entry for every path: random stacks
// (whiteouts beside same-layer entries, opaque directories, files, directories and
// symlinks changing type between layers) are looked up through one image that probes
// and one whose every directory was indexed first.
// Runs: LAYERFS_PROBE_RUNS (default 300).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import type { LowerEntry } from "../../src/core/lower-index.ts";
import { PROBES_BEFORE_INDEX } from "../../src/core/lower-index.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { draws } from "../support/draw.ts";
import { env } from "../support/index.ts";
import { foundEntry, probePaths, randLayer } from "./random-layer.ts";
import { diffTrees, ociApply, snapshotUnion } from "./tree.ts";

const RUNS = Number(env("LAYERFS_PROBE_RUNS") ?? 300);
const T = 1_700_000_000_000_000_000n;

const PATHS = probePaths();

/** Build the merged index of every lower directory, top-down, before any lookup. */
function indexAll(image: Image): void {
  const visit = (e: LowerEntry, path: string): void => {
    if (e.dirLayers === undefined) return;
    for (const [name, child] of image.dir(e, path).entries) visit(child, path === "" ? name : `${path}/${name}`);
  };
  const root = image.rootEntry();
  if (root !== undefined) visit(root, "");
}

const imageOf = (specs: readonly MemorySpec[]) => new Image(specs.map((s) => MemoryLayer.from(s, { timeNs: T })));

describe("lower view: probing a name agrees with the merged index", () => {
  it("random stacks: every path looked up by probing gives the indexed entry, and the later listing agrees", () => {
    fc.assert(fc.property(draws, fc.integer({ min: 1, max: 6 }), (draw, depth) => {
      const specs = Array.from({ length: depth }, () => randLayer(draw));
      const probed = imageOf(specs);
      const indexed = imageOf(specs);
      indexAll(indexed);
      const seen = new Map<string, LowerEntry | undefined>();
      for (const p of PATHS) {
        const e = probed.lookup(p);
        seen.set(p, e);
        expect(foundEntry(e), p).toEqual(foundEntry(indexed.lookup(p)));
      }
      // Few names per directory: nothing was listed, every answer came from probes.
      const root = probed.rootEntry()!;
      expect(probed.dir(root, "").indexed).toBe(false);
      // The union's listing over the probed image now builds the indexes: same tree as the
      // independent OCI applier, and the entries handed out by probes are the ones listed.
      const diff = diffTrees(snapshotUnion(new Union(probed, new MemoryLayer())), ociApply(probed.layers));
      expect(diff, diff.join("\n")).toEqual([]);
      expect(probed.dir(root, "").indexed).toBe(true);
      for (const [p, e] of seen) expect(probed.lookup(p), p).toBe(e);
    }), { numRuns: RUNS });
  });

  it(`a directory probed for more than ${PROBES_BEFORE_INDEX} distinct names builds its index, with the same answers`, () => {
    // Three layers over 40 names: files, whiteouts, a type change (dir over file, file over dir), an opaque middle.
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const bottom: MemorySpec = {};
    const middle: MemorySpec = { "d/.wh..wh..opq": "" };
    const top: MemorySpec = {};
    names.forEach((n, i) => {
      bottom[`d/${n}`] = i % 2 === 0 ? "bottom" : { dir: true };
      if (i % 3 === 0) middle[`d/${n}`] = i % 2 === 0 ? { dir: true } : "middle";
      if (i % 5 === 0) top[`d/.wh.${n}`] = "";
      if (i % 7 === 0) top[`d/${n}`] = { symlink: "x" };
      if (i % 11 === 0) top[`d/${n}`] = { dir: true };
    });
    const specs = [bottom, middle, top];
    const probed = imageOf(specs);
    const indexed = imageOf(specs);
    indexAll(indexed);
    const d = probed.lookup("d")!;
    const order = [...names, "missing", ".wh.n0"].sort((a, b) => (a.length * 7 + a.charCodeAt(a.length - 1)) % 13 - (b.length * 7 + b.charCodeAt(b.length - 1)) % 13);
    order.forEach((n, i) => {
      expect(foundEntry(probed.lookup(`d/${n}`)), n).toEqual(foundEntry(indexed.lookup(`d/${n}`)));
      // Reserved names are no probes; the index comes once the distinct names run out.
      expect(probed.dir(d, "d").indexed, `after ${i + 1}`).toBe(i + 1 > PROBES_BEFORE_INDEX);
    });
    expect(new Union(probed, new MemoryLayer()).readdir("/d")).toEqual(new Union(indexed, new MemoryLayer()).readdir("/d"));
  });

  it("a probe asks each layer only for the name, its whiteout and (once per directory) the opaque marker", () => {
    const asked: string[][] = [];
    const layers = [MemoryLayer.from({ "d/x": "1" }), MemoryLayer.from({ "d/y": "2" }), MemoryLayer.from({ "d/z": "3" })];
    const image = new Image(layers.map((l, i) => new Proxy(l, {
      get: (t, k) => {
        const v = Reflect.get(t, k, t);
        if (k === "readdir" || k === "readdirTyped") throw new Error("listed");
        return k === "stat" ? (p: string) => { (asked[i] ??= []).push(p); return t.stat(p); } : typeof v === "function" ? v.bind(t) : v;
      },
    })));
    const u = new Union(image, new MemoryLayer());
    expect(u.readFile("/d/x", "utf8")).toBe("1");
    expect(u.exists("/d/nope")).toBe(false);
    // Bottom first: d/x is in the bottom layer, so every layer is asked about it.
    expect(asked[2]).toEqual(["", "d", ".wh.d", ".wh..wh..opq", "d/x", "d/.wh.x", "d/.wh..wh..opq", "d/nope", "d/.wh.nope"]);
    expect(asked[1]).toEqual(["d", ".wh.d", ".wh..wh..opq", "d/x", "d/.wh.x", "d/.wh..wh..opq", "d/nope", "d/.wh.nope"]);
    expect(asked[0]).toEqual(["d", "d/x", "d/nope"]); // the bottom layer's whiteouts and marker hide nothing
  });
});
