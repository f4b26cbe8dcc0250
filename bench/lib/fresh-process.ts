/**
 * bench.wasm run once in a new process (as one `layerfs run` is), under the
 * layerfs CLI or node:wasi: the guest-timed figure of a cold process, whose
 * JavaScript has not been compiled by any earlier run. Started through the
 * helper shell (no fork of the bench process). `node --import tsx` runs the
 * CLI from source, so the figure is the checkout's, not a stale dist/'s.
 */
import { fileURLToPath } from "node:url";
import { inHelperShell } from "./helper-shell.ts";

const ONCE = fileURLToPath(new URL("./run-once.ts", import.meta.url));

/** Guest ms of one run of `bench.wasm args` over host directory `dir` in a fresh process. */
export function inFreshProcess(runtime: "layerfs" | "node", dir: string, args: readonly string[]): number {
  const r = inHelperShell([process.execPath, "--import", "tsx", ONCE, runtime, dir, ...args]);
  const m = /workload=\S+ ms=([\d.]+)/.exec(r.stdout);
  if (r.status !== 0 || m === null) throw new Error(`bench.wasm in a fresh ${runtime} process failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return Number(m[1]);
}
