// Rows 4/churn --upper, 4/writebig --upper and 4/readbig through the bench's own
// runners (bench/lib/guest.ts: the CLI in process, node:wasi), as one bundle whose
// exports upper-io-driver.mjs interleaves with another build's bundle in one process
// (an A/B), measuring each run inside the guest's own timed window.
// usage: npx esbuild bench/tools/upper-io.mts --bundle --platform=node --format=esm \
//          --external:@bjorn3/browser_wasi_shim --outfile=DIR/lib/X.mjs   (DIR/wasm -> bench/wasm)
//        node --expose-gc bench/tools/upper-io-driver.mjs WORK ORDER ROUNDS NAME=X.mjs...
// Not part of `npm run bench`.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { File } from "@bjorn3/browser_wasi_shim";
import { benchArgs, underCli, underNodeWasi, underShim, writeHog } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree, shimRoot } from "../lib/trees.ts";

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

/** layerfs through the CLI (`layerfs run --layer plain [--upper DIR/upper-TAG]`), the upper removed before the run, as the bench does. */
export async function layerfs(dir: string, work: Work, tag = "a"): Promise<GuestResult> {
  const { args, hostUpper } = workArgs(work);
  const upper = `${dir}/upper-${tag}`;
  if (hostUpper) removeTree(upper);
  return await underCli(hostUpper ? ["--layer", `${dir}/plain`, "--upper", upper] : ["--layer", `${dir}/plain`], args);
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

/**
 * The floor of churn --upper: bench.wasm's churn written straight on node:fs with the
 * host calls layerfs makes for it (O_NOFOLLOW|O_NONBLOCK opens, O_EXCL creates, pwrite,
 * pread, bigint lstat, unlink) in DIR/floor/bench, timed like the guest times itself
 * (`mark`: called where the guest would read its clock).
 */
export function floor(dir: string, mark?: () => void): Promise<GuestResult> {
  const C = constants;
  const nf = C.O_NOFOLLOW | C.O_NONBLOCK;
  const root = `${dir}/floor`;
  removeTree(root);
  mkdirSync(`${root}/bench`, { recursive: true });
  const data = new Uint8Array(4096).map((_, i) => (i * 7) & 255);
  const back = new Uint8Array(4096);
  const opts = { bigint: true, throwIfNoEntry: false } as const;
  const name = (i: number): string => `${root}/bench/f${String(i).padStart(5, "0")}`;
  mark?.();
  const t = performance.now();
  for (let i = 0; i < 2000; i++) {
    const fd = openSync(name(i), C.O_RDWR | C.O_CREAT | C.O_EXCL | nf, 0o644);
    writeSync(fd, data, 0, 4096, 0);
    closeSync(fd);
  }
  for (let i = 0; i < 2000; i++) {
    const p = name(i);
    const fd = openSync(p, C.O_RDONLY | nf, 0o644);
    if (readSync(fd, back, 0, 4096, 0) !== 4096) throw new Error("short read");
    closeSync(fd);
    if (lstatSync(p, opts)?.size !== 4096n) throw new Error("bad size");
  }
  for (let i = 0; i < 2000; i++) unlinkSync(name(i));
  const ms = performance.now() - t;
  mark?.();
  return Promise.resolve({ workload: "churn-floor", ms, ops: 10000 });
}
