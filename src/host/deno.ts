/**
 * Deno entry for host-directory layers: `dirLayer(path, opts)` over Deno's own
 * APIs. Deno has no lutimes/lchown; those two calls (times and owner of a
 * symlink itself) are borrowed from Deno's built-in node:fs, and kill(pid, 0)
 * (lock holders' liveness where there is no /proc) from node:process.
 */
import { lchownSync, lutimesSync } from "node:fs";
import process from "node:process";
import { DirLayer } from "../layers/dir/mod.ts";
import type { DirLayerOptions } from "../layers/dir/mod.ts";
import { TarLayer } from "../layers/tar/layer.ts";
import type { TarLayerOptions } from "../layers/tar/layer.ts";
import { DenoFileSource } from "./deno-file-source.ts";
import { DenoFs } from "./deno-fs.ts";

export { DirLayer } from "../layers/dir/mod.ts";
export type { DirLayerOptions } from "../layers/dir/mod.ts";
export { LayerInUseError } from "../layers/dir/mod.ts";
export { DenoFs } from "./deno-fs.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostProcesses, ProcessIdentity } from "../layers/dir/mod.ts";
export { DenoFileSource, fileSource } from "./deno-file-source.ts";
export { TarLayer } from "../layers/tar/layer.ts";
export type { ByteSource } from "../sources/byte-source.ts";

let shared: DenoFs | undefined;

/** The process-wide Deno HostFs. */
export function denoFs(): DenoFs {
  return (shared ??= new DenoFs({ lutimes: lutimesSync, lchown: lchownSync, processExists }));
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * A host directory as a layer, over Deno's APIs.
 * @example
 *   const lower = dirLayer("bbb");
 *   const upper = dirLayer("aaa", { writable: true });
 */
export function dirLayer<W extends boolean = false>(path: string, options: DirLayerOptions<W> = {}): DirLayer<W> {
  return new DirLayer<W>(denoFs(), path, options);
}

/** Alias of dirLayer, for code that imports both the Node and the Deno entry. */
export const denoDirLayer = dirLayer;

/**
 * A layer tarball on the host as a TarLayer, read with pread (never loaded into memory).
 * @example
 *   const layer = tarLayer("layer.tar");
 */
export function tarLayer(path: string, options: TarLayerOptions = {}): TarLayer {
  const source = new DenoFileSource(path);
  try {
    return new TarLayer(source, { name: path, ...options });
  } catch (e) {
    source.close();
    throw e;
  }
}

import { defaultCacheDir, FileLayerCache, loadHostImage } from "./image-host.ts";
import type { HostLoadImageOptions } from "./image-host.ts";
import type { LoadedImage } from "../oci/load.ts";
// OCI images from host paths (layout directory or archive file) with the file layer cache.
export { defaultCacheDir, nodeHasher, parseHostImageRef } from "./image-host.ts";
export type { HostLoadImageOptions } from "./image-host.ts";

/**
 * Load an image from a path: an OCI layout directory, or an OCI or docker-save
 * archive file (told apart by content). Layers are decompressed once into the
 * file cache (`defaultCacheDir()`, or `cacheDir`) and read from there by pread.
 * @example
 *   const img = await loadImage("hello.tar", { tag: "hello:latest" });
 *   const union = new Union(img.image, new MemoryLayer());
 */
export function loadImage(path: string, options: HostLoadImageOptions = {}): Promise<LoadedImage> {
  return loadHostImage(path, options, (p) => new DenoFileSource(p));
}

/** The file layer cache at `root` (default defaultCacheDir()), files read by pread. */
export function fileLayerCache(root: string = defaultCacheDir()): FileLayerCache {
  return new FileLayerCache(root, (p) => new DenoFileSource(p));
}
export { FileLayerCache };
export { parseImageRef, ImageError, isImageError, MemoryLayerCache } from "../oci/mod.ts";
export type { LoadedImage, LoadImageOptions, ImageConfig, ImageFormat, LayerDescriptor, LayerCache, LayerCacheWriter, LoadProgress, ImageSourceFiles } from "../oci/mod.ts";
// Committed images as a layout directory or an archive file (written beside OUT, renamed into place).
export { commitHostImage, layoutDirOutput, archiveFileOutput } from "./image-output.ts";
