/** Node entry: host-directory layers, layer tarballs and images from host paths, over node:fs. */
import { hostEntry } from "./entry.ts";
import { NodeFileSource } from "./node-file-source.ts";
import { NodeFs } from "./node-fs.ts";

export * from "./entry.ts";
export { NodeFs } from "./node-fs.ts";
export { NodeFileSource, fileSource } from "./node-file-source.ts";

let shared: NodeFs | undefined;

/** The process-wide node:fs HostFs. */
export function nodeFs(): NodeFs {
  return (shared ??= new NodeFs());
}

/** dirLayer, tarLayer, loadImage and fileLayerCache over node:fs (see HostEntry in entry.ts). */
export const { dirLayer, tarLayer, loadImage, fileLayerCache } = hostEntry(nodeFs, (p) => new NodeFileSource(p));

/** Alias of dirLayer, for code that imports both the Node and the Deno entry. */
export const nodeDirLayer = dirLayer;
