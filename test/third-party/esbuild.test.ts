// esbuild (@esbuild/wasi-preview1, a Go program of ~20 MB) bundles a small project whose
// sources are in one lower layer and whose node_modules is in another; the bundle lands in
// the upper layer. Through layerfs's own run() and through browser_wasi_shim + the adapter.
// Runs in Node, Deno and Chromium.
import { WASI } from "@bjorn3/browser_wasi_shim";
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { run } from "../../src/wasi/run.ts";
import { createShimWasi } from "../../src/wasi/shim/mod.ts";
import { renderLayer } from "../support/oracle-format.ts";
import { compilePackageWasm, TextSink } from "./helpers.ts";

const ESBUILD = "@esbuild/wasi-preview1/esbuild.wasm";
const ARGS = ["esbuild", "/src/index.js", "--bundle", "--outfile=/out/bundle.js"];
const T = { timeNs: 1_650_000_000_000_000_000n };

function project(): { sources: MemoryLayer; modules: MemoryLayer } {
  const sources = MemoryLayer.from({
    "src/index.js": [
      'import { greet } from "./greet.js";',
      'import { shout } from "tiny-shout";',
      'console.log(shout(greet("layers")));',
      "",
    ].join("\n"),
    "src/greet.js": 'export function greet(name) { return "hello " + name; }\n',
    "src/unused.js": "export const neverBundled = 1;\n",
  }, T);
  const modules = MemoryLayer.from({
    "node_modules/tiny-shout/package.json": '{ "name": "tiny-shout", "version": "1.0.0", "main": "lib/index.js" }\n',
    "node_modules/tiny-shout/lib/index.js": 'exports.shout = function (s) { return s.toUpperCase() + "!"; };\n',
  }, T);
  return { sources, modules };
}

/** Run the bundle with a stand-in console; returns what it logged. */
function evaluate(bundle: string): string[] {
  const logged: string[] = [];
  new Function("console", bundle)({ log: (...a: unknown[]) => logged.push(a.join(" ")) });
  return logged;
}

async function checkResult(union: Union, lowersBefore: string[][], code: number, stderr: string): Promise<void> {
  expect(code, stderr).toBe(0);
  expect(stderr).toMatch(/out\/bundle\.js/); // esbuild's summary line
  const bundle = union.readFile("/out/bundle.js", "utf8");
  expect(bundle).toContain("// src/greet.js");
  expect(bundle).toContain("// node_modules/tiny-shout/lib/index.js");
  expect(bundle).not.toContain("neverBundled");
  expect(evaluate(bundle)).toEqual(["HELLO LAYERS!"]);
  // Written to the upper; the lower layers are exactly as before.
  expect(union.upper.stat("out/bundle.js")?.type).toBe("file");
  expect(union.upper.stat("out/bundle.js")?.size).toBe(new TextEncoder().encode(bundle).length);
  const lowersAfter = await Promise.all(union.image.layers.map((l) => renderLayer(l, { mtime: true })));
  expect(lowersAfter).toEqual(lowersBefore);
  // esbuild opens its inputs read-only (Go's O_RDONLY rights): only the output is a change.
  expect(union.changes()).toEqual([{ kind: "A", path: "/out" }, { kind: "A", path: "/out/bundle.js" }]);
}

describe("esbuild.wasm on a union", () => {
  it("bundles sources and node_modules from two lower layers into the upper, through run()", async () => {
    const { sources, modules } = project();
    const union = new Union(new Image([sources, modules]), new MemoryLayer());
    const before = await Promise.all(union.image.layers.map((l) => renderLayer(l, { mtime: true })));
    const stderr = new TextSink();
    const code = await run(await compilePackageWasm(ESBUILD), {
      union, args: ARGS, env: { PWD: "/" }, stdin: "ignore", stdout: stderr.write, stderr: stderr.write,
    });
    await checkResult(union, before, code, stderr.text);
  });

  it("bundles the same project through browser_wasi_shim 0.4.2 with a union preopen", async () => {
    const { sources, modules } = project();
    const union = new Union(new Image([sources, modules]), new MemoryLayer());
    const before = await Promise.all(union.image.layers.map((l) => renderLayer(l, { mtime: true })));
    const stderr = new TextSink();
    const wasi = createShimWasi(WASI, { union, args: ARGS, env: { PWD: "/" }, stdout: stderr.write, stderr: stderr.write });
    const instance = await WebAssembly.instantiate(await compilePackageWasm(ESBUILD), {
      wasi_snapshot_preview1: wasi.wasiImport as WebAssembly.ModuleImports,
    });
    const code = wasi.start(instance as unknown as Parameters<WASI["start"]>[0]);
    await checkResult(union, before, code, stderr.text);
  });

  it("reports a missing import as an error and writes nothing", async () => {
    const { sources } = project(); // no node_modules layer
    const union = new Union(new Image([sources]), new MemoryLayer());
    const stderr = new TextSink();
    const code = await run(await compilePackageWasm(ESBUILD), {
      union, args: ARGS, env: { PWD: "/" }, stdin: "ignore", stdout: stderr.write, stderr: stderr.write,
    });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/Could not resolve "tiny-shout"/);
    expect(union.exists("/out/bundle.js")).toBe(false);
  });
});
