#!/usr/bin/env node
// Runs a layerfs test program under Node's own node:wasi (uvwasi), for validating the
// programs and for the kernel-overlayfs differential (preopen "/" on the merged dir).
// Usage: node run-node-wasi.mjs [--root DIR] [--env K=V]... PROG.wasm [ARGS...]
// Without --root a fresh temp directory is used (and kept, its path printed on stderr).
// Exit status: the program's.
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, basename, resolve } from "node:path";
import { WASI } from "node:wasi";

const argv = process.argv.slice(2);
let root;
const env = {};
while (argv.length && argv[0].startsWith("--")) {
  const flag = argv.shift();
  if (flag === "--root") root = resolve(argv.shift());
  else if (flag === "--env") {
    const kv = argv.shift();
    const i = kv.indexOf("=");
    env[kv.slice(0, i)] = kv.slice(i + 1);
  } else if (flag === "--") break;
  else {
    console.error(`run-node-wasi: unknown flag ${flag}`);
    process.exit(2);
  }
}
if (!argv.length) {
  console.error("usage: run-node-wasi.mjs [--root DIR] [--env K=V]... PROG.wasm [ARGS...]");
  process.exit(2);
}
if (!root) {
  root = mkdtempSync(join(tmpdir(), "wasi-root-"));
  console.error(`run-node-wasi: root ${root}`);
}
const [prog, ...args] = argv;
// node:wasi prints an ExperimentalWarning; keep stderr quiet for parsers.
process.removeAllListeners("warning");
const wasi = new WASI({
  version: "preview1",
  args: [basename(prog), ...args],
  env,
  preopens: { "/": root },
  returnOnExit: true,
});
const mod = await WebAssembly.compile(readFileSync(prog));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
const code = wasi.start(inst);
process.exitCode = code;
