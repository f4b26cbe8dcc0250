// union_ops.wasm on real kernel overlayfs (Node-only): the fixture (fixture.ts) is
// materialised as aufs-form directories by fixture-to-dirs.mjs, mounted by
// test/oracle/overlay-oracle.py, and the program runs under Node's own node:wasi on the merged
// directory. Checks: the kernel passes every shared check (dir rename: EXDEV by default,
// deep rename with redirect_dir=on), and `mutate` gives the same merged tree and upper
// layer as layerfs (modulo opaque markers that hide nothing, see dropNoOpOpaques).
// Skips with a printed reason where the oracle cannot mount.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { run } from "../../src/wasi/run.ts";
import { skipReason } from "../support/skip.ts";
import { renderLayer, renderUnion } from "../support/oracle-format.ts";
import { dropNoOpOpaques, lowerDirectories, oracleUnavailable, runOracleSync } from "../oracle/harness.ts";
import { fixtureTimeNs, lowerLayers } from "./fixture.ts";
import { loadFixtureBytes } from "../support/fixtures.ts";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const unavailable = await oracleUnavailable();
const work = mkdtempSync(join(tmpdir(), "layerfs-union-ops-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let lowerArg: string | undefined;
function lowersOnDisk(): string {
  if (lowerArg === undefined) {
    const r = spawnSync(process.execPath, ["--import", "tsx", here("./fixture-to-dirs.mjs"), join(work, "fx")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`fixture-to-dirs failed: ${r.stderr}`);
    lowerArg = r.stdout.trim();
  }
  return lowerArg;
}

let runs = 0;
function kernel(opts: string, args: string): { status: number; out: string; section: (name: string) => string[] } {
  const upper = join(work, `upper${runs++}`);
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(here("./run-node-wasi.mjs"))} --root . ` +
    `${JSON.stringify(here("./union_ops.wasm"))} ${args}`;
  const r = runOracleSync(["-o", opts, lowersOnDisk(), upper, cmd]);
  const out = r.stdout;
  const section = (name: string) => {
    const m = new RegExp(`^## ${name}\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, "m").exec(out);
    return m ? m[1]!.split("\n").filter((l) => l !== "") : [];
  };
  return { status: r.status, out, section };
}

describe.skipIf(skipReason(unavailable))("union_ops.wasm on kernel overlayfs", () => {
  it("passes every shared check with the kernel's default (lower directory rename: EXDEV)", () => {
    const k = kernel("redirect_dir=off", "");
    expect(k.status, k.out).toBe(0);
    expect(k.out).not.toMatch(/^\| not ok/m);
    expect(k.out).toMatch(/^\| ok - rename a lower directory \(deep rename or EXDEV\)$/m);
    expect(k.out).toMatch(/^\| # passed \d+ failed 0$/m);
  });

  it("passes every shared check with redirect_dir=on (lower directory rename succeeds)", () => {
    const k = kernel("redirect_dir=on", "");
    expect(k.status, k.out).toBe(0);
    expect(k.out).not.toMatch(/^\| not ok/m);
    expect(k.out).toMatch(/^\| ok - the deep file moved with the directory$/m);
  });

  it("mutate gives the same merged tree and upper layer as layerfs", async () => {
    const k = kernel("redirect_dir=on", "mutate");
    expect(k.status, k.out).toBe(0);
    expect(k.out).toMatch(/^\| # mutate done: \d+ ops, 0 failed$/m);

    const lowers = lowerLayers.map((spec) => MemoryLayer.from(spec, { timeNs: fixtureTimeNs }));
    const upper = new MemoryLayer();
    const union = new Union(new Image(lowers), upper);
    const bytes = await loadFixtureBytes(new URL("./union_ops.wasm", import.meta.url));
    const code = await run(bytes, { union, args: ["union_ops.wasm", "mutate"], env: {}, stdin: "ignore", stdout: () => {}, stderr: () => {} });
    expect(code).toBe(0);

    const dirs = lowerDirectories(lowers);
    expect(await renderUnion(union)).toEqual(k.section("merged"));
    expect(dropNoOpOpaques(await renderLayer(upper), dirs)).toEqual(dropNoOpOpaques(k.section("upper-oci"), dirs));
  });
});
