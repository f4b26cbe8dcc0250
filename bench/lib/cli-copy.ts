/**
 * The checkout's `layerfs` command as users run it: bin/layerfs.js over a
 * dist/cli/ bundled from src/ (scripts/cli-bundle.mjs, as `npm run build`
 * bundles it), in a private directory made once per bench process, so the
 * figure is the checkout's and never a stale dist/'s. Its first command writes
 * the V8 code cache beside the bundle, as the first one after an install does.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleCli } from "../../scripts/cli-bundle.mjs";
import { removeTree } from "./trees.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let bin: string | undefined;

/** The path of the private copy's bin/layerfs.js (made at the first call, removed at exit). */
export function cliCopy(): string {
  if (bin !== undefined) return bin;
  const dir = mkdtempSync(join(tmpdir(), "layerfs-bench-cli-"));
  process.on("exit", () => removeTree(dir));
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(ROOT, "bin/layerfs.js"), join(dir, "bin/layerfs.js"));
  bundleCli(join(ROOT, "src"), join(dir, "dist/cli"), "ts");
  bin = join(dir, "bin/layerfs.js");
  return bin;
}
