#!/usr/bin/env node
// The `layerfs` command on Node: runs the bundled CLI (dist/cli/, built by `npm run build`,
// which `npm install` runs through the "prepare" script; scripts/build.mjs says why a bundle).
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("cli/main.js")) throw e;
  process.stderr.write("layerfs: the compiled CLI (dist/) is missing: run 'npm run build' first\n");
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
