/**
 * `node --import tsx run-once.ts layerfs|node DIR ARGS...`: bench.wasm ARGS
 * once over host directory DIR, through `layerfs run --layer DIR` (the CLI's
 * own code) or node:wasi with DIR preopened as "/"; the guest's output on
 * stdout (bench/lib/fresh-process.ts).
 */
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";
import { main } from "../../src/cli/main.ts";

const BENCH_WASM = new URL("../wasm/bench.wasm", import.meta.url).pathname;
const [runtime, dir, ...args] = process.argv.slice(2);
if ((runtime !== "layerfs" && runtime !== "node") || dir === undefined) {
  process.stderr.write("usage: run-once.ts layerfs|node DIR ARGS...\n");
  process.exit(2);
}
if (runtime === "layerfs") {
  process.exitCode = await main(["run", "--layer", dir, BENCH_WASM, ...args]);
} else {
  const wasi = new WASI({ version: "preview1", args: ["bench.wasm", ...args], env: {}, preopens: { "/": dir }, returnOnExit: true });
  const module = await WebAssembly.compile(readFileSync(BENCH_WASM));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
  process.exitCode = wasi.start(instance);
}
