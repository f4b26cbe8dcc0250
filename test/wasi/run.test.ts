// run() and createWasi() with hand-made modules (see wasm-builder.ts).
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { checkImports, run } from "../../src/wasi/run.ts";
import * as mod from "../../src/mod.ts";
import { FD_WRITE, PROC_EXIT, buildModule, catModule, helloModule } from "./wasm-builder.ts";

const dec = new TextDecoder();
const newUnion = () => new Union(new Image([MemoryLayer.from({ "etc/hostname": "box\n" })]), new MemoryLayer());

function collect(): { sink: (b: Uint8Array) => void; text: () => string } {
  const parts: Uint8Array[] = [];
  return { sink: (b) => parts.push(b), text: () => parts.map((p) => dec.decode(p)).join("") };
}

describe("run()", () => {
  it("is exported from the package entry", () => {
    expect(mod.run).toBe(run);
    expect(typeof mod.createWasi).toBe("function");
  });

  it("runs a command and resolves to its proc_exit code, with stdout delivered", async () => {
    const out = collect();
    const code = await run(helloModule("hello\n", 7), { union: newUnion(), stdout: out.sink });
    expect(code).toBe(7);
    expect(out.text()).toBe("hello\n");
  });

  it("resolves to 0 when _start returns", async () => {
    const out = collect();
    expect(await run(helloModule("x"), { union: newUnion(), stdout: out.sink })).toBe(0);
  });

  it("accepts a compiled module and a Response", async () => {
    const bytes = helloModule("r", 3);
    expect(await run(await WebAssembly.compile(bytes), { union: newUnion(), stdout: () => {} })).toBe(3);
    const res = new Response(bytes, { headers: { "content-type": "application/wasm" } });
    expect(await run(res, { union: newUnion(), stdout: () => {} })).toBe(3);
    expect(await run(new Response(bytes), { union: newUnion(), stdout: () => {} })).toBe(3);
    await expect(run(new Response("nope", { status: 404 }), { union: newUnion() })).rejects.toThrow(/404/);
  });

  it("feeds stdin from a string and from a Uint8Array", async () => {
    const out = collect();
    const text = "line one\nline two is longer than sixty-four bytes so it takes two reads\n";
    expect(await run(catModule(), { union: newUnion(), stdin: text, stdout: out.sink })).toBe(0);
    expect(out.text()).toBe(text);
    const out2 = collect();
    await run(catModule(), { union: newUnion(), stdin: new Uint8Array([104, 105]), stdout: out2.sink });
    expect(out2.text()).toBe("hi");
  });

  it("writes to a WritableStream and waits for it before resolving", async () => {
    const chunks: string[] = [];
    const stream = new WritableStream<Uint8Array>({
      async write(chunk) {
        await new Promise((r) => setTimeout(r, 5));
        chunks.push(dec.decode(chunk));
      },
    });
    await run(helloModule("streamed\n", 0), { union: newUnion(), stdout: stream });
    expect(chunks.join("")).toBe("streamed\n");
  });

  it("fails before running when the module imports an unknown preview1 function", async () => {
    const out = collect();
    const bad = buildModule({
      imports: [FD_WRITE, { module: "wasi_snapshot_preview1", name: "fd_frobnicate", params: 1, results: 1 }],
      start: [0x41, 1, 0x41, 0, 0x41, 1, 0x41, 8, 0x10, 0, 0x1a],
    });
    await expect(run(bad, { union: newUnion(), stdout: out.sink })).rejects.toThrow(/unknown wasi_snapshot_preview1 function "fd_frobnicate"/);
    expect(out.text()).toBe("");
  });

  it("fails before running when the module imports an unknown module, unless given", async () => {
    const imp = { module: "env", name: "host_thing", params: 0, results: 0 };
    const m = buildModule({ imports: [PROC_EXIT, imp], start: [0x10, 1, 0x41, 5, 0x10, 0] });
    await expect(run(m, { union: newUnion() })).rejects.toThrow(/unknown import module "env"/);
    let called = 0;
    expect(await run(m, { union: newUnion(), imports: { env: { host_thing: () => { called++; } } } })).toBe(5);
    expect(called).toBe(1);
    expect(() => checkImports(new WebAssembly.Module(m), { env: {} })).toThrow(/"env"."host_thing" not provided/);
  });

  it("rejects a module without an exported memory with a clear error", async () => {
    const m = buildModule({ imports: [PROC_EXIT], start: [], exportMemory: false });
    await expect(run(m, { union: newUnion() })).rejects.toThrow(/memory/);
  });

  it("passes args, env and cwd (as PWD)", async () => {
    const host = createWasi({ union: newUnion(), args: ["a", "b"], env: { X: "1" }, cwd: "/etc", stdout: () => {} });
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.dispatcher.setMemory(memory);
    const w = host.imports.wasi_snapshot_preview1 as unknown as Record<string, (...a: number[]) => number>;
    w.environ_sizes_get!(0, 4);
    const v = new DataView(memory.buffer);
    const n = v.getUint32(0, true), size = v.getUint32(4, true);
    w.environ_get!(100, 200);
    const env = dec.decode(new Uint8Array(memory.buffer, 200, size)).split("\0").filter(Boolean);
    expect(n).toBe(2);
    expect(env.sort()).toEqual(["PWD=/etc", "X=1"]);
    expect(() => createWasi({ union: newUnion(), cwd: "relative" })).toThrow(/absolute/);
  });
});

describe("createWasi()", () => {
  it("start() runs _start of an instance made by the caller", async () => {
    const out = collect();
    const host = createWasi({ union: newUnion(), stdout: out.sink });
    const { instance } = await WebAssembly.instantiate(helloModule("custom\n", 9), host.imports);
    expect(host.start(instance)).toBe(9);
    expect(out.text()).toBe("custom\n");
    expect(() => host.start(instance)).toThrow(/already/);
  });

  it("initialize() binds memory for a reactor so its exports can call WASI", async () => {
    const out = collect();
    const host = createWasi({ union: newUnion(), stdout: out.sink });
    // A "reactor": no _initialize, we call the exported function ourselves.
    const { instance } = await WebAssembly.instantiate(helloModule("reactor\n"), host.imports);
    host.initialize(instance);
    (instance.exports._start as () => void)();
    expect(out.text()).toBe("reactor\n");
  });

  it("works without a union (no preopens) for programs that only use stdio", async () => {
    const out = collect();
    const host = createWasi({ stdout: out.sink });
    const { instance } = await WebAssembly.instantiate(helloModule("no fs\n", 0), host.imports);
    expect(host.start(instance)).toBe(0);
    expect(out.text()).toBe("no fs\n");
  });
});
