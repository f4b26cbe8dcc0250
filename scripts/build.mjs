#!/usr/bin/env node
// `npm run build`: tsc emits dist/ (the library's modules and .d.ts files), then esbuild
// bundles the Node CLI (dist/src/cli/main.js and everything it imports) into dist/cli/,
// which bin/layerfs.js loads. Why a bundle: Node's ESM loader resolves, reads and
// compiles each of the CLI's ~150 modules one by one, about 75 ms of every `layerfs run`;
// the bundle is a handful of chunks (one per command, code splitting keeps their
// imports lazy) and loads in a few milliseconds.
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
const entry = join(outDir, "src/cli/main.js");
if (!existsSync(entry)) {
  console.error(`layerfs build: tsc emitted no ${entry}`);
  process.exit(1);
}

const { build } = await import("esbuild");
const cliDir = join(outDir, "cli");
rmSync(cliDir, { recursive: true, force: true });
try {
  await build({
    entryPoints: [entry],
    outdir: cliDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Prefer a package's ESM build: hash-wasm's "main" is a 268 KB UMD of every hash it has
    // (14 ms of each `layerfs run` to load); its ESM build lets esbuild keep only sha256/sha512.
    mainFields: ["module", "main"],
    logLevel: "warning",
    // CommonJS dependencies (cli-progress) call require() for Node built-ins: give the ESM chunks one.
    banner: { js: 'import { createRequire as __layerfsRequire } from "node:module"; const require = __layerfsRequire(import.meta.url);' },
  });
} catch (e) {
  console.error(`layerfs build: bundling the CLI failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
process.exit(tsc.status ?? 1);
