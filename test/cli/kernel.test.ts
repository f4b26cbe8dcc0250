// Issue 4 item 7: the same wasm program under Node's node:wasi on a kernel overlayfs
// mount (test/oracle/overlay-oracle.py) and under `layerfs run` with DirLayers on the same host
// directories must leave the same merged tree and the same upper layer (OCI form).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openUnion } from "../../src/cli/open-union.ts";
import { nodeRuntime } from "../../src/cli/runtime-node.ts";
import { dropNoOpOpaques, lowerDirectories, oracleUnavailable, runOracleSync } from "../oracle/harness.ts";
import { renderUnion } from "../support/oracle-format.ts";
import { skipReason } from "../support/index.ts";
import { DEMO_WASM, demoCopy, removeDir, ROOT, runCli, tempDir, writeTree } from "./helpers.ts";
import { hostLayerListing, oracleCommandOutput, oracleSection } from "./oracle-listing.ts";

const NODE_WASI = join(ROOT, "test/wasm/run-node-wasi.mjs");
const UNION_OPS = join(ROOT, "test/wasm/union_ops.wasm");
const PROBE = join(ROOT, "test/cli/fixtures/probe.wasm");

let unavailable: string | undefined;
beforeAll(async () => {
  unavailable = await oracleUnavailable();
}, 60_000);

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

interface Case {
  /** Lower host directories, bottom first. */
  lowers: string[];
  wasm: string;
  args: string[];
  /** Extra overlay mount options for the kernel side (e.g. redirect_dir=on). */
  mountOptions?: string;
  /**
   * What the kernel mounts instead of `lowers` (bottom first), for a root-level opaque
   * marker: the kernel ignores it, so it gets only the layers above, without the marker.
   */
  kernelLowers?: string[];
}

/** Run `c` on both sides; returns merged trees, uppers and the program's output of each. */
async function bothSides(c: Case) {
  const work = tempDir("layerfs-kernel-");
  dirs.push(work);

  // Kernel: lowers top first; the program runs in the merged dir with "/" preopened on ".".
  const cmd = ["node", NODE_WASI, "--root", ".", c.wasm, ...c.args].map(sh).join(" ");
  const lowersTopFirst = [...(c.kernelLowers ?? c.lowers)].reverse().join(":");
  const opts = c.mountOptions ? ["-o", c.mountOptions] : [];
  const k = runOracleSync([...opts, lowersTopFirst, join(work, "kernel-upper"), cmd]);
  expect(k.status, k.stderr).toBe(0);
  expect(oracleSection(k.stdout, "check")[0]).toMatch(/^OK /);

  // layerfs: the same layers as --layer DirLayers and an empty --upper directory.
  const upper = join(work, "layerfs-upper");
  mkdirSync(upper);
  const layers = c.lowers.flatMap((l) => ["--layer", l]);
  const r = await runCli(["run", ...layers, "--upper", upper, "--", c.wasm, ...c.args]);
  const union = openUnion(nodeRuntime(), { layer: c.lowers, upper });

  return {
    kernel: {
      status: Number(/^## command \(exit status (\d+)\)/m.exec(k.stdout)?.[1]),
      output: oracleCommandOutput(k.stdout),
      merged: oracleSection(k.stdout, "merged"),
      upper: oracleSection(k.stdout, "upper-oci"),
    },
    layerfs: {
      status: r.status,
      output: r.stdout + r.stderr,
      merged: await renderUnion(union),
      upper: await hostLayerListing(upper),
    },
  };
}

describe("layerfs run against kernel overlayfs (node:wasi on the merged mount)", () => {
  const skip = () => skipReason(unavailable);

  it("gives the aufs demo the same merged tree, upper layer and output", async (ctx) => {
    if (skip()) return ctx.skip();
    const { dir, aaa, bbb } = demoCopy();
    dirs.push(dir);
    const { kernel, layerfs } = await bothSides({ lowers: [bbb, aaa], wasm: DEMO_WASM, args: ["edit", "modify", "remove", "show"] });
    expect(layerfs).toEqual(kernel);
    expect(kernel.upper.map((l) => l.split("\t").slice(0, 2).join(" "))).toEqual([".wh.file3 wh", "file1 f", "file2 f"]);
    expect(kernel.status).toBe(0);
  });

  it("agrees on nested directories, whiteouts and opaque directories in the lowers", async (ctx) => {
    if (skip()) return ctx.skip();
    const base = tempDir("layerfs-kernel-layers-");
    dirs.push(base);
    const bottom = writeTree(join(base, "bottom"), { "file3": "bottom 3\n", "etc/a": "a\n", "etc/b": "b\n", "old/x": "x\n" });
    const top = writeTree(join(base, "top"), { "file1": "top 1\n", "etc/.wh.a": "", "old/.wh..wh..opq": "", "old/y": "y\n" });
    const { kernel, layerfs } = await bothSides({ lowers: [bottom, top], wasm: DEMO_WASM, args: ["edit", "modify", "show"] });
    // Here edit creates /file2 (append mode) and copies up /file1; modify copies up a bottom file.
    expect(layerfs).toEqual(kernel);
  });

  it("agrees on copy-up, whiteouts, opaque directories, renames and links made by a program", async (ctx) => {
    if (skip()) return ctx.skip();
    const base = tempDir("layerfs-kernel-ops-");
    dirs.push(base);
    const bottom = writeTree(join(base, "bottom"), {
      "file3": "bottom 3\n", "etc/a": "a\n", "etc/b": "b\n", "old/x": "x\n", "dir/sub/y": "y\n",
    });
    const top = writeTree(join(base, "top"), { "file1": "top 1\n", "etc/.wh.a": "", "old/.wh..wh..opq": "", "old/z": "z\n" });
    const ops = [
      "append", "/file3", "more\n", // copy-up of a bottom file
      "touch", "/etc/b", // copy-up by set-times
      "truncate", "/file1", "3",
      "rm", "/etc/b", // whiteout for a copied-up lower file
      "rmdir", "/old", // not empty
      "rm", "/old/z",
      "rmdir", "/old", // now empty in the merged view: collapses to a whiteout
      "mkdir", "/old", // over the whiteout: opaque
      "write", "/old/new", "new\n",
      "mkdir", "/etc/a", // over a whiteout in a lower layer
      "mv", "/file3", "/dir/sub/file3", // file rename across directories
      "symlink", "../file1", "/dir/link",
      "link", "/dir/sub/y", "/dir/y2", // hard link to a lower file: copy-up, then link
      "rm", "/nope",
    ];
    const { kernel, layerfs } = await bothSides({ lowers: [bottom, top], wasm: PROBE, args: ["ops", ...ops] });
    expect(layerfs).toEqual(kernel);
    expect(kernel.output).toContain("rmdir /old: Directory not empty\nrm /old/z: ok\nrmdir /old: ok\n");
    expect(kernel.upper.some((l) => l.startsWith("old/.wh..wh..opq\topq"))).toBe(true);
  });

  it("agrees on a --layer with a root-level opaque marker, which hides every layer below it", async (ctx) => {
    if (skip()) return ctx.skip();
    const base = tempDir("layerfs-kernel-root-opaque-");
    dirs.push(base);
    const hidden = writeTree(join(base, "hidden"), { "file3": "hidden 3\n", "etc/a": "a\n", "old/x": "x\n" });
    const visible = { "file1": "top 1\n", "etc/b": "b\n", "etc/.wh.a": "" };
    const top = writeTree(join(base, "top"), { ...visible, ".wh..wh..opq": "" });
    const topForKernel = writeTree(join(base, "top-for-kernel"), { "file1": "top 1\n", "etc/b": "b\n" });
    const ops = [
      "rm", "/etc/a", // hidden: ENOENT
      "rmdir", "/old", // hidden: ENOENT
      "append", "/file3", "new\n", // a new file, not a copy-up of the hidden one
      "append", "/file1", "more\n",
      "rm", "/etc/b",
      "mkdir", "/old", // a plain directory: nothing visible below to hide
      "write", "/old/new", "n\n",
    ];
    const { kernel, layerfs } = await bothSides({
      lowers: [hidden, top], kernelLowers: [topForKernel], wasm: PROBE, args: ["ops", ...ops],
    });
    expect(layerfs).toEqual(kernel);
    expect(kernel.output).toContain("rm /etc/a: No such file or directory\nrmdir /old: No such file or directory\n");
    expect(kernel.upper.some((l) => l.includes("opq"))).toBe(false);
  });

  it("runs union_ops.wasm mutate (test/wasm's fixture, redirect_dir=on) to the same result", async (ctx) => {
    if (skip() || skipReason(existsSync(UNION_OPS) ? undefined : "test/wasm/union_ops.wasm is not built")) return ctx.skip();
    const base = tempDir("layerfs-kernel-fixture-");
    dirs.push(base);
    const fx = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "test/wasm/fixture-to-dirs.mjs"), join(base, "fx")], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(fx.status, fx.stderr).toBe(0);
    const lowers = fx.stdout.trim().split(":").reverse();
    const { kernel, layerfs } = await bothSides({ lowers, wasm: UNION_OPS, args: ["mutate"], mountOptions: "redirect_dir=on" });
    expect(kernel.output).toMatch(/^# mutate done: \d+ ops, 0 failed$/m);
    // With redirect_dir=on the kernel marks every directory mkdir makes in a merged parent
    // opaque, even where no lower has that directory (harmless); layerfs does not (rule 7).
    const lowerDirs = lowerDirectories(lowers.map((l) => nodeRuntime().lowerLayer(l)));
    kernel.upper = dropNoOpOpaques(kernel.upper, lowerDirs);
    layerfs.upper = dropNoOpOpaques(layerfs.upper, lowerDirs);
    expect(layerfs).toEqual(kernel);
  });
});
