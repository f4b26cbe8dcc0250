// The walk workloads of rows 4/walk and 7/walk in one bundle, for A/B runs of two
// builds in one process and for --cpu-prof (bundle first: see bench/tools/prof-top.mjs).
// usage: npx esbuild bench/tools/walk-ab.mts --bundle --platform=node --format=esm --outfile=/tmp/X.mjs
//        then import X.mjs and call its exports (bench/tools/walk-ab-driver.mjs).
import { readFileSync } from "node:fs";
import { Image, MemoryLayer, TarLayer, Union } from "../../src/mod.ts";
import { underCli, underLayerfs } from "../lib/guest.ts";

/** 4/walk: `layerfs run --layer DIR bench.wasm walk /tree PASSES`; the guest's ms. */
export async function hostWalk(dir: string, passes = 3): Promise<number> {
  return (await underCli(["--layer", dir], ["walk", "/tree", String(passes)])).ms;
}

/** 4/stat: N stats of PATH through `layerfs run --layer DIR`. */
export async function hostStats(dir: string, path: string, n: number): Promise<number> {
  return (await underCli(["--layer", dir], ["stats", path, String(n)])).ms;
}

const tarImages = new Map<string, Image>();
/** 7/walk: one pass over a TarLayer (in memory) image of the tar at `tar`, a fresh memory upper per run. */
export async function tarWalk(tar: string): Promise<number> {
  let image = tarImages.get(tar);
  if (image === undefined) tarImages.set(tar, (image = new Image([TarLayer.fromBytes(new Uint8Array(readFileSync(tar)))])));
  return (await underLayerfs(new Union(image, new MemoryLayer()), ["walk", "/tree"])).ms;
}
