/** Node entry for host-directory layers: `dirLayer(path, opts)` over node:fs. */
import { DirLayer } from "../layers/dir/mod.ts";
import type { DirLayerOptions } from "../layers/dir/mod.ts";
import { TarLayer } from "../layers/tar/layer.ts";
import type { TarLayerOptions } from "../layers/tar/layer.ts";
import { NodeFileSource } from "./node-file-source.ts";
import { NodeFs } from "./node-fs.ts";

export { DirLayer } from "../layers/dir/mod.ts";
export type { DirLayerOptions } from "../layers/dir/mod.ts";
export { LayerInUseError } from "../layers/dir/mod.ts";
export { NodeFs } from "./node-fs.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostProcesses, ProcessIdentity } from "../layers/dir/mod.ts";
export { NodeFileSource, fileSource } from "./node-file-source.ts";
export { TarLayer } from "../layers/tar/layer.ts";
export type { ByteSource } from "../sources/byte-source.ts";

let shared: NodeFs | undefined;

/** The process-wide node:fs HostFs. */
export function nodeFs(): NodeFs {
  return (shared ??= new NodeFs());
}

/**
 * A host directory as a layer, over node:fs.
 * @example
 *   const lower = dirLayer("bbb");                      // read-only
 *   const upper = dirLayer("aaa", { writable: true });  // the writable layer
 */
export function dirLayer<W extends boolean = false>(path: string, options: DirLayerOptions<W> = {}): DirLayer<W> {
  return new DirLayer<W>(nodeFs(), path, options);
}

/** Alias of dirLayer, for code that imports both the Node and the Deno entry. */
export const nodeDirLayer = dirLayer;

/**
 * A layer tarball on the host as a TarLayer, read with pread (never loaded into memory).
 * @example
 *   const layer = tarLayer("layer.tar");
 */
export function tarLayer(path: string, options: TarLayerOptions = {}): TarLayer {
  const source = new NodeFileSource(path);
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
  return loadHostImage(path, options, (p) => new NodeFileSource(p));
}

/** The file layer cache at `root` (default defaultCacheDir()), files read by pread. */
export function fileLayerCache(root: string = defaultCacheDir()): FileLayerCache {
  return new FileLayerCache(root, (p) => new NodeFileSource(p));
}
export { FileLayerCache };
export { parseImageRef, ImageError, isImageError, MemoryLayerCache } from "../oci/mod.ts";
export type { LoadedImage, LoadImageOptions, ImageConfig, ImageFormat, LayerDescriptor, LayerCache, LayerCacheWriter, LoadProgress, ImageSourceFiles } from "../oci/mod.ts";
// Committed images as a layout directory or an archive file (written beside OUT, renamed into place).
export { commitHostImage, layoutDirOutput, archiveFileOutput } from "./image-output.ts";
