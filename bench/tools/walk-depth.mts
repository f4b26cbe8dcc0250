// Row 3/walk, 16 vs 1 layer, in one process: the images built as bench/sections/wasi.ts
// builds them (bench/lib/trees.ts memoryLayers), each walked once cold, then bench.wasm's
// `walk /tree` interleaved over the images (ROUNDS rounds, each round in another order),
// medians printed; then the same walk made directly on the Union API (readdirEntries +
// lstat of each entry, as the guest does), and per-walk counts of the layers' calls.
// Not part of `npm run bench`. Bundle first (GUIDE.md), run in the worktree (it reads bench/wasm/bench.wasm):
//   npx esbuild bench/tools/walk-depth.mts --bundle --platform=node --format=esm --outfile=/tmp/walk-depth.mjs
//   node --expose-gc /tmp/walk-depth.mjs [ROUNDS] [guest|direct|both|cold]  (cold: first walks of fresh images)
// WALK_IMAGES: comma list of images (default "1,16"): N = the bench's N-layer image;
//   Ntop = N layers, every file in the top one; 1rr = 1 layer, its files added in the
//   16-layer image's order (layer by layer). WALK_ONLY=LABEL times only that image.
// WALK_PROF=FILE: a CPU profile of the timed guest runs only (not the images' build).
import { readFileSync, writeFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { Image, MemoryLayer, Union, run } from "../../src/mod.ts";
import type { MemorySpec } from "../../src/mod.ts";
import { FILE_BYTES, memoryLayers, treeFiles } from "../lib/trees.ts";

const [roundsArg = "30", mode = "both"] = process.argv.slice(2);
const rounds = Number(roundsArg);
const labels = (process.env.WALK_IMAGES ?? "1,16").split(",");
const only = process.env.WALK_ONLY;
const timed = labels.filter((l) => only === undefined || l === only);
const files = treeFiles(10_000);
const big = new Uint8Array(1024);
const med = (x: number[]) => { const s = [...x].sort((p, q) => p - q); return s[s.length >> 1]!; };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

// Not bench/lib/guest.ts: it imports the CLI, whose entry check runs it inside a bundle.
const wasm = await WebAssembly.compile(readFileSync(process.env.BENCH_WASM ?? "bench/wasm/bench.wasm"));
async function underLayerfs(union: Union, args: string[]): Promise<number> {
  let out = "";
  const code = await run(wasm, { union, args: ["bench.wasm", ...args], stdout: (b) => void (out += new TextDecoder().decode(b)), stderr: () => {}, stdin: "" });
  const m = /ms=([\d.]+)/.exec(out);
  if (code !== 0 || m === null) throw new Error(`bench.wasm failed (exit ${code}): ${out}`);
  return Number(m[1]);
}

function layersOf(label: string): MemoryLayer[] {
  const m = /^(\d+)(top|rr)?$/.exec(label);
  if (m === null) throw new Error(`unknown image ${label}`);
  const n = Number(m[1]);
  if (m[2] === undefined) return memoryLayers(n, files, big);
  const dirs = new Set(files.map((p) => p.slice(0, p.lastIndexOf("/"))));
  const specs: MemorySpec[] = Array.from({ length: n }, () => ({}));
  if (m[2] === "top") for (const p of files) specs[n - 1]![p] = FILE_BYTES;
  else for (let l = 15; l >= 0; l--) for (let i = l; i < files.length; i += 16) specs[0]![files[i]!] = FILE_BYTES;
  for (const spec of specs) for (const d of dirs) spec[d + "/"] = {};
  specs[0]!["big.bin"] = big;
  return specs.map((s) => MemoryLayer.from(s, { timeNs: 0n, freeze: true }));
}

const images = new Map(labels.map((l) => [l, new Image(layersOf(l))]));

/** Layer method calls, by name (MemoryLayer's prototype wrapped while counting: the upper's too). */
const calls = new Map<string, number>();
async function countLayerCalls<T>(f: () => T | Promise<T>): Promise<T> {
  const proto = MemoryLayer.prototype as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  for (const k of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, k)!;
    if (k === "constructor" || typeof d.value !== "function") continue;
    saved.set(k, d.value);
    const orig = d.value as (...a: unknown[]) => unknown;
    proto[k] = function (this: unknown, ...a: unknown[]) { calls.set(k, (calls.get(k) ?? 0) + 1); return orig.apply(this, a); };
  }
  try {
    return await f();
  } finally {
    for (const [k, v] of saved) proto[k] = v;
  }
}

/** The guest's walk made on the Union API: readdir each directory, lstat each entry, recurse. */
function directWalk(union: Union): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of union.readdirEntries(dir)) {
      const p = dir + "/" + e.name;
      n++;
      if (union.lstat(p).type === "dir") walk(p);
    }
  };
  walk("/tree");
  return n;
}

const guestRun = async (label: string) => {
  const union = new Union(images.get(label)!, new MemoryLayer());
  try {
    return await underLayerfs(union, ["walk", "/tree"]);
  } finally {
    union.dispose();
  }
};

async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.WALK_PROF;
  if (file === undefined) return undefined;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

let gcMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ["gc"] });

/** ROUNDS interleaved rounds of `once` over the timed images (round i starts at image i mod n); medians of ms and GC ms. */
async function rounds_(once: (label: string) => Promise<number>): Promise<Map<string, { ms: number[]; gc: number[] }>> {
  const r = new Map(timed.map((l) => [l, { ms: [] as number[], gc: [] as number[] }]));
  for (let i = 0; i < 3; i++) for (const l of timed) await once(l);
  gc();
  const stop = await startProfile();
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < timed.length; k++) {
      const l = timed[(i + k) % timed.length]!;
      const g0 = gcMs;
      const ms = await once(l);
      await new Promise((res) => setImmediate(res)); // the gc entries of this run are delivered
      r.get(l)!.ms.push(ms);
      r.get(l)!.gc.push(gcMs - g0);
    }
  }
  await stop?.();
  return r;
}

function report(what: string, r: Map<string, { ms: number[]; gc: number[] }>): void {
  const base = r.get(timed[0]!)!;
  for (const [l, { ms, gc: g }] of r) {
    const paired = ms.map((x, i) => x / base.ms[i]!);
    console.log(`${what} ${l.padEnd(6)} ${med(ms).toFixed(2)} ms (GC ${med(g).toFixed(2)}), vs ${timed[0]}: ${(med(ms) / med(base.ms)).toFixed(3)}× (paired ${med(paired).toFixed(3)}×)`);
  }
}

// JIT warm-up on a small image first, as the bench does, so the cold walks below measure index building.
const small = new Image(memoryLayers(1, treeFiles(500), new Uint8Array(0)));
for (let i = 0; i < 3; i++) await underLayerfs(new Union(small, new MemoryLayer()), ["walk", "/tree"]);
const heapUsed = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
for (const l of labels) {
  const before = heapUsed();
  const cold = await guestRun(l);
  const index = (heapUsed() - before) / (files.length + 110); // what the first walk left: the image's lower index
  calls.clear();
  const warm = await countLayerCalls(() => guestRun(l));
  console.log(`${l}: cold guest walk ${cold.toFixed(2)} ms (index left: ${index.toFixed(0)} B per entry); a warm one ${warm.toFixed(2)} ms, layer calls ${JSON.stringify(Object.fromEntries(calls))}`);
}
if (mode === "cold") {
  // The first walk of a fresh image (what builds its indexes), ROUNDS times per image, JIT warm.
  const r = new Map(timed.map((l) => [l, { ms: [] as number[], gc: [] as number[] }]));
  for (let i = 0; i < rounds; i++) {
    for (const l of timed) {
      images.set(l, new Image(layersOf(l)));
      gc();
      const g0 = gcMs;
      const ms = await guestRun(l);
      await new Promise((res) => setImmediate(res));
      r.get(l)!.ms.push(ms);
      r.get(l)!.gc.push(gcMs - g0);
    }
  }
  report("cold  ", r);
}
if (mode === "guest" || mode === "both") report("guest ", await rounds_(guestRun));
if (mode === "direct" || mode === "both") {
  report("direct", await rounds_(async (l) => {
    const union = new Union(images.get(l)!, new MemoryLayer());
    const t0 = performance.now();
    directWalk(union);
    const ms = performance.now() - t0;
    union.dispose();
    return ms;
  }));
}
