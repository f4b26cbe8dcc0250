/**
 * Deno entry: host-directory layers, layer tarballs and images from host
 * paths, over Deno's own APIs. Deno has no lutimes/lchown; those two calls (times and owner of a
 * symlink itself) are borrowed from Deno's built-in node:fs, and kill(pid, 0)
 * (lock holders' liveness where there is no /proc) from node:process.
 */
import { lchownSync, lutimesSync } from "node:fs";
import process from "node:process";
import { DenoFileSource } from "./deno-file-source.ts";
import { DenoFs } from "./deno-fs.ts";
import { hostEntry } from "./entry.ts";

export * from "./entry.ts";
export { DenoFs } from "./deno-fs.ts";
export { DenoFileSource, fileSource } from "./deno-file-source.ts";

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

/** dirLayer, tarLayer, loadImage and fileLayerCache over Deno's APIs (see HostEntry in entry.ts). */
export const { dirLayer, tarLayer, loadImage, fileLayerCache } = hostEntry(denoFs, (p) => new DenoFileSource(p));

/** Alias of dirLayer, for code that imports both the Node and the Deno entry. */
export const denoDirLayer = dirLayer;
