// Rows 4/churn --upper, 4/writebig --upper and 4/readbig through the bench's own
// runners (bench/lib/guest.ts: the CLI in process, node:wasi), as one bundle whose
// exports upper-io-driver.mjs interleaves with another build's bundle in one process
// (an A/B), measuring each run inside the guest's own timed window.
// usage: npx esbuild bench/tools/upper-io.mts --bundle --platform=node --format=esm \
//          --external:@bjorn3/browser_wasi_shim --outfile=DIR/lib/X.mjs   (DIR/wasm -> bench/wasm)
//        node --expose-gc bench/tools/upper-io-driver.mjs WORK ORDER ROUNDS NAME=X.mjs...
// Not part of `npm run bench`.
import { mkdirSync } from "node:fs";
import { File } from "@bjorn3/browser_wasi_shim";
import { benchArgs, underCli, underNodeWasi, underShim, writeHog } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree, shimRoot } from "../lib/trees.ts";
import { floor as churnFloor, totalMs } from "./churn-ops.mts";

export type Work = "churn-upper" | "writebig-upper" | "readbig" | "churn";

const MiB = 1024 * 1024;

/** The workload's bench.wasm arguments and whether layerfs gets a host upper. */
function workArgs(work: Work): { args: string[]; hostUpper: boolean } {
  return { args: benchArgs(work), hostUpper: work.endsWith("-upper") };
}

/** The host tree under `dir` (plain/big.bin of 256 MiB), made once per process. */
let made: string | undefined;
let bigFile: File | undefined;
export function setup(dir: string): void {
  if (made === dir) return;
  const big = bigBytes(256 * MiB);
  hostTree(`${dir}/plain`, [], big);
  mkdirSync(`${dir}/scratch`, { recursive: true });
  bigFile = new File(big);
  made = dir;
}

/** layerfs through the CLI (`layerfs run --layer plain [--upper DIR/upper-TAG]`), the upper removed before and right after the run, as the bench does. */
export async function layerfs(dir: string, work: Work, tag = "a"): Promise<GuestResult> {
  const { args, hostUpper } = workArgs(work);
  const upper = `${dir}/upper-${tag}`;
  if (hostUpper) removeTree(upper);
  try {
    return await underCli(hostUpper ? ["--layer", `${dir}/plain`, "--upper", upper] : ["--layer", `${dir}/plain`], args);
  } finally {
    if (hostUpper) removeTree(upper); // right after the run, as the bench does (bench/sections/host-dirs.ts)
  }
}

/** node:wasi on the plain directory, its output removed right after, as the bench does. */
export async function node(dir: string, work: Work): Promise<GuestResult> {
  const { args } = workArgs(work);
  const r = await underNodeWasi(`${dir}/plain`, args, `${dir}/scratch`);
  removeGuestOutput(`${dir}/plain`);
  return r;
}

/** browser_wasi_shim on its own in-memory tree (readbig only in the bench). */
export async function shim(_dir: string, work: Work): Promise<GuestResult> {
  return await underShim(shimRoot([], bigFile), workArgs(work).args);
}

/** Stands in for the kernel peer of a write row: 64 MiB written into tmpfs in 64 KiB blocks, removed after. */
export function hog(dir: string): Promise<GuestResult> {
  return writeHog(`${dir}/scratch`);
}

/** The floor of churn --upper: its host calls straight on node:fs in DIR/floor (churn-ops.mts); ms: the sum of the calls' times. */
export function floor(dir: string, mark?: () => void): Promise<GuestResult> {
  return Promise.resolve({ workload: "churn-floor", ms: totalMs(churnFloor(dir, mark)), ops: 10000 });
}
