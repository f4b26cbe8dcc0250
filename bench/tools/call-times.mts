// Time per WASI call kind of bench.wasm's churn (or another workload), under layerfs (createWasi
// over a host lower and a locked host upper, as `layerfs run --layer --upper`) and under the bare
// host (bench/lib/bare-host.ts, the least a JavaScript host on node:fs does), alternating runs in
// one process: µs per call (median over rounds of each kind's mean). Both sides pay the same
// wrapper (two performance.now() per call). Not part of `npm run bench`.
// usage: node --expose-gc --import tsx bench/tools/call-times.mts [WORK=churn] [ROUNDS=15]   (CALL_TIMES_DIR)
import { mkdirSync } from "node:fs";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/node.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { underBareHost } from "../lib/bare-host.ts";
import { benchArgs, benchModule, parseGuestOutput } from "../lib/guest.ts";
import { median } from "../lib/stats.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree } from "../lib/trees.ts";

const [work = "churn", roundsArg = "15"] = process.argv.slice(2);
const DIR = process.env.CALL_TIMES_DIR ?? "/dev/shm/call-times";
const plain = `${DIR}/plain`, upper = `${DIR}/upper`;
hostTree(plain, [], bigBytes(work === "readbig" ? 256 << 20 : 4096));
const args = benchArgs(work);
type Fn = (...a: never[]) => unknown;
type Times = Map<string, { n: number; ms: number }>;

function wrap(imports: Record<string, Fn>, t: Times): Record<string, Fn> {
  const out: Record<string, Fn> = {};
  for (const [name, fn] of Object.entries(imports)) {
    const slot = { n: 0, ms: 0 };
    t.set(name, slot);
    // path_open: creations (O_CREAT) apart from opens of what exists.
    const creat = { n: 0, ms: 0 };
    if (name === "path_open") t.set("path_open O_CREAT", creat);
    out[name] = (...a: never[]) => {
      const s = name === "path_open" && ((a[4] as unknown as number) & 1) !== 0 ? creat : slot;
      const t0 = performance.now();
      try { return fn(...a); } finally { s.ms += performance.now() - t0; s.n++; }
    };
  }
  return out;
}

async function layerfs(t: Times): Promise<void> {
  removeTree(upper);
  mkdirSync(upper);
  const union = new Union(new Image([dirLayer(plain)]), dirLayer(upper, { writable: true, lock: true }));
  const dec = new TextDecoder();
  let out = "";
  const wasi = createWasi({ union, args: ["bench.wasm", ...args], stdout: (b: Uint8Array) => void (out += dec.decode(b)), stderr: () => {} });
  const imports = wasi.imports as unknown as { wasi_snapshot_preview1: Record<string, Fn> };
  const inst = await WebAssembly.instantiate(await benchModule(), { wasi_snapshot_preview1: wrap(imports.wasi_snapshot_preview1, t) } as WebAssembly.Imports);
  const code = wasi.start(inst as unknown as { exports: Record<string, unknown> });
  union.close();
  union.dispose();
  parseGuestOutput(out, "", code, "layerfs");
  removeTree(upper);
}

async function bare(t: Times): Promise<void> {
  await underBareHost(plain, args, (i) => wrap(i, t));
  removeGuestOutput(plain);
}

const runs: Record<string, Times[]> = { layerfs: [], bare: [] };
const R = Number(roundsArg);
// CALL_TIMES_ONLY=layerfs|bare: one side only (to profile it).
const ONLY = process.env.CALL_TIMES_ONLY;
for (let r = 0; r <= R; r++) {
  for (const [name, fn] of (r % 2 === 0 ? [["layerfs", layerfs], ["bare", bare]] : [["bare", bare], ["layerfs", layerfs]]) as [string, (t: Times) => Promise<void>][]) {
    if (ONLY !== undefined && ONLY !== name) continue;
    const t: Times = new Map();
    (globalThis as { __side?: string }).__side = r > 0 ? name : "warm";
    await fn(t);
    if (r > 0) runs[name]!.push(t);
  }
}
const ref = runs.layerfs![0] ?? runs.bare![0]!;
const names = [...ref.keys()].filter((k) => runs.layerfs![0]!.get(k)!.n >= 1);
console.log(`${work}: µs per call (median of ${R} runs), calls per run`);
for (const k of names) {
  const per = (side: string) => runs[side]!.length === 0 ? NaN : median(runs[side]!.map((t) => { const s = t.get(k)!; return (s.ms * 1000) / Math.max(1, s.n); }));
  const tot = (side: string) => runs[side]!.length === 0 ? NaN : median(runs[side]!.map((t) => t.get(k)!.ms));
  console.log(`  ${k.padEnd(20)} ${String(ref.get(k)!.n).padStart(6)}  layerfs ${per("layerfs").toFixed(2).padStart(6)}  bare ${per("bare").toFixed(2).padStart(6)}  ms/run ${tot("layerfs").toFixed(2)} vs ${tot("bare").toFixed(2)}`);
}
const fsTimes = (globalThis as { __fsTimes?: Map<string, { n: number; ms: number }> }).__fsTimes;
if (fsTimes !== undefined) {
  console.log("node:fs calls (node --import ./fswrap.mjs), µs per call:");
  for (const [k, v] of [...fsTimes].sort()) if (!k.startsWith("warm") && v.n >= 1000) console.log(`  ${k.padEnd(24)} ${String(v.n / R).padStart(6)}  ${((v.ms * 1000) / v.n).toFixed(2)}`);
}
