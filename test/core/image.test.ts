// Image: the lower index is built lazily, once per directory, and shared by every union.
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import type { Layer, LayerFile, EntryStat } from "../../src/core/layer.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";

/** A layer wrapper counting calls, to prove what a lookup costs. */
class Counting implements Layer {
  calls = 0;
  constructor(readonly inner: Layer) {}
  stat(path: string): EntryStat | undefined {
    this.calls++;
    return this.inner.stat(path);
  }
  readdir(path: string): string[] {
    this.calls++;
    return this.inner.readdir(path);
  }
  readlink(path: string): string {
    this.calls++;
    return this.inner.readlink(path);
  }
  open(path: string): LayerFile {
    this.calls++;
    return this.inner.open(path);
  }
}

function stack(n: number): Counting[] {
  const layers = [new Counting(MemoryLayer.from({ "usr/lib/deep/file": "bottom", "etc/x": "0" }))];
  for (let i = 1; i < n; i++) layers.push(new Counting(MemoryLayer.from({ [`etc/l${i}`]: String(i), [`usr/l${i}/`]: {} })));
  return layers;
}

describe("Image", () => {
  it("does no work when created", () => {
    const layers = stack(8);
    new Image(layers);
    expect(layers.reduce((a, l) => a + l.calls, 0)).toBe(0);
  });

  it("after the first access, a lookup of a bottom-layer path touches no layer at all (128 layers)", () => {
    const layers = stack(128);
    const image = new Image(layers);
    const u = new Union(image, new MemoryLayer());
    expect(u.readFile("/usr/lib/deep/file", "utf8")).toBe("bottom");
    for (const l of layers) l.calls = 0;
    for (let i = 0; i < 100; i++) u.stat("/usr/lib/deep/file");
    expect(layers.reduce((a, l) => a + l.calls, 0)).toBe(0);
  });

  it("shares its index between unions: a second union's lookups touch no layer", () => {
    const layers = stack(16);
    const image = new Image(layers);
    new Union(image, new MemoryLayer()).readdir("/etc");
    for (const l of layers) l.calls = 0;
    const v = new Union(image, new MemoryLayer());
    expect(v.readdir("/etc").length).toBe(16);
    expect(v.stat("/etc/l3").size).toBe(1);
    expect(layers.reduce((a, l) => a + l.calls, 0)).toBe(0);
  });

  it("reads only the layers that contribute to a directory", () => {
    const layers = stack(32);
    const image = new Image(layers);
    const u = new Union(image, new MemoryLayer());
    u.stat("/usr/lib/deep/file");
    // usr/lib exists only in the bottom layer: layers 1..31 were asked about "usr" in "/" and "lib"
    // in "usr" only (each probe: the name, its whiteout, the directory's opaque marker; the top
    // layer also gives the root's attributes), never about what is below usr/lib.
    for (const l of layers.slice(1)) expect(l.calls).toBeLessThanOrEqual(7);
  });

  it("lookup() gives the lower view of a canonical path", () => {
    const image = new Image([MemoryLayer.from({ "a/b": "1" }), MemoryLayer.from({ "a/.wh.b": "", "a/c": "2" })]);
    expect(image.lookup("a/b")).toBeUndefined();
    expect(image.lookup("a/c")?.stat.type).toBe("file");
    expect(image.lookup("")?.stat.type).toBe("dir");
    expect(new Image([]).lookup("")).toBeUndefined();
  });

  it("keeps its layers frozen in bottom-first order", () => {
    const a = MemoryLayer.from({});
    const b = MemoryLayer.from({});
    const image = new Image([a, b]);
    expect(image.layers).toEqual([a, b]);
    expect(Object.isFrozen(image.layers)).toBe(true);
  });
});

describe("Union construction", () => {
  it("touches no layer and allocates lazily", () => {
    const layers = stack(4);
    const image = new Image(layers);
    const upper = new Counting(new MemoryLayer()) as unknown as MemoryLayer;
    for (let i = 0; i < 1000; i++) new Union(image, upper);
    expect(layers.reduce((a, l) => a + l.calls, 0)).toBe(0);
    expect((upper as unknown as Counting).calls).toBe(0);
  });
});
