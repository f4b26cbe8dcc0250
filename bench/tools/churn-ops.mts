// Where churn --upper's time goes, per kind of call: bench.wasm's churn (2,000 × 4 KiB
// create/write/close, open/read/close/stat, unlink) made through the Union API on a
// locked host-directory upper over a DirLayer lower (as `layerfs run --layer --upper`,
// without the WASI layer), next to the same host calls made straight on node:fs (the
// floor), alternating in one process; each call timed, ms per run (median of rounds).
// usage: npx esbuild bench/tools/churn-ops.mts --bundle --platform=node --format=esm --outfile=/tmp/churn-ops.mjs
//        node --expose-gc /tmp/churn-ops.mjs [ROUNDS]   (CHURN_OPS_DIR, default /dev/shm/churn-ops; CHURN_OPS_ONLY)
// An A/B of builds: node --expose-gc bench/tools/churn-ops-ab.mjs ROUNDS NAME=BUNDLE.mjs... (alternating, rotated);
// importing this module runs nothing (upper-io.mts takes its floor from here).
// Not part of `npm run bench`.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/node.ts";
import { median } from "../lib/stats.ts";
import { removeTree } from "../lib/trees.ts";
import { pathToFileURL } from "node:url";

const DIR = process.env.CHURN_OPS_DIR ?? "/dev/shm/churn-ops";
const N = 2000;
const data = new Uint8Array(4096).map((_, i) => (i * 7) & 255);
const back = new Uint8Array(4096);
const now = (): number => performance.now();
export type Times = Record<string, number>;
const add = (t: Times, k: string, t0: number): void => { t[k] = (t[k] ?? 0) + now() - t0; };
const names = Array.from({ length: N }, (_, i) => `/bench/f${String(i).padStart(5, "0")}`);

export const kinds = ["create", "write", "close", "open", "read", "stat", "unlink"];

export function layerfs(): Times {
  const t: Times = {};
  removeTree(`${DIR}/upper`);
  mkdirSync(`${DIR}/upper`, { recursive: true });
  mkdirSync(`${DIR}/lower`, { recursive: true });
  const union = new Union(new Image([dirLayer(`${DIR}/lower`)]), dirLayer(`${DIR}/upper`, { writable: true, lock: true }));
  union.mkdir("/bench", 0o755);
  let t0: number;
  for (const p of names) {
    t0 = now(); const f = union.open(p, { write: true, create: true, truncate: true }); add(t, "create", t0);
    t0 = now(); f.write(data, 0); add(t, "write", t0);
    t0 = now(); f.close(); add(t, "close", t0);
  }
  for (const p of names) {
    t0 = now(); const f = union.open(p, {}); add(t, "open", t0);
    t0 = now(); f.read(back, 0); add(t, "read", t0);
    t0 = now(); f.close(); add(t, "close", t0);
    t0 = now(); union.stat(p); add(t, "stat", t0);
  }
  for (const p of names) { t0 = now(); union.unlink(p); add(t, "unlink", t0); }
  union.dispose();
  return t;
}

/** The same calls made on the host-directory upper itself (no union: where the union's own share ends). */
export function dirLayerOnly(): Times {
  const t: Times = {};
  removeTree(`${DIR}/upper`);
  mkdirSync(`${DIR}/upper/bench`, { recursive: true });
  const layer = dirLayer(`${DIR}/upper`, { writable: true, lock: true });
  layer.readdir("bench"); // its listing, as a union's mkdir gives it
  const paths = names.map((n) => n.slice(1));
  let t0: number;
  for (const p of paths) {
    t0 = now(); layer.stat(p); layer.stat(p.replace("/f", "/.wh.f")); const f = layer.createAndOpen(p, { mode: 0o644 }, true); add(t, "create", t0);
    t0 = now(); f.write(data, 0); add(t, "write", t0);
    t0 = now(); f.close(); add(t, "close", t0);
  }
  for (const p of paths) {
    t0 = now(); const f = layer.openKnownFile(p) ?? layer.open(p); add(t, "open", t0);
    t0 = now(); f.read(back, 0); add(t, "read", t0);
    t0 = now(); f.close(); add(t, "close", t0);
    t0 = now(); layer.stat(p); add(t, "stat", t0);
  }
  for (const p of paths) { t0 = now(); layer.stat(p); layer.unlink(p); add(t, "unlink", t0); }
  layer.close();
  return t;
}

/**
 * The floor in `dir`/floor/bench: the host calls layerfs makes for the churn (O_NOFOLLOW|O_NONBLOCK
 * opens, O_EXCL creates, pwrite, pread, bigint lstat, unlink) straight on node:fs. `mark`: called
 * where the guest would read its clock (its first and last call).
 */
export function floor(dir: string = DIR, mark?: () => void): Times {
  const t: Times = {};
  const C = constants;
  const nf = C.O_NOFOLLOW | C.O_NONBLOCK;
  const root = `${dir}/floor`;
  removeTree(root);
  mkdirSync(`${root}/bench`, { recursive: true });
  const opts = { bigint: true, throwIfNoEntry: false } as const;
  let t0: number;
  mark?.();
  for (const n of names) {
    const p = root + n;
    t0 = now(); const fd = openSync(p, C.O_RDWR | C.O_CREAT | C.O_EXCL | nf, 0o644); add(t, "create", t0);
    t0 = now(); writeSync(fd, data, 0, 4096, 0); add(t, "write", t0);
    t0 = now(); closeSync(fd); add(t, "close", t0);
  }
  for (const n of names) {
    const p = root + n;
    t0 = now(); const fd = openSync(p, C.O_RDONLY | nf); add(t, "open", t0);
    t0 = now(); readSync(fd, back, 0, 4096, 0); add(t, "read", t0);
    t0 = now(); closeSync(fd); add(t, "close", t0);
    t0 = now(); lstatSync(p, opts); add(t, "stat", t0);
  }
  for (const n of names) { t0 = now(); unlinkSync(root + n); add(t, "unlink", t0); }
  mark?.();
  return t;
}

/** Milliseconds of one run (the sum of its calls' times). */
export function totalMs(t: Times): number {
  return kinds.reduce((s, k) => s + (t[k] ?? 0), 0);
}

// Run as a program (not when imported): the three runners alternating.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

function main(): void {
const ROUNDS = Number(process.argv[2] ?? 9);
/** CHURN_OPS_ONLY=layerfs|floor|dirlayer: run one side only (to trace its host calls alone). */
const ONLY = process.env.CHURN_OPS_ONLY;
const runs: Record<string, Times[]> = { layerfs: [], dirlayer: [], floor: [] };
for (let r = 0; r <= ROUNDS; r++) {
  const order = [["layerfs", layerfs], ["floor", () => floor()], ["dirlayer", dirLayerOnly]] as const;
  for (let j = 0; j < order.length; j++) {
    const [name, fn] = order[(r + j) % order.length]!;
    if (ONLY !== undefined && ONLY !== name) continue;
    const t = fn();
    if (r > 0) runs[name]!.push(t);
  }
}
console.log(`churn ops, ms per run (median of ${ROUNDS}):`);
for (const [name, ts] of Object.entries(runs)) {
  if (ts.length === 0) continue;
  const m = kinds.map((k) => median(ts.map((t) => t[k] ?? 0)));
  const total = median(ts.map(totalMs));
  console.log(`  ${name.padEnd(8)} total ${total.toFixed(2).padStart(6)}  ${kinds.map((k, i) => `${k} ${m[i]!.toFixed(2)}`).join("  ")}`);
}
}
