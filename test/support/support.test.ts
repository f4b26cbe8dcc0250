// Smoke tests for the portable helpers; they run in Node, Deno and Chromium.
import { describe, expect, inject, it } from "vitest";
import { env, loadFixtureBytes, loadFixtureText, onlyIn, packageFileUrl, runtime, skipReason } from "./index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    expectedRuntime: "node" | "deno" | "browser";
  }
}

describe("runtime()", () => {
  it("names the runtime this vitest project was configured for", () => {
    expect(runtime()).toBe(inject("expectedRuntime"));
  });

  it("agrees with the runtime's own globals", () => {
    const g = globalThis as { Deno?: unknown; document?: unknown };
    expect(typeof g.Deno !== "undefined").toBe(runtime() === "deno");
    expect(typeof g.document !== "undefined").toBe(runtime() === "browser");
  });
});

describe("env()", () => {
  it.skipIf(skipReason(onlyIn("node", "deno")))("reads a variable set by the vitest config", () => {
    expect(env("LAYERFS_TEST_MARKER")).toBe("from-vitest-config");
    expect(env("LAYERFS_SURELY_UNSET_VARIABLE")).toBeUndefined();
  });

  it.skipIf(skipReason(onlyIn("browser")))("returns undefined in the browser, which has no environment", () => {
    expect(env("LAYERFS_TEST_MARKER")).toBeUndefined();
    expect(env("PATH")).toBeUndefined();
  });
});

describe("loadFixtureBytes()", () => {
  it("loads a committed binary file byte for byte", async () => {
    const bytes = await loadFixtureBytes(new URL("./fixtures/bytes256.bin", import.meta.url));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(bytes[i]).toBe(i);
  });

  it("loads a text file through a relative URL", async () => {
    expect(await loadFixtureText(new URL("fixtures/hello.txt", import.meta.url))).toBe("hello from layerfs fixtures\n");
  });

  it("loads a wasm module that compiles and runs", async () => {
    const bytes = await loadFixtureBytes(new URL("./fixtures/answer.wasm", import.meta.url));
    const { instance } = await WebAssembly.instantiate(bytes);
    expect((instance.exports.answer as () => number)()).toBe(42);
  });

  it("rejects for a file that does not exist", async () => {
    await expect(loadFixtureBytes(new URL("./fixtures/no-such-file.bin", import.meta.url))).rejects.toThrow();
  });

  it("loads a file shipped in an installed npm package", async () => {
    const pkg = JSON.parse(await loadFixtureText(packageFileUrl("@esbuild/wasi-preview1/package.json")));
    expect(pkg.name).toBe("@esbuild/wasi-preview1");
  });

  it("sees a test module URL of the kind its runtime serves", () => {
    const protocol = new URL(import.meta.url).protocol;
    expect(protocol).toBe(runtime() === "browser" ? "http:" : "file:");
  });
});

describe("skipReason()", () => {
  it("runs a test when there is no reason to skip", () => {
    expect(skipReason(undefined)).toBe(false);
    expect(skipReason("")).toBe(false);
    expect(skipReason(false)).toBe(false);
  });

  it("skips when given a reason", () => {
    expect(skipReason("(not a skip: the smoke test of skipReason prints this line)")).toBe(true);
  });

  it("gives a reason only outside the listed runtimes", () => {
    expect(onlyIn(runtime())).toBeUndefined();
    const others = (["node", "deno", "browser"] as const).filter((r) => r !== runtime());
    expect(onlyIn(...others)).toMatch(/runs only in/);
  });
});
