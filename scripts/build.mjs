#!/usr/bin/env node
// `npm run build`: tsc emits dist/ (the library's modules and .d.ts files), then esbuild
// bundles the Node CLI (dist/src/cli/dispatch.js and everything it imports) into one
// CommonJS file, dist/cli/layerfs.cjs (scripts/cli-bundle.mjs), which bin/layerfs.js runs
// with a V8 code cache beside it (src/host/code-cache.ts, bundled as dist/cli/code-cache.js).
// Why a bundle: Node's ESM loader resolves, reads and compiles each of the CLI's ~150
// modules one by one, about 75 ms of every `layerfs run`. Why CommonJS: Node 20 keeps no
// code cache for ES modules; from the second run on, the cache spares each process
// parsing the bundle and compiling any of its functions (a trivial `layerfs run`
// 86 -> 70 ms from process start).
//
//   node scripts/build.mjs [--outDir DIR]     (default dist/)
//
// Exit status: tsc's (type errors still emit JavaScript, and the bundle is still made;
// test/build/dist.test.ts fails on them), or 1 if the bundle could not be made.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const at = args.indexOf("--outDir");
const outDir = at >= 0 && args[at + 1] !== undefined ? resolve(args[at + 1]) : join(ROOT, "dist");

const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", outDir], { cwd: ROOT, stdio: "inherit" });
const entry = join(outDir, "src/cli/dispatch.js");
if (!existsSync(entry)) {
  console.error(`layerfs build: tsc emitted no ${entry}`);
  process.exit(1);
}

const { bundleCli } = await import("./cli-bundle.mjs");
const cliDir = join(outDir, "cli");
rmSync(cliDir, { recursive: true, force: true });
try {
  bundleCli(join(outDir, "src"), cliDir);
} catch (e) {
  console.error(`layerfs build: bundling the CLI failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
process.exit(tsc.status ?? 1);
