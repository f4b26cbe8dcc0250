/** Node entry for host-directory layers: `dirLayer(path, opts)` over node:fs. */
import { DirLayer } from "../layers/dir.ts";
import type { DirLayerOptions } from "../layers/dir.ts";
import { NodeFs } from "./node-fs.ts";

export { DirLayer } from "../layers/dir.ts";
export type { DirLayerOptions } from "../layers/dir.ts";
export { LayerInUseError } from "../layers/dir-lock.ts";
export { NodeFs } from "./node-fs.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostProcesses, ProcessIdentity } from "./host-fs.ts";

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
