// A Union over a stack of TarLayers: whiteouts and opaque markers across tar
// layers behave exactly as over MemoryLayers with the same content, and the
// union_ops.wasm guest passes over a TarLayer image (end to end). Portable.
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import type { Layer } from "../../src/core/layer.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { layerProblems } from "../../src/testing/mod.ts";
import { TarLayer } from "../../src/mod.ts";
import { run } from "../../src/wasi/run.ts";
import { loadFixtureBytes } from "../support/fixtures.ts";
import { mergedTree } from "../support/trees.ts";
import { renderLayer } from "../support/oracle-format.ts";
import { fixtureTimeNs, lowerLayers } from "../wasm/fixture.ts";
import { layerToTar } from "./layer-to-tar.ts";
import { rawEntry, tar } from "./tar-builder.ts";

const asTar = (spec: MemorySpec): TarLayer => TarLayer.fromBytes(layerToTar(MemoryLayer.from(spec, { timeNs: fixtureTimeNs })));

const STACK: MemorySpec[] = [
  { "a/b/c/bar": "bar", "etc/conf": "1", "bin/tool": "t", "bin/sub/x": "x", "keep/k": "k", "hl/one": "h", "hl/two": { link: "hl/one" } },
  // opaque a/ recreating a/b/c/foo; a whiteout of etc/conf; a file and its own whiteout in one layer; a whiteout that hides nothing
  { "a/.wh..wh..opq": "", "a/b/c/foo": "foo", "etc/.wh.conf": "", "new/.wh.f": "", "new/f": "same-layer", "nothing/.wh.ghost": "" },
  // a later layer whites out a whole directory and puts a file where a directory was
  { ".wh.bin": "", "keep": "now a file", "a/b/c/.wh.foo": "" },
];

describe("Union over TarLayers", () => {
  it("each tar layer of the stack passes checkLayer", () => {
    for (const spec of STACK) expect(layerProblems(asTar(spec))).toEqual([]);
  });

  it("whiteouts and opaque directories across tar layers merge exactly as over memory layers", () => {
    const overTar = new Union(new Image(STACK.map(asTar)), new MemoryLayer());
    const overMemory = new Union(new Image(STACK.map((s) => MemoryLayer.from(s, { timeNs: fixtureTimeNs }))), new MemoryLayer());
    const got = mergedTree(overTar, { dirMtimes: true });
    expect(got).toEqual(mergedTree(overMemory, { dirMtimes: true }));
    const paths = got.map((l) => l.split(" ")[0]);
    expect(paths).toContain("/a/b/c");
    expect(paths).not.toContain("/a/b/c/bar");
    expect(paths).not.toContain("/a/b/c/foo");
    expect(paths).not.toContain("/etc/conf");
    expect(paths).not.toContain("/bin");
    expect(overTar.readFile("/new/f", "utf8")).toBe("same-layer"); // a whiteout only hides lower layers
    expect(overTar.readFile("/keep", "utf8")).toBe("now a file");
    expect(overTar.readdir("/nothing")).toEqual([]);
    expect(overTar.stat("/hl/one").nlink).toBe(2);
  });

  it("links in a hostile tar resolve inside the union root, never outside", () => {
    const layer = TarLayer.fromBytes(tar(
      rawEntry({ name: "etc/passwd", data: "layer passwd" }),
      rawEntry({ name: "abs", type: "2", linkname: "/etc/passwd" }),
      rawEntry({ name: "up", type: "2", linkname: "../../../../../etc/passwd" }),
      rawEntry({ name: "deep/up", type: "2", linkname: "../../../etc" }),
      rawEntry({ name: "hard", type: "1", linkname: "../../../etc/passwd" }),
      rawEntry({ name: "a", type: "2", linkname: "/etc" }),
      rawEntry({ name: "a/passwd", data: "under a" }),
    ));
    const union = new Union(new Image([layer]), new MemoryLayer());
    expect(union.readFile("/abs", "utf8")).toBe("layer passwd");
    expect(union.readFile("/up", "utf8")).toBe("layer passwd");
    expect(union.readFile("/deep/up/passwd", "utf8")).toBe("layer passwd");
    expect(union.readFile("/hard", "utf8")).toBe("layer passwd");
    expect(union.lstat("/a").type).toBe("dir");
    expect(union.readFile("/a/passwd", "utf8")).toBe("under a");
    union.writeFile("/abs", "written through the link");
    expect(union.readFile("/etc/passwd", "utf8")).toBe("written through the link"); // the union's own /etc, in its upper
    expect(union.readFile("/hard", "utf8")).toBe("layer passwd"); // a copy-up breaks the layer's hard link, as overlayfs does
  });

  it("copy-up from a TarLayer: writes land in the upper, the tar bytes stay as they were", () => {
    const bytes = layerToTar(MemoryLayer.from({ "f.txt": "original", "d/g": "g" }, { timeNs: fixtureTimeNs }));
    const copy = bytes.slice();
    const upper = new MemoryLayer();
    const union = new Union(new Image([TarLayer.fromBytes(bytes)]), upper);
    const f = union.open("/f.txt", { write: true });
    f.write(new TextEncoder().encode("OVER"), 0);
    f.close();
    union.unlink("/d/g");
    expect(union.readFile("/f.txt", "utf8")).toBe("OVERinal");
    expect(upper.readdir("").sort()).toEqual(["d", "f.txt"]);
    expect(upper.readdir("d")).toEqual([".wh.g"]);
    expect(bytes).toEqual(copy);
  });

  it("copy-up from a TarLayer into a memory upper references the tar bytes (one chunk stored, even after the layer file is closed)", () => {
    const size = 4 << 20;
    const data = new Uint8Array(size).map((_, i) => i % 251);
    const layer = TarLayer.fromBytes(layerToTar(MemoryLayer.from({ big: { file: data } } as MemorySpec, { timeNs: fixtureTimeNs })));
    const upper = new MemoryLayer();
    const union = new Union(new Image([layer]), upper);
    const f = union.open("/big", { write: true });
    f.write(new Uint8Array([1, 2, 3, 4]), 2 << 20);
    f.close();
    const usage = upper.contentUsage("big");
    expect(usage.referencesSource).toBe(true);
    expect(usage.bytes).toBeLessThanOrEqual(64 * 1024); // the written chunk, not 4 MiB
    const back = union.readFile("/big");
    const want = data.slice();
    want.set([1, 2, 3, 4], 2 << 20);
    expect(back.length).toBe(size);
    expect(back.every((b, i) => b === want[i])).toBe(true);
  });

  it("union_ops.wasm passes every check over the fixture as a TarLayer image", async () => {
    const tars = lowerLayers.map(asTar);
    const before = await Promise.all(tars.map((l: Layer) => renderLayer(l, { mtime: true })));
    const union = new Union(new Image(tars), new MemoryLayer());
    const wasm = await loadFixtureBytes(new URL("../wasm/union_ops.wasm", import.meta.url));
    let out = "";
    const dec = new TextDecoder();
    const sink = (b: Uint8Array) => { out += dec.decode(b, { stream: true }); };
    const code = await run(wasm, { union, args: ["union_ops.wasm", "--layerfs"], env: {}, stdin: "ignore", stdout: sink, stderr: sink });
    expect(out.split("\n").filter((l) => l.startsWith("not ok")), out).toEqual([]);
    expect(out).toMatch(/^# passed 91 failed 0$/m);
    expect(code).toBe(0);
    const mutate = new Union(new Image(tars), new MemoryLayer());
    out = "";
    expect(await run(wasm, { union: mutate, args: ["union_ops.wasm", "mutate"], env: {}, stdin: "ignore", stdout: sink, stderr: sink })).toBe(0);
    expect(out).toMatch(/^# mutate done: 28 ops, 0 failed$/m);
    expect(await Promise.all(tars.map((l: Layer) => renderLayer(l, { mtime: true })))).toEqual(before);
  });
});
