/**
 * Issue 3 (WASI): bench.wasm workloads under layerfs (memory upper over a
 * 1-layer and a 16-layer image), browser_wasi_shim 0.4.2's own in-memory
 * PreopenDirectory, and node:wasi on a tmpfs directory.
 */
import { mkdirSync, rmSync } from "node:fs";
import { File } from "@bjorn3/browser_wasi_shim";
import { DEFAULT_CHUNK_POOL_LIMIT, Image, MemoryLayer, Union, setChunkPoolLimit, trimChunkPool } from "../../src/mod.ts";
import type { Config } from "../lib/config.ts";
import { underLayerfs, underNodeWasi, underShim } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { add, fmt, header } from "../lib/report.ts";
import { gc, median, MiB } from "../lib/stats.ts";
import { bigBytes, hostTree, removeTree, memoryLayers, shimRoot, treeFiles } from "../lib/trees.ts";

type Workload = "churn" | "walk" | "readbig" | "writebig";
const WORKLOADS: Workload[] = ["churn", "walk", "readbig", "writebig"];
const METADATA = new Set<Workload>(["churn", "walk"]);

/** Raw runs of the last roundRobin call, by runtime. */
export const samples = new Map<string, number[]>();

/**
 * Median guest time per runtime. Runs are interleaved (one run of each runtime
 * per round, after `warmup` untimed rounds, in roundOrder's order) so that load
 * from other processes on the machine hits every runtime alike.
 */
/**
 * Round `i`'s order of `n` runtimes: a Williams design, so that over n rounds
 * (2n for an odd n) each runtime directly follows every other exactly once. A
 * rotation of one fixed order (what this was) gives every runtime the same
 * predecessor in every round.
 */
export function roundOrder(n: number, i: number): number[] {
  const base: number[] = [];
  for (let k = 0, lo = 1, hi = n - 1; k < n; k++) base.push(k === 0 ? 0 : k % 2 === 1 ? lo++ : hi--);
  const r = i % (n % 2 === 0 ? n : 2 * n);
  const row = base.map((v) => (v + r) % n);
  return n % 2 === 1 && r >= n ? row.reverse() : row;
}

export async function roundRobin(
  runners: ReadonlyMap<string, () => Promise<GuestResult>>, runs: number, warmup: number,
): Promise<Map<string, number>> {
  const started = performance.now();
  const all = new Map<string, number[]>([...runners.keys()].map((k) => [k, []]));
  // One forced gc() first, none between runs: a full gc() ages out (flushes) the
  // bytecode of functions not used since, so the run after another runtime's run paid it.
  gc();
  const order = [...runners];
  for (let i = 0; i < warmup + runs; i++) {
    // A run pays a little for the one before it (caches, JIT state, the heap another
    // runtime left: after browser_wasi_shim's run, 0.4-1.9 ms of readbig), so each
    // runtime must follow each other one equally often, not just start rounds equally.
    for (const j of roundOrder(order.length, i)) {
      const [name, once] = order[j]!;
      const r = await once();
      if (i >= warmup) all.get(name)!.push(r.ms);
    }
  }
  if (process.env.LAYERFS_BENCH_VERBOSE) {
    console.log(`   runs (${((performance.now() - started) / 1000).toFixed(1)} s): ` + [...all].map(([k, v]) => `${k} [${v.map((x) => x.toFixed(0)).join(" ")}]`).join("  "));
  }
  for (const [k, v] of all) samples.set(k, v);
  return new Map([...all].map(([k, v]) => [k, median(v)]));
}

export async function wasiWorkloads(cfg: Config): Promise<void> {
  header(`Issue 3: WASI workloads (bench.wasm; ratio = time / peer time)`);
  const files = treeFiles(cfg.treeFiles);
  const bigSize = cfg.bigMiB * MiB;
  const args: Record<Workload, (mib: number) => string[]> = {
    churn: () => ["churn"],
    walk: () => ["walk", "/tree"],
    readbig: () => ["readbig", "/big.bin"],
    writebig: (mib) => ["writebig", "/out.bin", String(mib)],
  };
  const bigRuns = cfg.bigRuns;
  const runsOf = (w: Workload) => (METADATA.has(w) ? cfg.runs : bigRuns);

  const big = bigBytes(bigSize);
  const results = new Map<string, number>(); // `${runtime}/${workload}` -> ms
  const raw = new Map<string, number[]>();

  // layerfs over a 1-layer and a deep image; each image is shared by all runs
  // (its lazy indexes are built by the first one), each run gets a fresh union.
  const images = new Map<string, Image>();
  // JIT warm-up on a separate small image, so the cold rows below measure index building.
  const small = new Image(memoryLayers(1, treeFiles(500), new Uint8Array(0)));
  for (let i = 0; i < 3; i++) {
    await underLayerfs(new Union(small, new MemoryLayer()), ["walk", "/tree"]);
    await underLayerfs(new Union(small, new MemoryLayer()), ["churn"]);
  }
  for (const layers of [1, cfg.deepLayers]) {
    const image = new Image(memoryLayers(layers, files, big));
    const cold = await underLayerfs(new Union(image, new MemoryLayer()), args.walk(0));
    add({ id: "3/walk", what: `layerfs ${layers}-layer: first walk of a fresh image (builds its indexes; info)`, value: cold.ms, unit: "ms" });
    images.set(`layerfs-${layers}`, image);
  }
  // browser_wasi_shim: the same tree in its own PreopenDirectory (rebuilt per run; big.bin shared, read-only).
  const bigFile = new File(big, { readonly: true });
  // node:wasi on tmpfs.
  const nodeDir = `${cfg.dir}/nodewasi`;
  mkdirSync(cfg.dir, { recursive: true });
  hostTree(nodeDir, files, big);

  // Each run disposes its union when done (as a host running guest after guest should): its
  // memory upper's chunk buffers go to the chunk pool, and the next run writes into them.
  const layerfsRun = (image: Image, w: Workload) => async (): Promise<GuestResult> => {
    const union = new Union(image, new MemoryLayer());
    try {
      return await underLayerfs(union, args[w](cfg.writeMiB));
    } finally {
      union.dispose();
    }
  };
  const coldWrite = new Map<string, number>();
  for (const w of WORKLOADS) {
    const runners = new Map<string, () => Promise<GuestResult>>();
    for (const [name, image] of images) runners.set(name, layerfsRun(image, w));
    if (w === "writebig") {
      // The pool sized to the file written (a host writing such files run after run would size
      // it so; the default is 64 MiB), and a cold run of each image first: an empty pool, so
      // that run writes into fresh memory and pays the first-touch page faults.
      setChunkPoolLimit(Math.max(DEFAULT_CHUNK_POOL_LIMIT, cfg.writeMiB * MiB));
      for (const [name, run] of runners) {
        trimChunkPool();
        gc();
        coldWrite.set(name, (await run()).ms);
      }
    }
    if (w !== "writebig") runners.set("shim", () => underShim(shimRoot(files, bigFile), args[w](0)));
    runners.set("node", async () => {
      const r = await underNodeWasi(nodeDir, args[w](cfg.writeMiB), cfg.dir);
      rmSync(`${nodeDir}/out.bin`, { force: true });
      removeTree(`${nodeDir}/bench`);
      return r;
    });
    for (const [name, ms] of await roundRobin(runners, runsOf(w), METADATA.has(w) ? 2 : 1)) {
      results.set(`${name}/${w}`, ms);
      raw.set(`${name}/${w}`, samples.get(name)!);
    }
  }
  setChunkPoolLimit(DEFAULT_CHUNK_POOL_LIMIT);
  trimChunkPool();
  // The shim's quadratic write path: one run at a capped size.
  gc();
  results.set("shim/writebig", (await underShim(shimRoot(files, bigFile), args.writebig(Math.min(cfg.shimWriteMiB, cfg.writeMiB)))).ms);
  removeTree(nodeDir);

  // Rows: per workload, 1-layer vs shim, deep vs 1-layer, both vs node:wasi.
  const deep = `layerfs-${cfg.deepLayers}`;
  const shimMiB = Math.min(cfg.shimWriteMiB, cfg.writeMiB);
  for (const w of WORKLOADS) {
    const one = results.get(`layerfs-1/${w}`)!;
    const many = results.get(`${deep}/${w}`)!;
    const shim = results.get(`shim/${w}`)!;
    const node = results.get(`node/${w}`)!;
    const rs = (k: string) => raw.get(k) ?? [];
    const S1 = { samples: rs(`layerfs-1/${w}`) };
    const SD = { samples: rs(`${deep}/${w}`) };
    const size = w === "readbig" ? cfg.bigMiB : w === "writebig" ? cfg.writeMiB : 0;
    const label = w === "churn" ? "churn 2,000 × 4 KiB" : w === "walk" ? `walk+stat ${cfg.treeFiles} files` : `${w} ${size} MiB`;
    const mbps = (ms: number, mib: number) => `${((mib * MiB) / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
    const speedNote = size > 0 ? mbps(one, size) : undefined;
    if (w === "writebig") {
      // The shim wrote fewer MiB (quadratic write path): compare time per MiB, which flatters the shim.
      const perMiB = one / cfg.writeMiB;
      const shimPerMiB = shim / shimMiB;
      const ratio = perMiB / shimPerMiB;
      add({
        id: `3/${w}`, what: `layerfs 1-layer: ${label} (per MiB vs shim)`, value: one, unit: "ms",
        peer: { name: `shim ${shimMiB} MiB`, value: shim, unit: "ms" }, ratio, target: "≤ 1.00× shim", pass: ratio <= 1, ...S1,
        note: `layerfs ${mbps(one, cfg.writeMiB)}; shim ${mbps(shim, shimMiB)} at ${shimMiB} MiB (quadratic: slower at ${cfg.writeMiB} MiB), LAYERFS_BENCH_SHIM_WRITE_MIB`,
      });
    } else {
      const ratio = one / shim;
      add({
        id: `3/${w}`, what: `layerfs 1-layer: ${label}`, value: one, unit: "ms",
        peer: { name: "shim", value: shim, unit: "ms" }, ratio, target: "≤ 1.00× shim", pass: ratio <= 1, ...S1, peerSamples: rs(`shim/${w}`),
        ...(speedNote !== undefined ? { note: speedNote } : {}),
      });
    }
    if (w === "writebig") {
      add({
        id: `3/${w}`, what: `layerfs 1 / ${cfg.deepLayers} layers: ${label}, cold first run (empty chunk pool: fresh memory; info)`,
        value: coldWrite.get("layerfs-1")!, unit: "ms", note: `${cfg.deepLayers} layers ${fmt(coldWrite.get(deep)!, "ms")}`,
      });
    }
    const dr = many / one;
    add({
      id: `3/${w}`, what: `layerfs ${cfg.deepLayers}-layer: ${label}`, value: many, unit: "ms",
      peer: { name: "1-layer", value: one, unit: "ms" }, ratio: dr, target: "≤ 1.20× 1-layer", pass: dr <= 1.2, ...SD, peerSamples: rs(`layerfs-1/${w}`),
    });
    if (METADATA.has(w)) {
      for (const [name, v, S] of [["1-layer", one, S1], [`${cfg.deepLayers}-layer`, many, SD]] as const) {
        const r = v / node;
        add({
          id: `3/${w}`, what: `layerfs ${name} vs node:wasi (tmpfs): ${label}`, value: v, unit: "ms",
          peer: { name: "node:wasi", value: node, unit: "ms" }, ratio: r, target: "≤ 2.00× node:wasi", pass: r <= 2, ...S, peerSamples: rs(`node/${w}`),
        });
      }
    } else {
      add({
        id: `3/${w}`, what: `layerfs 1-layer vs node:wasi (tmpfs): ${label} (info)`, value: one, unit: "ms",
        peer: { name: "node:wasi", value: node, unit: "ms" }, ratio: one / node, note: `node:wasi ${mbps(node, size)}`, ...S1, peerSamples: rs(`node/${w}`),
      });
    }
  }
  console.log(`   (shim writebig: ${shimMiB} MiB in ${fmt(results.get("shim/writebig")!, "ms")}; raise with LAYERFS_BENCH_SHIM_WRITE_MIB)`);
}
