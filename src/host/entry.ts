/**
 * What the Node and Deno entries (node.ts, deno.ts) have in common: the layer
 * and image constructors over a runtime's HostFs and pread file source, and
 * the exports both entries re-export. Each entry supplies only its two runtime
 * pieces.
 */
import { DirLayer } from "../layers/dir/mod.ts";
import type { DirLayerOptions } from "../layers/dir/mod.ts";
import { TarLayer } from "../layers/tar/layer.ts";
import type { TarLayerOptions } from "../layers/tar/layer.ts";
import type { LoadedImage } from "../oci/load.ts";
import type { HostFs } from "../layers/dir/mod.ts";
import { defaultCacheDir, FileLayerCache, loadHostImage } from "./image-host.ts";
import type { HostLoadImageOptions, OpenFileSource } from "./image-host.ts";

export { DirLayer } from "../layers/dir/mod.ts";
export type { DirLayerOptions } from "../layers/dir/mod.ts";
export { LayerInUseError } from "../layers/dir/mod.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostProcesses, ProcessIdentity } from "../layers/dir/mod.ts";
export { TarLayer } from "../layers/tar/layer.ts";
export type { ByteSource } from "../sources/byte-source.ts";
// OCI images from host paths (layout directory or archive file) with the file layer cache.
export { defaultCacheDir, FileLayerCache, nodeHasher, parseHostImageRef } from "./image-host.ts";
export type { HostLoadImageOptions } from "./image-host.ts";
export { parseImageRef, ImageError, isImageError, MemoryLayerCache } from "../oci/mod.ts";
export type { LoadedImage, LoadImageOptions, ImageConfig, ImageFormat, LayerDescriptor, LayerCache, LayerCacheWriter, LoadProgress, ImageSourceFiles } from "../oci/mod.ts";
// Committed images as a layout directory or an archive file (written beside OUT, renamed into place).
export { commitHostImage, layoutDirOutput, archiveFileOutput } from "./image-output.ts";

/** The host-path constructors of one runtime's entry. */
export interface HostEntry {
  /**
   * A host directory as a layer.
   * @example
   *   const lower = dirLayer("bbb");                      // read-only
   *   const upper = dirLayer("aaa", { writable: true });  // the writable layer
   */
  dirLayer<W extends boolean = false>(path: string, options?: DirLayerOptions<W>): DirLayer<W>;
  /**
   * A layer tarball on the host as a TarLayer, read with pread (never loaded into memory).
   * @example
   *   const layer = tarLayer("layer.tar");
   */
  tarLayer(path: string, options?: TarLayerOptions): TarLayer;
  /**
   * Load an image from a path: an OCI layout directory, or an OCI or docker-save
   * archive file (told apart by content). Layers are decompressed once into the
   * file cache (`defaultCacheDir()`, or `cacheDir`) and read from there by pread.
   * @example
   *   const img = await loadImage("hello.tar", { tag: "hello:latest" });
   *   const union = new Union(img.image, new MemoryLayer());
   */
  loadImage(path: string, options?: HostLoadImageOptions): Promise<LoadedImage>;
  /** The file layer cache at `root` (default defaultCacheDir()), files read by pread. */
  fileLayerCache(root?: string): FileLayerCache;
}

/** The constructors over `hostFs()` (the runtime's shared HostFs) and `openFile` (its pread source). */
export function hostEntry(hostFs: () => HostFs, openFile: OpenFileSource): HostEntry {
  return {
    dirLayer: <W extends boolean = false>(path: string, options: DirLayerOptions<W> = {}): DirLayer<W> => new DirLayer<W>(hostFs(), path, options),
    tarLayer(path: string, options: TarLayerOptions = {}): TarLayer {
      const source = openFile(path);
      try {
        return new TarLayer(source, { name: path, ...options });
      } catch (e) {
        source.close?.();
        throw e;
      }
    },
    loadImage: (path: string, options: HostLoadImageOptions = {}): Promise<LoadedImage> => loadHostImage(path, options, openFile),
    fileLayerCache: (root: string = defaultCacheDir()): FileLayerCache => new FileLayerCache(root, openFile),
  };
}
