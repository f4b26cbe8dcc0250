/**
 * bench.wasm run once in a new process (as one `layerfs run` is), under the
 * layerfs CLI or node:wasi: the guest-timed figure of a cold process, whose
 * JavaScript no earlier run in that process has compiled. Started through the
 * helper shell (no fork of the bench process). layerfs is the checkout's CLI as
 * users run it (bench/lib/cli-copy.ts: bin/layerfs.js over a bundle of src/,
 * with its V8 code cache); node:wasi runs from bench/lib/run-once.ts.
 */
import { fileURLToPath } from "node:url";
import { cliCopy } from "./cli-copy.ts";
import { parseGuestOutput } from "./guest.ts";
import { inHelperShell } from "./helper-shell.ts";

const ONCE = fileURLToPath(new URL("./run-once.ts", import.meta.url));
const BENCH_WASM = fileURLToPath(new URL("../wasm/bench.wasm", import.meta.url));

/** Guest ms of one run of `bench.wasm args` over host directory `dir` in a fresh process. */
export function inFreshProcess(runtime: "layerfs" | "node", dir: string, args: readonly string[]): number {
  const argv = runtime === "layerfs"
    ? [process.execPath, cliCopy(), "run", "--layer", dir, BENCH_WASM, ...args]
    : [process.execPath, "--import", "tsx", ONCE, "node", dir, ...args];
  const r = inHelperShell(argv);
  return parseGuestOutput(r.stdout, r.stderr, r.status, `a fresh ${runtime} process`).ms;
}
