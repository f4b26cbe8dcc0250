/**
 * Issue 7 (TarLayer): index a 1 GiB uncompressed layer tar of 20,000 files
 * (GB/s, index memory as % of the tar) next to GNU `tar -x` of the same tar
 * into tmpfs, which is what an extracting snapshotter pays before the first
 * instruction; then bench.wasm walk+stat and readbig over a TarLayer image
 * (pread from the tar file) next to node:wasi on the extracted directory.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { fileSource } from "../../src/host/node.ts";
import { Image, indexTar, MemoryLayer, TarIndex, TarLayer, Union } from "../../src/mod.ts";
import { rawEntry } from "../../test/layers/tar-builder.ts";
import type { Config } from "../lib/config.ts";
import { underLayerfs, underNodeWasi } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { add, fmt, header } from "../lib/report.ts";
import { gc, median, MiB, nowMs, retainedBytes } from "../lib/stats.ts";
import { bigBytes, hostTree, removeTree, treeFiles } from "../lib/trees.ts";
import { roundRobin, samples } from "./wasi.ts";

/** tmpfs when there is one (both the tar and its extraction live in memory then). */
function scratchRoot(cfg: Config): string {
  const root = existsSync("/dev/shm") ? "/dev/shm/layerfs-bench-tar" : `${cfg.dir}-tar`;
  mkdirSync(root, { recursive: true });
  return root;
}

/**
 * Write a layer tar of `files` regular files totalling about `bytes`, 100 per
 * directory (`dNNN/` entries first), with a content pattern; streamed, never whole in memory.
 */
function writeLayerTar(path: string, files: number, bytes: number): number {
  const fd = openSync(path, "w");
  const fileSize = Math.max(1, Math.floor(bytes / files / 512) * 512 - 7); // odd sizes: the padding is exercised
  const content = new Uint8Array(fileSize + 1024);
  for (let i = 0; i < content.length; i++) content[i] = (i * 31 + 7) & 0xff;
  let written = 0;
  const put = (b: Uint8Array) => {
    writeSync(fd, b);
    written += b.length;
  };
  for (let i = 0; i < files; i++) {
    if (i % 100 === 0) put(rawEntry({ name: `usr/share/d${String(i / 100).padStart(3, "0")}/`, type: "5" }));
    put(rawEntry({ name: `usr/share/d${String(Math.floor(i / 100)).padStart(3, "0")}/file-${i}.dat`, size: fileSize, writeData: false }));
    put(content.subarray(i % 512, (i % 512) + Math.ceil(fileSize / 512) * 512));
  }
  put(new Uint8Array(1024));
  closeSync(fd);
  return written;
}

export async function tarLayers(cfg: Config): Promise<void> {
  header("Issue 7: TarLayer (index a layer tar in place; ratio = time / peer time)");
  const root = scratchRoot(cfg);
  const tarPath = `${root}/layer.tar`;
  try {
    let t = nowMs();
    const size = writeLayerTar(tarPath, cfg.tarFiles, cfg.tarMiB * MiB);
    console.log(`   wrote ${tarPath}: ${(size / MiB).toFixed(0)} MiB, ${cfg.tarFiles} files in ${((nowMs() - t) / 1000).toFixed(1)} s`);

    // Index: a FileSource (pread of each header), as a layer on disk is used.
    const runs: number[] = [];
    let index: TarIndex | undefined;
    for (let i = 0; i < cfg.tarRuns + 1; i++) {
      const source = fileSource(tarPath);
      t = nowMs();
      index = indexTar(source);
      const ms = nowMs() - t;
      source.close();
      if (i > 0) runs.push(ms); // the first run warms the JIT
    }
    const ms = median(runs);
    const gbps = size / 1e9 / (ms / 1000);
    add({ id: "7/index", what: `indexTar of a ${(size / MiB).toFixed(0)} MiB tar, ${cfg.tarFiles} files (FileSource, pread)`, value: gbps, unit: "GB/s", target: "≥ 1 GB/s", pass: gbps >= 1, samples: runs, note: `${fmt(ms, "ms")}, ${index!.entries} entries` });

    // Index memory: the index's own estimate and the heap it really retains.
    index = undefined;
    gc();
    const before = retainedBytes();
    const source = fileSource(tarPath);
    const kept = indexTar(source);
    source.close();
    gc();
    const retained = retainedBytes() - before;
    const pct = (retained / size) * 100;
    add({ id: "7/memory", what: `index memory (heap retained after gc) as % of the tar`, value: pct, unit: "%", target: "≤ 2%", pass: pct <= 2, note: `${(retained / 1024).toFixed(0)} KiB retained, ${(retained / kept.entries).toFixed(0)} B/entry; memoryBytes() estimate ${(kept.memoryBytes() / 1024).toFixed(0)} KiB` });

    // Warm start: the index saved beside the blob and loaded back (no scan).
    const saved = kept.toBytes();
    const loads: number[] = [];
    for (let i = 0; i < cfg.tarRuns + 1; i++) {
      t = nowMs();
      TarIndex.fromBytes(saved, size);
      if (i > 0) loads.push(nowMs() - t);
    }
    const loadMs = median(loads);
    add({ id: "7/index", what: `TarIndex.fromBytes of the saved index (warm start, no scan)`, value: loadMs, unit: "ms", peer: { name: "indexTar", value: ms, unit: "ms" }, ratio: loadMs / ms, samples: loads, note: `${(saved.length / 1024).toFixed(0)} KiB saved` });

    // Peer: GNU tar -x into tmpfs (median of 3, each into a fresh directory).
    const tarRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = `${root}/x${i}`;
      mkdirSync(out, { recursive: true });
      t = nowMs();
      const r = spawnSync("tar", ["-xf", tarPath, "-C", out]);
      tarRuns.push(nowMs() - t);
      if (r.status !== 0) throw new Error(`tar -x failed: ${r.stderr}`);
      rmSync(out, { recursive: true, force: true });
    }
    const tarMs = median(tarRuns);
    add({ id: "7/index", what: `indexTar vs GNU tar -x of the same tar into tmpfs`, value: ms, unit: "ms", peer: { name: "tar -x", value: tarMs, unit: "ms" }, ratio: ms / tarMs, samples: runs, peerSamples: tarRuns, note: `tar -x ${((size / 1e9) / (tarMs / 1000)).toFixed(2)} GB/s` });
  } finally {
    rmSync(tarPath, { force: true });
  }

  // WASI workloads over a TarLayer image of the bench tree (the wasi section's
  // tree and big.bin), against node:wasi on the same tree extracted to tmpfs.
  const files = treeFiles(cfg.treeFiles);
  const treeDir = `${root}/tree-src`;
  const wasiTar = `${root}/tree.tar`;
  hostTree(treeDir, files, bigBytes(cfg.bigMiB * MiB));
  try {
    const r = spawnSync("tar", ["-cf", wasiTar, "-C", treeDir, "."]);
    if (r.status !== 0) throw new Error(`tar -c failed: ${r.stderr}`);
    const layer = new TarLayer(fileSource(wasiTar), { name: wasiTar });
    const images = new Map<string, Image>([
      ["pread", new Image([layer])],
      ["memory", new Image([TarLayer.fromBytes(new Uint8Array(readFileSync(wasiTar)))])],
    ]);
    const scratch = `${root}/scratch`;
    mkdirSync(scratch, { recursive: true });
    for (const [w, args, runsN] of [["walk", ["walk", "/tree"], cfg.runs], ["readbig", ["readbig", "/big.bin"], cfg.bigRuns]] as const) {
      const runners = new Map<string, () => Promise<GuestResult>>([["node", () => underNodeWasi(treeDir, [...args], scratch)]]);
      for (const [kind, image] of images) runners.set(kind, () => underLayerfs(new Union(image, new MemoryLayer()), [...args]));
      const res = await roundRobin(runners, runsN, w === "walk" ? 2 : 1);
      const node = res.get("node")!;
      const label = w === "walk" ? `walk+stat ${cfg.treeFiles} files` : `readbig ${cfg.bigMiB} MiB`;
      for (const kind of images.keys()) {
        const mine = res.get(kind)!;
        const ratio = mine / node;
        const source = kind === "pread" ? "FileSource, pread" : "MemorySource";
        add({ id: `7/${w}`, what: `layerfs over a TarLayer (${source}) vs node:wasi (tmpfs): ${label}`, value: mine, unit: "ms", peer: { name: "node:wasi", value: node, unit: "ms" }, ratio, target: "≤ 0.50× node:wasi", pass: ratio <= 0.5, samples: samples.get(kind), peerSamples: samples.get("node") });
      }
    }
    layer.close();
    rmSync(scratch, { recursive: true, force: true });
  } finally {
    removeTree(treeDir);
    rmSync(wasiTar, { force: true });
    rmSync(root, { recursive: true, force: true });
  }
}
