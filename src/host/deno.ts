/**
 * Deno entry for host-directory layers: `dirLayer(path, opts)` over Deno's own
 * APIs. Deno has no lutimes/lchown; those two calls (times and owner of a
 * symlink itself) are borrowed from Deno's built-in node:fs.
 */
import { lchownSync, lutimesSync } from "node:fs";
import { DirLayer } from "../layers/dir.ts";
import type { DirLayerOptions } from "../layers/dir.ts";
import { DenoFs } from "./deno-fs.ts";

export { DirLayer } from "../layers/dir.ts";
export type { DirLayerOptions } from "../layers/dir.ts";
export { DenoFs } from "./deno-fs.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions } from "./host-fs.ts";

let shared: DenoFs | undefined;

/** The process-wide Deno HostFs. */
export function denoFs(): DenoFs {
  return (shared ??= new DenoFs({ lutimes: lutimesSync, lchown: lchownSync }));
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

// OCI images from host paths (layout directory or archive file) with the file layer cache.
export { loadImage, defaultCacheDir, FileLayerCache, layoutDirFiles, nodeHasher, parseHostImageRef, PreadSource } from "./image-host.ts";
export type { HostLoadImageOptions } from "./image-host.ts";
export { parseImageRef, ImageError, isImageError, MemoryLayerCache } from "../oci/mod.ts";
export type { LoadedImage, LoadImageOptions, ImageConfig, ImageFormat, LayerDescriptor, LayerCache, LayerCacheWriter, LoadProgress, ImageSourceFiles } from "../oci/mod.ts";
