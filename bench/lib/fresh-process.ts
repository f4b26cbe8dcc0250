/**
 * bench.wasm run once in a new process (as one `layerfs run` is), under the
 * layerfs CLI or node:wasi: the guest-timed figure of a cold process, whose
 * JavaScript has not been compiled by any earlier run. Started through the
 * helper shell (no fork of the bench process). `node --import tsx` runs the
 * CLI from source, so the figure is the checkout's, not a stale dist/'s.
 */
import { fileURLToPath } from "node:url";
import { parseGuestOutput } from "./guest.ts";
import { inHelperShell } from "./helper-shell.ts";

const ONCE = fileURLToPath(new URL("./run-once.ts", import.meta.url));

/** Guest ms of one run of `bench.wasm args` over host directory `dir` in a fresh process. */
export function inFreshProcess(runtime: "layerfs" | "node", dir: string, args: readonly string[]): number {
  const r = inHelperShell([process.execPath, "--import", "tsx", ONCE, runtime, dir, ...args]);
  return parseGuestOutput(r.stdout, r.stderr, r.status, `a fresh ${runtime} process`).ms;
}
