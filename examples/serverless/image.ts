/**
 * The example's image: a base layer and an app layer (frozen MemoryLayers),
 * optionally under an uncompressed layer tar read into memory
 * (LAYERFS_SERVERLESS_TAR=path) and a generated file of
 * LAYERFS_SERVERLESS_BULK_MIB MiB (/srv/bulk.bin) and LAYERFS_SERVERLESS_FILES
 * 1 KiB files (/srv/lib/dN/fN) to make the image big.
 */
import { Image, MemoryLayer, TarLayer } from "../../src/mod.ts";
import type { Layer } from "../../src/mod.ts";

export interface DemoImageOptions {
  /** Bytes of an uncompressed tar to put at the bottom (a TarLayer over memory). */
  tar?: Uint8Array;
  /** Size of /srv/bulk.bin in bytes (0: none). */
  bulkBytes?: number;
  /** Extra 1 KiB files /srv/lib/f0 ... (0: none), 100 per directory: a fuller image. */
  files?: number;
}

const T = 1_700_000_000_000_000_000n;

export function demoImage(opts: DemoImageOptions = {}): Image {
  const layers: Layer[] = [];
  if (opts.tar !== undefined) layers.push(TarLayer.fromBytes(opts.tar, { name: "LAYERFS_SERVERLESS_TAR" }));
  const base: Record<string, string | { file: { size: number; fill: Uint8Array } }> = {
    "etc/hostname": "sandbox\n",
    "etc/motd": "Welcome to a layerfs sandbox.\n",
    "srv/data/greeting.txt": "hello, image\n",
    "srv/data/obsolete.txt": "this file is whited out by the app layer\n",
    "tmp/.keep": "",
  };
  for (let i = 0; i < (opts.files ?? 0); i++) base[`srv/lib/d${Math.floor(i / 100)}/f${i}`] = `file ${i} `.padEnd(1024, ".");
  if (opts.bulkBytes) base["srv/bulk.bin"] = { file: { size: opts.bulkBytes, fill: new TextEncoder().encode("layerfs bulk ") } };
  layers.push(MemoryLayer.from(base, { timeNs: T, freeze: true }));
  layers.push(MemoryLayer.from({ "srv/app/config.json": '{"mode":"demo"}\n', "srv/data/.wh.obsolete.txt": "" }, { timeNs: T, freeze: true }));
  return new Image(layers);
}
