/**
 * Issue 2 (union core): union creation cost, stat cost against layer count,
 * and lazy copy-up of a 4 KiB write into a big lower file.
 */
import { Image, MemoryLayer, Union } from "../../src/mod.ts";
import type { MemorySpec } from "../../src/mod.ts";
import type { Config } from "../lib/config.ts";
import { kernelCopyUp } from "../lib/kernel-copyup.ts";
import { add, header } from "../lib/report.ts";
import { gc, median, MiB, nowMs, retainedBytes } from "../lib/stats.ts";

const CHUNK = 64 * 1024;

export async function unionCore(cfg: Config): Promise<void> {
  header("Issue 2: union core");
  createUnions(cfg);
  statAcrossLayers(cfg);
  await copyUpWrite(cfg);
}

/** 1a: many unions sharing one image, each with its own empty MemoryLayer upper. */
function createUnions(cfg: Config): void {
  const spec: MemorySpec = {};
  for (let i = 0; i < cfg.imageFiles; i++) spec[`usr/share/d${i % 100}/f${i}`] = "x";
  const image = new Image([MemoryLayer.from(spec, { timeNs: 0n })]);
  image.rootEntry(); // the image exists before the sandboxes do
  const n = cfg.unions;
  const times: number[] = [];
  const heaps: number[] = [];
  let keep: Union[] = [];
  for (let run = 0; run <= cfg.runs; run++) {
    keep = [];
    const slots: Union[] = new Array(n);
    const before = retainedBytes();
    const t0 = nowMs();
    for (let i = 0; i < n; i++) slots[i] = new Union(image, new MemoryLayer());
    const t1 = nowMs();
    const after = retainedBytes();
    keep = slots; // alive while measuring
    if (run === 0) continue; // warm-up
    times.push(((t1 - t0) * 1000) / n);
    heaps.push((after - before) / n);
  }
  const us = median(times);
  const bytes = median(heaps);
  add({ id: "2a", what: `create ${n} unions (own MemoryLayer upper) over a ${cfg.imageFiles}-file image`, value: us, unit: "µs/union", target: "≤ 20 µs", pass: us <= 20 });
  add({ id: "2a", what: "heap retained per union (gc before/after, unions alive)", value: bytes, unit: "B/union", target: "≤ 2048 B", pass: bytes <= 2048 });
  keep = [];
}

/** 1b: stat of a bottom-only path under 1, 16 and 128 layers. */
function statAcrossLayers(cfg: Config): void {
  const counts = [1, cfg.deepLayers, 128];
  const path = "/usr/lib/pkg/bottom-only";
  const unions = new Map<number, Union>();
  for (const count of counts) {
    const layers: MemoryLayer[] = [];
    for (let l = 0; l < count; l++) {
      // Every layer shares the directories and adds its own files to them, so a
      // lookup that misses in the upper layers has real directories to search.
      const spec: MemorySpec = {};
      for (let i = 0; i < 20; i++) spec[`usr/lib/pkg/l${l}-f${i}`] = "y";
      spec[`etc/l${l}.conf`] = "z";
      if (l === 0) spec["usr/lib/pkg/bottom-only"] = "bottom";
      layers.push(MemoryLayer.from(spec, { timeNs: 0n }));
    }
    const u = new Union(new Image(layers), new MemoryLayer());
    if (u.stat(path).size !== 6) throw new Error("stat bench: wrong file");
    unions.set(count, u);
  }
  const iters = cfg.statIterations;
  let sink = 0;
  const runs = new Map<number, number[]>(counts.map((c) => [c, []]));
  // Warm-up rounds, then timed rounds, interleaving the layer counts.
  for (let r = 0; r < 2 + Math.max(7, cfg.runs); r++) {
    for (const count of counts) {
      const u = unions.get(count)!;
      const t0 = nowMs();
      for (let i = 0; i < iters; i++) sink += u.stat(path).size;
      if (r >= 2) runs.get(count)!.push(((nowMs() - t0) * 1e6) / iters);
    }
  }
  if (sink === 0) throw new Error("unreachable");
  const results = new Map<number, number>(counts.map((c) => [c, median(runs.get(c)!)]));
  const one = results.get(1)!;
  for (const count of counts) {
    const ns = results.get(count)!;
    if (count === 1) add({ id: "2b", what: "stat of a bottom-only path, 1 layer (warm, median)", value: ns, unit: "ns/stat" });
    else {
      const ratio = ns / one;
      const gated = count === 128;
      add({
        id: "2b", what: `stat of a bottom-only path, ${count} layers`, value: ns, unit: "ns/stat",
        peer: { name: "1 layer", value: one, unit: "ns" }, ratio,
        ...(gated ? { target: "≤ 1.5× 1-layer", pass: ratio <= 1.5 } : { note: "info" }),
      });
    }
  }
}

/** 1c: 4 KiB written into the middle of a big lower file (copy-up) vs copying the whole file. */
async function copyUpWrite(cfg: Config): Promise<void> {
  const size = cfg.bigMiB * MiB;
  const middle = Math.floor(size / 2);
  const data = new Uint8Array(4096).fill(0x5a);
  let lower: MemoryLayer | undefined;
  {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = i & 0xff; // real bytes, not a generated file
    lower = MemoryLayer.from({ "data/big.bin": bytes }, { timeNs: 0n });
  }
  const image = new Image([lower]);
  image.rootEntry();

  // layerfs: open for writing (copy-up) + pwrite 4 KiB, on a fresh union each time.
  const times: number[] = [];
  let upper = new MemoryLayer();
  for (let r = 0; r <= Math.max(10, cfg.runs * 4); r++) {
    upper = new MemoryLayer();
    const u = new Union(image, upper);
    u.stat("/data/big.bin");
    const t0 = nowMs();
    const f = u.open("/data/big.bin", { write: true });
    f.write(data, middle);
    f.close();
    const t = nowMs() - t0;
    if (r > 0) times.push(t);
  }
  const lazyMs = median(times);
  const usage = upper.contentUsage("data/big.bin");

  // Memory: keep K copied-up unions alive and divide the growth.
  const K = 50;
  const unions: Union[] = [];
  for (let i = 0; i < K; i++) {
    const u = new Union(image, new MemoryLayer());
    u.stat("/data/big.bin"); // lazy union state exists before (the copy-up is what we measure)
    unions.push(u);
  }
  const before = retainedBytes();
  for (const u of unions) {
    const f = u.open("/data/big.bin", { write: true });
    f.write(data, middle);
    f.close();
  }
  const after = retainedBytes();
  const growth = (after - before) / K;
  unions.length = 0;

  // Peer: a whole-file copy-up (what aufs/overlayfs do): read the lower file into a new buffer.
  const full: number[] = [];
  for (let r = 0; r < Math.max(3, cfg.runs); r++) {
    gc();
    const t0 = nowMs();
    const src = lower.open("data/big.bin");
    const copy = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = src.read(copy.subarray(off), off);
      if (n <= 0) break;
      off += n;
    }
    src.close();
    copy.set(data, middle);
    full.push(nowMs() - t0);
    if (off !== size) throw new Error("full copy short");
  }
  const fullMs = median(full);
  const speedup = fullMs / lazyMs;
  add({
    id: "2c", what: `write 4 KiB mid-file of a ${cfg.bigMiB} MiB lower file (copy-up), median`, value: lazyMs * 1000, unit: "µs",
    peer: { name: `full copy ${cfg.bigMiB} MiB (JS)`, value: fullMs, unit: "ms" }, ratio: speedup,
    target: "≥ 100× faster", pass: speedup >= 100,
  });
  add({
    id: "2c", what: "upper content after the write (contentUsage)", value: usage.bytes / 1024, unit: "KiB",
    target: "≤ 64 KiB (one chunk)", pass: usage.bytes <= CHUNK,
    note: `${usage.chunks} chunk(s), still references lower: ${usage.referencesSource}`,
  });
  add({
    id: "2c", what: `process memory growth per copy-up (heap+ArrayBuffers, ${K} kept)`, value: growth / 1024, unit: "KiB",
    target: "≤ 64 KiB + 16 KiB bookkeeping", pass: growth <= CHUNK + 16 * 1024,
    note: `${((growth - CHUNK) / 1024).toFixed(1)} KiB beyond the chunk: upper/union bookkeeping`,
  });

  if (cfg.kernel) {
    const k = kernelCopyUp(cfg.bigMiB, cfg.dir);
    if (k.ok) {
      const ratio = k.copyUpMs / lazyMs;
      add({
        id: "2c", what: `same write on kernel overlayfs (tmpfs), copy-up part`, value: k.copyUpMs, unit: "ms",
        peer: { name: "layerfs", value: lazyMs * 1000, unit: "µs" }, ratio,
        target: "layerfs faster (> 1×)", pass: ratio > 1,
        note: `first write ${k.firstMs.toFixed(2)} ms - second write ${k.secondMs.toFixed(3)} ms, median of ${k.rounds}; ratio = kernel/layerfs`,
      });
    } else {
      add({ id: "2c", what: "kernel overlayfs copy-up", value: 0, unit: "", note: `skipped: ${k.reason}` });
    }
  }
  lower = undefined;
}
