// Ruby's real standard library in a lower layer. ruby+stdlib.wasm carries the stdlib
// inside its module (wasi-vfs); run once, it copies its /usr/local/lib/ruby/3.4.0 tree into
// a union, and that union's upper layer becomes the lower layer of another image (as
// `docker commit` would). ruby.wasm, the build without a stdlib, then boots RubyGems and
// requires set, shellwords, erb, optparse... from that layer (hundreds of opens and stat
// probes at start) and writes its output into its own upper. Both runs use
// browser_wasi_shim 0.4.2 with the union adapter. Node, Deno and Chromium.
import { WASI } from "@bjorn3/browser_wasi_shim";
import { RubyVM } from "@ruby/wasm-wasi";
import { beforeAll, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { createShimWasi } from "../../src/wasi/shim/mod.ts";
import { compilePackageWasm, TextSink } from "./helpers.ts";

const RUBY_STDLIB = "@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm";
const RUBY = "@ruby/3.4-wasm-wasi/dist/ruby.wasm";
const LIB = "/opt/ruby/3.4.0"; // not under /usr or /bundle: ruby.wasm's own wasi-vfs answers for those

type Wasip1 = Parameters<typeof RubyVM.instantiateModule>[0]["wasip1"];

/** Ruby code copying the embedded stdlib's .rb files to LIB (directories first, parents before children). */
const EXPORT = `
src = "/usr/local/lib/ruby/3.4.0"
Dir.mkdir("/opt"); Dir.mkdir("/opt/ruby"); Dir.mkdir("${LIB}")
Dir.glob("#{src}/**/").map { |d| d.delete_suffix("/") }.reject { |d| d == src }.sort.each do |d|
  Dir.mkdir("${LIB}" + d.delete_prefix(src))
end
files = Dir.glob("#{src}/**/*.rb")
files.each { |f| File.binwrite("${LIB}" + f.delete_prefix(src), File.binread(f)) }
files.size
`;

let stdlib: MemoryLayer;
let exported = 0;

describe("ruby.wasm with the real standard library in a lower layer", () => {
  beforeAll(async () => {
    const union = new Union(new Image([]), new MemoryLayer());
    const wasi = createShimWasi(WASI, { union, args: ["ruby"] });
    const { vm } = await RubyVM.instantiateModule({
      module: await compilePackageWasm(RUBY_STDLIB), wasip1: wasi as unknown as Wasip1,
      args: ["ruby.wasm", "-EUTF-8", "--disable-gems", "-e_=0"],
    });
    exported = Number(vm.eval(EXPORT).toString());
    stdlib = union.upper as MemoryLayer;
  }, 120_000);

  it("ruby+stdlib.wasm copied its stdlib into the union's upper layer", () => {
    expect(exported).toBeGreaterThan(500);
    for (const f of ["rubygems.rb", "set.rb", "shellwords.rb", "erb.rb", "optparse.rb"]) {
      expect(stdlib.stat(`${LIB.slice(1)}/${f}`)?.type, f).toBe("file");
    }
  });

  it("ruby.wasm boots RubyGems and requires stdlib libraries from that layer, writing into its own upper", async () => {
    const app = MemoryLayer.from({
      "app/page.erb": "<ul>\n<% items.each do |i| %>  <li><%= i %></li>\n<% end %></ul>\n",
      "app/args.txt": "build --out 'dist dir' -v\n",
    }, { timeNs: 1_700_000_000_000_000_000n });
    const union = new Union(new Image([stdlib, app]), new MemoryLayer());
    const stdout = new TextSink();
    const stderr = new TextSink();
    const wasi = createShimWasi(WASI, { union, args: ["ruby"], stdout: stdout.write, stderr: stderr.write });
    const { vm } = await RubyVM.instantiateModule({
      module: await compilePackageWasm(RUBY), wasip1: wasi as unknown as Wasip1,
      args: ["ruby.wasm", "-EUTF-8", `-I${LIB}`, "-e_=0"],
    });
    // The gem prelude loaded the real RubyGems from the layer.
    expect(vm.eval("Gem::VERSION").toString()).toMatch(/^3\.\d+\.\d+$/);
    expect(vm.eval(`$LOADED_FEATURES.include?("${LIB}/rubygems.rb")`).toString()).toBe("true");
    const result = vm.eval(`
      require "set"
      require "shellwords"
      require "erb"
      require "optparse"
      argv = Shellwords.split(File.read("/app/args.txt"))
      opts = {}
      rest = OptionParser.new { |o| o.on("--out DIR") { |v| opts[:out] = v }; o.on("-v") { opts[:v] = true } }.parse(argv)
      Dir.mkdir("/app/out")
      html = ERB.new(File.read("/app/page.erb")).result_with_hash(items: Set["a", "b", "a"].to_a)
      File.write("/app/out/page.html", html)
      puts "#{rest.join(",")} #{opts[:out]} #{opts[:v]}"
      $stdout.flush
      $LOADED_FEATURES.count { |f| f.start_with?("${LIB}/") }
    `);
    expect(Number(result.toString())).toBeGreaterThan(20);
    expect(stdout.text).toBe("build dist dir true\n");
    expect(union.readFile("/app/out/page.html", "utf8")).toBe("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n");
    expect(union.upper.stat("app/out/page.html")?.type).toBe("file");
    expect(union.changes()).toEqual([
      { kind: "C", path: "/app" },
      { kind: "A", path: "/app/out" },
      { kind: "A", path: "/app/out/page.html" },
    ]);
    expect(stderr.text).not.toMatch(/LoadError|was not loaded/);
  });
});
