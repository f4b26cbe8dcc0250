// Merged answers about a stack of lowers kept across Images (core/stack-memo.ts): a later
// Image over layers with the same memoKeys takes a directory's answers after one fresh
// dirStamp per merging layer, asks no layer about the names it holds, and must give exactly
// the entries an Image without the memo gives; a layer whose stamp changed (or that cannot
// give one) makes the directory be probed again. Portable: the layers are MemoryLayers with
// test stamps (a generation per layer), so it runs in Node, Deno and Chromium alike.
// Random stacks: LAYERFS_MEMO_RUNS (default 100).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import type { DirStamp, EntryStat, EntryType, Layer, LayerFile } from "../../src/core/layer.ts";
import { parentPath } from "../../src/core/layer.ts";
import { StackMemo, stackMemo } from "../../src/core/stack-memo.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { draws } from "../support/draw.ts";
import { env } from "../support/index.ts";
import { foundEntry, probePaths, randLayer } from "./random-layer.ts";

const RUNS = Number(env("LAYERFS_MEMO_RUNS") ?? 100);
const T = 1_700_000_000_000_000_000n;
const PATHS = probePaths();

/**
 * A MemoryLayer with a memoKey and stamps as a host layer gives them: `gen` is the stamp of
 * every directory (bumped by the test when it edits the layer); a stamp not fresh exists only
 * for a directory this layer object was asked about (it took it before it answered).
 */
class StampedLayer implements Layer {
  readonly asked: string[] = [];
  private readonly known = new Set<string>();
  constructor(private readonly inner: MemoryLayer, readonly memoKey: string, private readonly gen: number | undefined) {}

  dirStamp(path: string, fresh: boolean): DirStamp | undefined {
    this.asked.push(`stamp ${path}`);
    if (this.gen === undefined || this.inner.stat(path)?.type !== "dir") return undefined;
    return fresh || this.known.has(path) ? [this.gen] : undefined;
  }
  private about(path: string): void {
    this.asked.push(path);
    if (path !== "") this.known.add(parentPath(path));
  }
  stat(path: string): EntryStat | undefined { this.about(path); return this.inner.stat(path); }
  readdir(path: string): string[] { this.asked.push(`readdir ${path}`); this.known.add(path); return this.inner.readdir(path); }
  readdirTyped(path: string): { names: string[]; types: EntryType[] } { this.asked.push(`readdir ${path}`); this.known.add(path); return this.inner.readdirTyped(path); }
  readlink(path: string): string { return this.inner.readlink(path); }
  open(path: string): LayerFile { return this.inner.open(path); }
}

let stacks = 0;
/** Layers over `specs` (bottom first) keyed `key`/i, generation gens[i] (undefined: no stamps). */
function stamped(specs: readonly MemorySpec[], key: string, gens: readonly (number | undefined)[]): StampedLayer[] {
  return specs.map((s, i) => new StampedLayer(MemoryLayer.from(s, { timeNs: T }), `${key}/${i}`, gens[i]));
}
const plainImage = (specs: readonly MemorySpec[]) => new Image(specs.map((s) => MemoryLayer.from(s, { timeNs: T })));
const entries = (image: Image, paths: readonly string[]) => paths.map((p) => foundEntry(image.lookup(p)));

describe("stack memo: answers about a stack kept across Images", () => {
  it("random stacks: later Images over equal layers give the entries of an Image without the memo", () => {
    fc.assert(fc.property(draws, fc.integer({ min: 1, max: 5 }), (draw, depth) => {
      const specs = Array.from({ length: depth }, () => randLayer(draw));
      const key = `random-${++stacks}`;
      const gens = specs.map(() => 1);
      const want = entries(plainImage(specs), PATHS);
      for (let round = 0; round < 3; round++) expect(entries(new Image(stamped(specs, key, gens)), PATHS)).toEqual(want);
    }), { numRuns: RUNS });
  });

  it("random stacks, one random layer replaced between Images (its stamps bumped): the next Images give the new stack's entries", () => {
    fc.assert(fc.property(draws, fc.integer({ min: 1, max: 5 }), (draw, depth) => {
      const specs = Array.from({ length: depth }, () => randLayer(draw));
      const key = `random-edit-${++stacks}`;
      for (let round = 0; round < 2; round++) entries(new Image(stamped(specs, key, specs.map(() => 1))), PATHS);
      const edited = [...specs];
      const at = draw.int(depth);
      edited[at] = randLayer(draw);
      const gens = specs.map((_, i) => (i === at ? 2 : 1));
      const want = entries(plainImage(edited), PATHS);
      for (let round = 0; round < 2; round++) expect(entries(new Image(stamped(edited, key, gens)), PATHS)).toEqual(want);
    }), { numRuns: RUNS });
  });

  it("a later Image asks the layers only for stamps about what the memo holds, and only the layer shown for its attributes", () => {
    const specs: MemorySpec[] = [{ "d/x": "bottom x" }, { "d/y": "y" }, { "d/z": "z" }];
    const key = `calls-${++stacks}`;
    for (let round = 0; round < 2; round++) {
      const u = new Union(new Image(stamped(specs, key, [1, 1, 1])), new MemoryLayer());
      expect(u.readFile("/d/x", "utf8")).toBe("bottom x");
      expect(u.exists("/d/nope")).toBe(false);
    }
    const layers = stamped(specs, key, [1, 1, 1]);
    const u = new Union(new Image(layers), new MemoryLayer());
    expect(u.readFile("/d/x", "utf8")).toBe("bottom x");
    expect(u.exists("/d/nope")).toBe(false);
    // One fresh stamp of the root (where d is) and of d in each layer; attributes from the layer
    // showing each entry: the root and d from the top one, d/x from the bottom one.
    expect(layers[2]!.asked).toEqual(["", "stamp ", "d", "stamp d"]);
    expect(layers[1]!.asked).toEqual(["stamp ", "stamp d"]);
    expect(layers[0]!.asked.filter((a) => !a.startsWith("stamp "))).toEqual(["d/x"]);
  });

  it.each([
    ["a name added above", (s: MemorySpec[]) => { s[2]!["d/x"] = "top x"; }],
    ["a whiteout added in the middle", (s: MemorySpec[]) => { s[1]!["d/.wh.x"] = ""; }],
    ["an opaque marker added in the middle", (s: MemorySpec[]) => { s[1]!["d/.wh..wh..opq"] = ""; }],
    ["the name removed below", (s: MemorySpec[]) => { delete s[0]!["d/x"]; }],
    ["a directory replaced by a file in the middle", (s: MemorySpec[]) => { delete s[1]!["d/y"]; s[1]!["d"] = "a file"; }],
    ["a root name added on top", (s: MemorySpec[]) => { s[2]!["new"] = "n"; }],
  ] as const)("a layer edited (its stamps changed) between Images: %s is seen", (_n, edit) => {
    const specs: MemorySpec[] = [{ "d/x": "bottom x", "d/w": "w" }, { "d/y": "y" }, { "d/z": "z" }];
    const key = `edit-${++stacks}`;
    const paths = ["d", "d/x", "d/y", "d/z", "d/w", "d/nope", "new", "d/.wh.x"];
    for (let round = 0; round < 2; round++) entries(new Image(stamped(specs, key, [1, 1, 1])), paths);
    const before = entries(plainImage(specs), paths);
    const edited = specs.map((s) => ({ ...s }));
    edit(edited);
    const want = entries(plainImage(edited), paths);
    expect(want).not.toEqual(before); // the edit shows (else the case tests nothing)
    // Each layer's stamp changes with it: only the edited one's is what tells, so bump one at a time.
    const gens = specs.map((s, i) => (JSON.stringify(s) === JSON.stringify(edited[i]) ? 1 : 2));
    expect(entries(new Image(stamped(edited, key, gens)), paths)).toEqual(want);
    expect(entries(new Image(stamped(edited, key, gens)), paths)).toEqual(want);
  });

  it("is not used when a layer gives no stamp, or has no memoKey", () => {
    const specs: MemorySpec[] = [{ "d/x": "x" }, { "d/y": "y" }];
    const key = `none-${++stacks}`;
    for (let round = 0; round < 3; round++) {
      const layers = stamped(specs, key, [1, undefined]);
      expect(entries(new Image(layers), ["d/x", "d/nope"])).toEqual(entries(plainImage(specs), ["d/x", "d/nope"]));
      expect(layers[1]!.asked).toContain("d/x"); // asked again each time
    }
    const held = stackMemo.size;
    for (let round = 0; round < 3; round++) {
      const layers = [MemoryLayer.from(specs[0]!), ...stamped([specs[1]!], key, [1])];
      new Image(layers).lookup("d/x");
    }
    expect(stackMemo.size).toBe(held);
  });

  it("holds at most its bound of answers and stamps: past it, all is dropped and built again", () => {
    const memo = new StackMemo(10);
    const m = memo.start("s", "d", [1, 0], [[1], [1]]);
    for (let i = 0; i < 8; i++) memo.answer(m, `n${i}`, null);
    expect(memo.size).toBe(10);
    expect(memo.find("s", "d", [1, 0])).toBe(m);
    expect(memo.find("s", "d", [0])).toBeUndefined(); // other merging layers: another directory
    memo.answer(m, "n8", null);
    expect(memo.size).toBe(0);
    expect(memo.find("s", "d", [1, 0])).toBeUndefined();
    memo.answer(m, "n9", null); // into a dropped memo: not held
    expect(memo.size).toBe(0);
  });
});
