// ruby.wasm (@ruby/3.4-wasm-wasi, the build without a bundled stdlib) through
// @ruby/wasm-wasi's RubyVM.instantiateModule, with a browser_wasi_shim WASI built by
// createShimWasi over a union. Ruby finds its library files (the gem prelude's rubygems,
// did_you_mean, ... and a small multi-file library) through -I/opt/ruby/lib in the lower
// layers, where an upper-lower layer replaces one file and whites out another; it writes,
// appends, renames and symlinks files, which land in the upper. Also on layerfs's own
// dispatcher. Runs in Node, Deno and Chromium.
//
// Small stand-in library files keep this fast and let it check whiteouts and replaced files;
// ruby-stdlib.test.ts loads Ruby's real standard library from a layer. ruby.wasm's own
// wasi-vfs answers for /bundle and /usr, so the layer library lives at /opt/ruby/lib.
import { WASI } from "@bjorn3/browser_wasi_shim";
import { RubyVM } from "@ruby/wasm-wasi";
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { createShimWasi } from "../../src/wasi/shim/mod.ts";
import { loadFixtureText } from "../support/index.ts";
import { renderLayer } from "../support/oracle-format.ts";
import { compilePackageWasm, TextSink } from "./helpers.ts";

const RUBY = "@ruby/3.4-wasm-wasi/dist/ruby.wasm";
const ARGS = ["ruby.wasm", "-EUTF-8", "-I/opt/ruby/lib", "-e_=0"];
const LIB_TIME_S = 1_700_000_000;
const T = { timeNs: BigInt(LIB_TIME_S) * 1_000_000_000n };

// One static `new URL("literal", import.meta.url)` per file: the form every runtime serves
// (vite rewrites it to a root-relative URL in the browser; a computed path would 404 there).
const STDLIB_FILES: Record<string, URL> = {
  "rubygems.rb": new URL("./fixtures/ruby/stdlib/rubygems.rb", import.meta.url),
  "bundled_gems.rb": new URL("./fixtures/ruby/stdlib/bundled_gems.rb", import.meta.url),
  "did_you_mean.rb": new URL("./fixtures/ruby/stdlib/did_you_mean.rb", import.meta.url),
  "error_highlight.rb": new URL("./fixtures/ruby/stdlib/error_highlight.rb", import.meta.url),
  "syntax_suggest/core_ext.rb": new URL("./fixtures/ruby/stdlib/syntax_suggest/core_ext.rb", import.meta.url),
  "layered.rb": new URL("./fixtures/ruby/stdlib/layered.rb", import.meta.url),
  "layered/version.rb": new URL("./fixtures/ruby/stdlib/layered/version.rb", import.meta.url),
  "layered/report.rb": new URL("./fixtures/ruby/stdlib/layered/report.rb", import.meta.url),
};
const PATCHED_VERSION = new URL("./fixtures/ruby/patch/layered/version.rb", import.meta.url);

/** Lower layers: the library, then a patch layer that replaces one file and whites out another. */
async function layers(): Promise<MemoryLayer[]> {
  const stdlib: MemorySpec = {};
  for (const [name, url] of Object.entries(STDLIB_FILES)) stdlib[`opt/ruby/lib/${name}`] = await loadFixtureText(url);
  return [
    MemoryLayer.from(stdlib, T),
    MemoryLayer.from({
      "opt/ruby/lib/layered/version.rb": await loadFixtureText(PATCHED_VERSION),
      "opt/ruby/lib/.wh.error_highlight.rb": "",
      "app/data.txt": "line 1\n",
    }, T),
  ];
}

/** What the Ruby program does to the union. */
const PROGRAM = `
require "layered"
Dir.mkdir("/app/out")
File.write("/app/out/summary.tmp", Layered.summary + "\\n")
File.rename("/app/out/summary.tmp", "/app/out/summary.txt")
File.symlink("summary.txt", "/app/out/latest")
File.open("/app/data.txt", "a") { |f| f.puts "line 2 from ruby" }
puts Layered.report("/app/out")
$stdout.flush
Layered::VERSION
`;

type Wasip1 = Parameters<typeof RubyVM.instantiateModule>[0]["wasip1"];

async function runRuby(union: Union, wasip1: Wasip1): Promise<RubyVM> {
  const { vm } = await RubyVM.instantiateModule({ module: await compilePackageWasm(RUBY), wasip1, args: ARGS });
  return vm;
}

async function checkRun(vm: RubyVM, union: Union, stdout: TextSink, stderr: TextSink): Promise<void> {
  const lowersBefore = await Promise.all(union.image.layers.map((l) => renderLayer(l, { mtime: true })));
  // The gem prelude loaded the stand-ins from the lower layer, except the whited-out one.
  expect(vm.eval("$LAYERFS_PRELUDE.join(',')").toString()).toBe("rubygems,bundled_gems,did_you_mean,syntax_suggest/core_ext");
  expect(vm.eval("Gem::VERSION").toString()).toBe("0.0.0-layerfs");
  expect(stderr.text).toContain("`error_highlight' was not loaded.");
  // The program: its return value, its stdout, and what it left in the union.
  expect(vm.eval(PROGRAM).toString()).toBe("2.0"); // version.rb from the upper of the two lowers
  const summary = union.readFile("/app/out/summary.txt", "utf8");
  expect(summary).toMatch(/^layered 2\.0 on ruby 3\.4\.\d+\n$/);
  expect(stdout.text).toBe(`latest -> summary.txt\nsummary.txt ${summary.length}\n`);
  expect(vm.eval("$LOADED_FEATURES.grep(%r{/opt/ruby/lib/layered}).sort.join(',')").toString())
    .toBe("/opt/ruby/lib/layered.rb,/opt/ruby/lib/layered/report.rb,/opt/ruby/lib/layered/version.rb");
  expect(union.readlink("/app/out/latest")).toBe("summary.txt");
  expect(union.readFile("/app/data.txt", "utf8")).toBe("line 1\nline 2 from ruby\n");
  expect(union.upper.stat("app/out/summary.txt")?.type).toBe("file");
  expect(union.upper.stat("app/out/latest")?.type).toBe("symlink");
  expect(union.upper.stat("app/data.txt")?.size).toBe(24);
  expect(union.changes()).toEqual([
    { kind: "C", path: "/app" },
    { kind: "C", path: "/app/data.txt" },
    { kind: "A", path: "/app/out" },
    { kind: "A", path: "/app/out/latest" },
    { kind: "A", path: "/app/out/summary.txt" },
  ]);
  // Stat of a lower file as ruby sees it: size and mtime intact (the 64-byte filestat layout).
  expect(vm.eval('[File.size("/opt/ruby/lib/layered/version.rb"), File.mtime("/opt/ruby/lib/layered.rb").to_i].join(" ")').toString())
    .toBe(`${union.stat("/opt/ruby/lib/layered/version.rb").size} ${LIB_TIME_S}`);
  const lowersAfter = await Promise.all(union.image.layers.map((l) => renderLayer(l, { mtime: true })));
  expect(lowersAfter).toEqual(lowersBefore);
}

describe("ruby.wasm on a union", () => {
  it("loads its library from lower layers and writes into the upper, through browser_wasi_shim + the adapter", async () => {
    const union = new Union(new Image(await layers()), new MemoryLayer());
    const stdout = new TextSink();
    const stderr = new TextSink();
    const wasi = createShimWasi(WASI, { union, args: ARGS, stdout: stdout.write, stderr: stderr.write });
    const vm = await runRuby(union, wasi as unknown as Wasip1);
    await checkRun(vm, union, stdout, stderr);
  });

  it("does the same on layerfs's own WASI dispatcher", async () => {
    const union = new Union(new Image(await layers()), new MemoryLayer());
    const stdout = new TextSink();
    const stderr = new TextSink();
    const host = createWasi({ union, args: ARGS, stdin: "ignore", stdout: stdout.write, stderr: stderr.write });
    const wasip1: Wasip1 = {
      wasiImport: host.imports.wasi_snapshot_preview1 as unknown as WebAssembly.ModuleImports,
      initialize: (instance) => host.initialize(instance),
    };
    const vm = await runRuby(union, wasip1);
    await checkRun(vm, union, stdout, stderr);
  });

  it("raises a Ruby LoadError for a library the layers do not have", async () => {
    const union = new Union(new Image(await layers()), new MemoryLayer());
    const vm = await runRuby(union, createShimWasi(WASI, { union, args: ARGS }) as unknown as Wasip1);
    expect(vm.eval('begin; require "error_highlight"; "loaded"; rescue LoadError => e; e.message; end').toString())
      .toBe("cannot load such file -- error_highlight");
  });
});
