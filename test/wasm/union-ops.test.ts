// union_ops.wasm over the fixed two-layer fixture (fixture.ts) and wasi_badinput.wasm,
// run through layerfs's run(): every check passes, mutations leave the lowers alone.
// Portable (no node:* imports).
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { run } from "../../src/wasi/run.ts";
import { loadFixtureBytes } from "../support/fixtures.ts";
import { renderLayer } from "../support/oracle-format.ts";
import { fixtureTimeNs, lowerLayers } from "./fixture.ts";

function fixtureUnion(): { union: Union; lowers: MemoryLayer[]; upper: MemoryLayer } {
  const lowers = lowerLayers.map((spec) => MemoryLayer.from(spec, { timeNs: fixtureTimeNs }));
  const upper = new MemoryLayer();
  return { union: new Union(new Image(lowers), upper), lowers, upper };
}

async function runProgram(name: string, union: Union, args: string[]): Promise<{ code: number; out: string }> {
  const bytes = await loadFixtureBytes(new URL(`./${name}.wasm`, import.meta.url));
  const dec = new TextDecoder();
  let out = "";
  const sink = (b: Uint8Array) => { out += dec.decode(b, { stream: true }); };
  const code = await run(bytes, { union, args: [`${name}.wasm`, ...args], env: {}, stdin: "ignore", stdout: sink, stderr: sink });
  return { code, out };
}

function failures(out: string): string[] {
  return out.split("\n").filter((l) => l.startsWith("not ok"));
}

describe("union_ops.wasm under layerfs", () => {
  it("passes every check, layerfs-only rules included", async () => {
    const { union } = fixtureUnion();
    const { code, out } = await runProgram("union_ops", union, ["--layerfs"]);
    expect(failures(out), out).toEqual([]);
    expect(out).toMatch(/^# passed 91 failed 0$/m);
    expect(code).toBe(0);
  });

  it("mutate mode performs every operation and never writes to a lower layer", async () => {
    const { union, lowers, upper } = fixtureUnion();
    const before = await Promise.all(lowers.map((l) => renderLayer(l, { mtime: true })));
    const { code, out } = await runProgram("union_ops", union, ["mutate"]);
    expect(out).toMatch(/^# mutate done: 28 ops, 0 failed$/m);
    expect(code).toBe(0);
    const after = await Promise.all(lowers.map((l) => renderLayer(l, { mtime: true })));
    expect(after).toEqual(before);
    // A few landmarks of the upper in OCI form: whiteouts, the deep-renamed tree, copy-ups.
    const rows = (await renderLayer(upper)).map((l) => l.split("\t").slice(0, 2).join(" "));
    expect(rows).toEqual(expect.arrayContaining([
      "data/.wh.keep.txt wh", ".wh.tree wh", "tree2/.wh..wh..opq opq", "tree2/a/b/deep.txt f", "ro.txt f", ".wh.rmme wh",
    ]));
  });
});

describe("wasi_badinput.wasm under layerfs", () => {
  it("gets an errno for every bad input, never a trap", async () => {
    const { code, out } = await runProgram("wasi_badinput", new Union(new Image([]), new MemoryLayer()), []);
    expect(failures(out), out).toEqual([]);
    expect(out).toMatch(/^# passed \d+ failed 0$/m);
    expect(code).toBe(0);
  });
});
