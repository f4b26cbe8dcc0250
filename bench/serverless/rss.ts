/**
 * Child process of the serverless benchmark: process RSS with 1 and then 2
 * workers that have each mounted a LAYERFS_BENCH_SHARE_MIB MiB image (a
 * TarLayer over an in-memory tar) and read all of it. argv[2]: "shared"
 * (shareImage: one copy of the bytes) or "copy" (each worker its own copy).
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { buildSync } from "esbuild";
import { Image, shareImage, TarLayer } from "../../src/mod.ts";
import { rawEntry } from "../../test/layers/tar-builder.ts";

const mode = process.argv[2] === "copy" ? "copy" : "shared";
const mib = Number(process.env.LAYERFS_BENCH_SHARE_MIB ?? 256);
const FILE = 4 << 20;
const files = Math.max(1, Math.round((mib << 20) / FILE));
const tar = new Uint8Array(new SharedArrayBuffer(files * (512 + FILE) + 1024));
let at = 0;
for (let i = 0; i < files; i++) {
  tar.set(rawEntry({ name: `data/f${i}.bin`, size: FILE }), at);
  at += 512;
  const f = tar.subarray(at, at + FILE);
  for (let j = 0; j < FILE; j += 4096) f[j] = (i + j) & 0xff; // touch every page: resident
  at += FILE;
}
const shared = shareImage(new Image([TarLayer.fromBytes(tar)]));

// The worker as one bundled .mjs (what a deployment ships): a tsx loader in
// each worker would add its own hooks thread to every worker's cost.
const bundle = join(mkdtempSync(join(tmpdir(), "layerfs-rss-")), "rss-worker.mjs");
buildSync({ entryPoints: [fileURLToPath(new URL("./rss-worker.ts", import.meta.url))], bundle: true, format: "esm", platform: "node", outfile: bundle, logLevel: "error" });
const workers: Worker[] = [];
async function addWorker(): Promise<number> {
  const w = new Worker(bundle);
  workers.push(w);
  const r = await new Promise<{ bytes: number }>((ok, fail) => {
    w.once("message", ok);
    w.once("error", fail);
    w.postMessage({ image: shared, copy: mode === "copy" });
  });
  if (r.bytes !== files * FILE) throw new Error(`worker read ${r.bytes} bytes, expected ${files * FILE}`);
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((ok) => setTimeout(ok, 300));
  return process.memoryUsage().rss;
}
const rss1 = await addWorker();
const rss2 = await addWorker();
for (const w of workers) await w.terminate();
rmSync(dirname(bundle), { recursive: true, force: true });
console.log(JSON.stringify({ mode, imageBytes: files * FILE, rss1, rss2 }));
