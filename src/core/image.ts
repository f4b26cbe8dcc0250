/**
 * Image: an immutable stack of read-only layers, bottom first. Shared by any
 * number of unions; its lookup indexes (lower-index.ts) are built lazily, once
 * per directory, and shared by all of them.
 */
import type { Layer } from "./layer.ts";
import { LowerDir, lowerRoot } from "./lower-index.ts";
import type { LowerEntry, MemoOfStack } from "./lower-index.ts";
import { stackMemo } from "./stack-memo.ts";

/**
 * Where answers about a stack are kept across Images (stack-memo.ts): keyed by
 * its layers' memoKeys, bottom first; undefined if a layer has none.
 */
function memoOfStack(layers: readonly Layer[]): MemoOfStack | undefined {
  if (layers.length === 0 || !layers.every((l) => l.memoKey !== undefined && l.dirStamp !== undefined)) return undefined;
  return { memo: stackMemo, stack: layers.map((l) => l.memoKey).join("\0") };
}

/**
 * An immutable stack of read-only layers, bottom first.
 *
 * @example
 * ```ts
 * const image = new Image([MemoryLayer.from({ "etc/hostname": "base\n" }), MemoryLayer.from({ "etc/.wh.hostname": "" })]);
 * new Union(image, new MemoryLayer()).exists("/etc/hostname"); // false: the top layer whites it out
 * ```
 */
export class Image {
  /** Bottom first. */
  readonly layers: readonly Layer[];
  #root: LowerEntry | undefined | null = null;
  readonly #memoOf: MemoOfStack | undefined;

  constructor(layers: readonly Layer[]) {
    this.layers = Object.freeze([...layers]);
    this.#memoOf = memoOfStack(this.layers);
  }

  /**
   * Release what the layers hold beyond open files (Layer.close: pooled host
   * descriptors). The image stays usable: its layers reopen on demand.
   */
  close(): void {
    for (const layer of this.layers) layer.close?.();
  }

  /** The merged lower root directory (undefined for an image without layers). */
  rootEntry(): LowerEntry | undefined {
    if (this.#root === null) this.#root = lowerRoot(this.layers);
    return this.#root;
  }

  /** The lower directory `entry` found at layer path `path` (cached; its merged index is built on demand). */
  dir(entry: LowerEntry, path: string): LowerDir {
    let d = entry.dir;
    if (d === undefined) {
      d = new LowerDir(path, this.layers, entry.dirLayers ?? [], this.#memoOf);
      entry.dir = d;
    }
    return d;
  }

  /** The lower entry at a canonical layer path (no symlinks followed), or undefined. */
  lookup(path: string): LowerEntry | undefined {
    let e = this.rootEntry();
    if (path === "" || e === undefined) return e;
    let dirPath = "";
    for (const name of path.split("/")) {
      if (e.dirLayers === undefined) return undefined;
      const next: LowerEntry | undefined = this.dir(e, dirPath).get(name);
      if (next === undefined) return undefined;
      dirPath = dirPath === "" ? name : dirPath + "/" + name;
      e = next;
    }
    return e;
  }
}
