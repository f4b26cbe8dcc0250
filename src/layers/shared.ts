/**
 * One image across workers: `shareImage(image)` turns an image's read-only
 * layers into a SharedImage, a plain structured-cloneable object whose bytes
 * live in SharedArrayBuffers; `imageFromShared(shared)` in each worker (Node
 * worker_threads, Deno and browser Web Workers) mounts it without copying
 * those bytes. N workers then hold the file content once.
 *
 * What is shared and what is per worker:
 * - TarLayer ("tar"): the tar bytes (zero-copy when the layer's MemorySource
 *   already views a SharedArrayBuffer, else copied into one once) and its index
 *   serialized by TarIndex.toBytes. Each worker decodes the index (columns and
 *   name maps: a few % of the tar for small-file tars, ~nothing for big files)
 *   and reads content straight out of the shared bytes.
 * - Any other read-only layer ("tree": a frozen MemoryLayer, a read-only
 *   DirLayer...): serialized once at share time, O(size): every file's bytes
 *   into one SharedArrayBuffer, the tree (paths, attributes, hard links,
 *   symlinks) as JSON in another. Each worker rebuilds a frozen MemoryLayer
 *   whose files reference ranges of the shared content (no chunk is copied).
 *   Serializing instead of sharing the MemoryLayer's chunks in place keeps
 *   ChunkedContent (and its slab allocator) free of SharedArrayBuffer
 *   concerns; the cost is one copy at share time, not per worker.
 * - Per worker: the layer objects, the image's merged lower index (built
 *   lazily per directory, as for any image), and every union's upper.
 * Nothing shared is ever written: workers' writes land in their own uppers.
 */
import { Image } from "../core/image.ts";
import type { Layer } from "../core/layer.ts";
import { childPath } from "../core/layer.ts";
import { MemorySource } from "../sources/byte-source.ts";
import { MemoryLayer } from "./memory.ts";
import type { MemorySpec } from "./memory.ts";
import { TarIndex } from "./tar/index.ts";
import { TarLayer } from "./tar/layer.ts";

export const SHARED_IMAGE_FORMAT = "layerfs-shared-image/1";

/** A TarLayer over shared tar bytes, with its index serialized. */
export interface SharedTarLayer {
  kind: "tar";
  tar: Uint8Array;
  index: Uint8Array;
  name?: string;
}

/** Any other read-only layer, serialized: its tree as JSON, all file content in one buffer. */
export interface SharedTreeLayer {
  kind: "tree";
  tree: Uint8Array;
  content: Uint8Array;
}

export type SharedLayer = SharedTarLayer | SharedTreeLayer;

/** What `shareImage` returns: post it to workers (structured clone keeps the SharedArrayBuffers shared). */
export interface SharedImage {
  format: typeof SHARED_IMAGE_FORMAT;
  layers: SharedLayer[];
}

/** One entry of a tree layer: [path, type, mode, uid, gid, mtimeNs, atimeNs, payload]. */
type TreeEntry =
  | [string, "dir", number, number, number, string, string]
  | [string, "symlink", number, number, number, string, string, string]
  | [string, "file", number, number, number, string, string, [offset: number, size: number]]
  | [string, "link", string];

function needSharedArrayBuffer(): void {
  if (typeof SharedArrayBuffer === "undefined") {
    throw new Error(
      "shareImage: SharedArrayBuffer is unavailable here (a browser page needs cross-origin isolation: " +
        "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
}

/** `bytes` in a SharedArrayBuffer: itself when it already is, else one copy. */
function sharedBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  out.set(bytes);
  return out;
}

/**
 * Describe `image` for workers. Read-only layers only: a writable layer that
 * is not frozen is refused (freeze it first), since workers must see what it
 * holds now, not later writes.
 *
 * @example
 * ```ts
 * const shared = shareImage(image);            // main thread, once
 * worker.postMessage(shared);                  // any number of workers
 * const image = imageFromShared(event.data);   // in the worker: new Union(image, new MemoryLayer())
 * ```
 */
export function shareImage(image: Image): SharedImage {
  needSharedArrayBuffer();
  return { format: SHARED_IMAGE_FORMAT, layers: image.layers.map((layer, i) => shareLayer(layer, i)) };
}

function shareLayer(layer: Layer, i: number): SharedLayer {
  if (layer instanceof TarLayer) {
    const src = layer.source;
    const view = src.view?.(0, src.size);
    let tar: Uint8Array;
    if (view !== undefined) tar = sharedBytes(view);
    else {
      tar = new Uint8Array(new SharedArrayBuffer(src.size));
      let done = 0;
      while (done < src.size) {
        const n = src.read(tar.subarray(done), done);
        if (n <= 0) throw new Error(`shareImage: layer ${i} (${layer.name ?? "tar"}): source ended at ${done} of ${src.size} bytes`);
        done += n;
      }
    }
    const shared: SharedTarLayer = { kind: "tar", tar, index: sharedBytes(layer.index.toBytes()) };
    if (layer.name !== undefined) shared.name = layer.name;
    return shared;
  }
  const w = layer as Layer & { writable?: boolean; frozen?: boolean };
  if (w.writable === true && w.frozen !== true) {
    throw new Error(`shareImage: layer ${i} is writable; freeze it first (MemoryLayer.freeze()) so every worker sees the same content`);
  }
  return shareTree(layer);
}

/** Serialize any layer through the Layer interface (two passes: tree, then content). */
function shareTree(layer: Layer): SharedTreeLayer {
  const entries: TreeEntry[] = [];
  const files: { path: string; offset: number; size: number }[] = [];
  const firstPathOfId = new Map<number, string>();
  let total = 0;
  const stack = [""];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const names = layer.readdir(dir).sort();
    for (const name of names) {
      const path = childPath(dir, name);
      const st = layer.stat(path);
      if (st === undefined) continue; // vanished (a host directory changing under us)
      const times = [st.mtimeNs.toString(), st.atimeNs.toString()] as const;
      if (st.type === "dir") {
        entries.push([path, "dir", st.mode, st.uid, st.gid, ...times]);
        stack.push(path);
      } else if (st.type === "symlink") {
        entries.push([path, "symlink", st.mode, st.uid, st.gid, ...times, layer.readlink(path)]);
      } else {
        const first = st.nlink > 1 ? firstPathOfId.get(st.id) : undefined;
        if (first !== undefined) {
          entries.push([path, "link", first]);
          continue;
        }
        if (st.nlink > 1) firstPathOfId.set(st.id, path);
        entries.push([path, "file", st.mode, st.uid, st.gid, ...times, [total, st.size]]);
        files.push({ path, offset: total, size: st.size });
        total += st.size;
      }
    }
  }
  const content = new Uint8Array(new SharedArrayBuffer(total));
  for (const f of files) {
    const file = layer.open(f.path);
    try {
      let done = 0;
      while (done < f.size) {
        const n = file.read(content.subarray(f.offset + done, f.offset + f.size), done);
        if (n <= 0) throw new Error(`shareImage: ${f.path} ended at ${done} of ${f.size} bytes`);
        done += n;
      }
    } finally {
      file.close();
    }
  }
  return { kind: "tree", tree: sharedBytes(new TextEncoder().encode(JSON.stringify(entries))), content };
}

/** Mount a SharedImage (in a worker, or anywhere): the bytes stay in the shared buffers. */
export function imageFromShared(shared: SharedImage): Image {
  if (shared === null || typeof shared !== "object" || shared.format !== SHARED_IMAGE_FORMAT || !Array.isArray(shared.layers)) {
    throw new TypeError(`imageFromShared: not a shared image (expected { format: "${SHARED_IMAGE_FORMAT}", layers })`);
  }
  return new Image(shared.layers.map((l, i) => layerFromShared(l, i)));
}

function layerFromShared(l: SharedLayer, i: number): Layer {
  if (l?.kind === "tar" && l.tar instanceof Uint8Array && l.index instanceof Uint8Array) {
    const opts = l.name !== undefined ? { name: l.name } : {};
    // Decoded from a private copy: browsers' TextDecoder refuses views of shared memory.
    return new TarLayer(new MemorySource(l.tar), { ...opts, index: TarIndex.fromBytes(l.index.slice(), l.tar.byteLength) });
  }
  if (l?.kind === "tree" && l.tree instanceof Uint8Array && l.content instanceof Uint8Array) return treeLayer(l, i);
  throw new TypeError(`imageFromShared: layer ${i} is not a shared layer (kind "tar" or "tree")`);
}

function treeLayer(l: SharedTreeLayer, i: number): MemoryLayer {
  // TextDecoder refuses views of a SharedArrayBuffer: decode a copy of the (small) tree.
  const entries = JSON.parse(new TextDecoder().decode(l.tree.slice())) as TreeEntry[];
  if (!Array.isArray(entries)) throw new TypeError(`imageFromShared: layer ${i}: corrupt tree`);
  const content = l.content;
  const spec: MemorySpec = {};
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[0] !== "string") throw new TypeError(`imageFromShared: layer ${i}: corrupt tree entry`);
    if (e[1] === "link") {
      spec[e[0]] = { link: e[2] };
      continue;
    }
    const attrs = { mode: e[2], uid: e[3], gid: e[4], mtimeNs: BigInt(e[5]), atimeNs: BigInt(e[6]) };
    if (e[1] === "dir") spec[e[0]] = { dir: true, ...attrs };
    else if (e[1] === "symlink") spec[e[0]] = { symlink: e[7], ...attrs };
    else if (e[1] === "file") {
      const [offset, size] = e[7];
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > content.length) {
        throw new TypeError(`imageFromShared: layer ${i}: ${e[0]} lies outside the shared content`);
      }
      const bytes = content.subarray(offset, offset + size);
      spec[e[0]] = {
        file: {
          size,
          read: (into, position) => {
            const n = Math.min(into.length, size - position);
            into.set(bytes.subarray(position, position + n));
            return n;
          },
        },
        ...attrs,
      };
    } else throw new TypeError(`imageFromShared: layer ${i}: unknown entry type`);
  }
  return MemoryLayer.from(spec, { freeze: true });
}
