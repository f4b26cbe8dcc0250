// The Node CLI's bundle, in dist/cli/ (or a directory of the caller's choosing):
// - layerfs.cjs: one CommonJS file of cli/dispatch and everything it imports;
// - code-cache.js: host/code-cache, the ES module bin/layerfs.js loads it with
//   (a V8 code cache: Node 20 has none for ES modules).
// Used by scripts/build.mjs (from tsc's output in dist/src/) and by the bench (from
// src/, so that its fresh-process figures are the checkout's).
import { join } from "node:path";
import { buildSync } from "esbuild";

/** Bundle `${srcDir}/cli/dispatch.EXT` and `${srcDir}/host/code-cache.EXT` (EXT: js or ts) into `outDir`. */
export function bundleCli(srcDir, outDir, ext = "js") {
  const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning" };
  buildSync({
    ...common,
    entryPoints: [join(srcDir, `cli/dispatch.${ext}`)],
    outfile: join(outDir, "layerfs.cjs"),
    format: "cjs",
    // Prefer a package's ESM build: hash-wasm's "main" is a 268 KB UMD of every hash it has,
    // which each process parsed; its ESM build lets esbuild keep only sha256/sha512 (44 KB).
    mainFields: ["module", "main"],
    // import() of a built-in becomes require(): a node:vm script given no module loader
    // callback has no dynamic import.
    supported: { "dynamic-import": false },
  });
  buildSync({ ...common, entryPoints: [join(srcDir, `host/code-cache.${ext}`)], outfile: join(outDir, "code-cache.js"), format: "esm" });
}
