#!/usr/bin/env node
// The `layerfs` command on Node: runs the bundled CLI (dist/cli/layerfs.cjs, built by
// `npm run build`, which `npm install` runs through the "prepare" script; scripts/build.mjs
// says why a bundle) through dist/cli/code-cache.js (src/host/code-cache.ts), with a V8
// code cache beside the bundle that the first run writes (LAYERFS_CODE_CACHE=0: none).
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/cli/layerfs.cjs", import.meta.url));
let cli;
try {
  const { loadBundle } = await import("../dist/cli/code-cache.js");
  cli = loadBundle(bundle);
} catch (e) {
  const missing = (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("code-cache.js")) || (e?.code === "ENOENT" && e.path === bundle);
  if (!missing) throw e;
  process.stderr.write("layerfs: the compiled CLI (dist/) is missing: run 'npm run build' first\n");
  process.exit(1);
}
process.exitCode = await cli.exports.main(process.argv.slice(2));
