/** Node entry for host-directory layers: `dirLayer(path, opts)` over node:fs. */
import { DirLayer } from "../layers/dir.ts";
import type { DirLayerOptions } from "../layers/dir.ts";
import { TarLayer } from "../layers/tar/layer.ts";
import type { TarLayerOptions } from "../layers/tar/layer.ts";
import { NodeFileSource } from "./node-file-source.ts";
import { NodeFs } from "./node-fs.ts";

export { DirLayer } from "../layers/dir.ts";
export type { DirLayerOptions } from "../layers/dir.ts";
export { LayerInUseError } from "../layers/dir-lock.ts";
export { NodeFs } from "./node-fs.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostProcesses, ProcessIdentity } from "./host-fs.ts";
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
