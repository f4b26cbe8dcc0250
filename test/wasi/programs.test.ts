// The C test programs (test/wasm/*.wasm, TAP-like output) run through run() over a
// Union: a MemoryLayer upper over lower layers. Each prints `ok - name` or
// `not ok - name: ...` lines and `# passed N failed M`; exit 0 iff all pass.
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { run } from "../../src/wasi/run.ts";
import type { StdinOption } from "../../src/wasi/stdio.ts";
import { loadFixtureBytes } from "../support/fixtures.ts";
import { fixtureTimeNs, lowerLayers } from "../wasm/fixture.ts";

/** Programs that need only a fresh writable "/" (they work in their own directory), with their argv tail and env. */
const PROGRAMS: { name: string; args?: string[]; env?: Record<string, string>; allowAbsoluteSymlinks?: boolean }[] = [
  { name: "wasi_files" },
  { name: "wasi_dirs" },
  { name: "wasi_rights" },
  { name: "wasi_symlinks" }, // absolute targets: EPERM
  { name: "wasi_symlinks", args: ["--allow-absolute-symlinks"], allowAbsoluteSymlinks: true },
  { name: "wasi_times" },
  { name: "wasi_readdir" },
  { name: "wasi_misc", args: ["alpha", "beta gamma", ""], env: { WASI_MISC: "x=y" } },
];

/** The shared fixture lowers (test/wasm/fixture.ts), so the programs run over a merged root. */
function lowers(): MemoryLayer[] {
  return lowerLayers.map((spec) => MemoryLayer.from(spec, { timeNs: fixtureTimeNs }));
}

async function runProgram(
  name: string, union: Union, args: string[] = [], env: Record<string, string> = {}, stdin: StdinOption = "ignore",
  allowAbsoluteSymlinks = false,
): Promise<{ code: number; out: string }> {
  const bytes = await loadFixtureBytes(new URL(`../wasm/${name}.wasm`, import.meta.url));
  const dec = new TextDecoder();
  let out = "";
  const sink = (b: Uint8Array) => { out += dec.decode(b, { stream: true }); };
  const code = await run(bytes, {
    union, args: [`${name}.wasm`, ...args], env, stdin, stdout: sink, stderr: sink, allowAbsoluteSymlinks,
  });
  return { code, out };
}

function summary(out: string): { failed: string[]; last: string } {
  const lines = out.split("\n").filter((l) => l !== "");
  return { failed: lines.filter((l) => l.startsWith("not ok")), last: lines[lines.length - 1] ?? "" };
}

describe("C test programs under run()", () => {
  for (const { name, args, env, allowAbsoluteSymlinks } of PROGRAMS) {
    it(`${[name + ".wasm", ...args ?? []].join(" ")} passes every check over a memory upper on the fixture's two lower layers`, async () => {
      const union = new Union(new Image(lowers()), new MemoryLayer());
      const { code, out } = await runProgram(name, union, args, env, "ignore", allowAbsoluteSymlinks);
      const { failed, last } = summary(out);
      expect(failed, failed.join("\n")).toEqual([]);
      expect(last).toMatch(/^# passed \d+ failed 0$/);
      expect(code).toBe(0);
      // The merged fixture is untouched: the programs work in their own directories.
      expect(union.readFile("/etc/hosts", "utf8")).toBe("127.0.0.1 layer1\n");
      expect(union.changes().every((c) => c.kind === "A" || c.path === "/")).toBe(true);
    });
  }
});

describe("wasi_misc.wasm exit codes and stdin", () => {
  it("run() resolves to the code the program passes to proc_exit", async () => {
    for (const n of [0, 3, 255]) {
      const { code, out } = await runProgram("wasi_misc", new Union(new Image([]), new MemoryLayer()), ["exit", String(n)]);
      expect(out).toContain(`# exiting ${n}`);
      expect(code).toBe(n);
    }
  });

  it("passes with stdin given as data and as a callback", async () => {
    const args = ["alpha", "beta gamma", ""], env = { WASI_MISC: "x=y" };
    for (const stdin of ["some input\n", () => null] as StdinOption[]) {
      const { code, out } = await runProgram("wasi_misc", new Union(new Image([]), new MemoryLayer()), args, env, stdin);
      expect(summary(out).failed, summary(out).failed.join("\n")).toEqual([]);
      expect(code).toBe(0);
    }
  });
});
