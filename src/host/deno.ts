/**
 * Deno entry for host-directory layers: `dirLayer(path, opts)` over Deno's own
 * APIs. Deno has no lutimes/lchown; those two calls (times and owner of a
 * symlink itself) are borrowed from Deno's built-in node:fs, and kill(pid, 0)
 * (lock holders' liveness where there is no /proc) from node:process.
 */
import { lchownSync, lutimesSync } from "node:fs";
import process from "node:process";
import { DirLayer } from "../layers/dir.ts";
import type { DirLayerOptions } from "../layers/dir.ts";
import { DenoFs } from "./deno-fs.ts";

export { DirLayer } from "../layers/dir.ts";
export type { DirLayerOptions } from "../layers/dir.ts";
export { LayerInUseError } from "../layers/dir-lock.ts";
export { DenoFs } from "./deno-fs.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostProcesses, ProcessIdentity } from "./host-fs.ts";

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
