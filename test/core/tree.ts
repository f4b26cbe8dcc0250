// Test helpers for test/core: a flat snapshot of a union's visible tree, and an
// independent, deliberately simple OCI layer applier (image-spec layer.md) used
// as a reference for what the merged view must be. Portable: no node:* imports.
import type { Layer } from "../../src/core/layer.ts";
import type { Union } from "../../src/core/union.ts";

export interface FlatNode {
  type: "file" | "dir" | "symlink";
  mode: number;
  /** file content as text (tests use ASCII) */
  content?: string;
  target?: string;
}
export type FlatTree = Map<string, FlatNode>;

const dec = new TextDecoder();

/** Visible tree of a union: "/a/b" -> node (root excluded). */
export function snapshotUnion(u: Union): FlatTree {
  const out: FlatTree = new Map();
  const walk = (dir: string): void => {
    for (const name of u.readdir(dir)) {
      const p = dir === "/" ? "/" + name : dir + "/" + name;
      const st = u.lstat(p);
      if (st.type === "dir") {
        out.set(p, { type: "dir", mode: st.mode });
        walk(p);
      } else if (st.type === "symlink") {
        out.set(p, { type: "symlink", mode: 0, target: u.readlink(p) });
      } else {
        out.set(p, { type: "file", mode: st.mode, content: u.readFile(p, "utf8") });
      }
    }
  };
  walk("/");
  return out;
}

function readAll(layer: Layer, path: string): string {
  const f = layer.open(path);
  const size = f.stat().size;
  const buf = new Uint8Array(size);
  let n = 0;
  while (n < size) {
    const k = f.read(buf.subarray(n), n);
    if (k === 0) break;
    n += k;
  }
  f.close();
  return dec.decode(buf.subarray(0, n));
}

function deleteTree(tree: FlatTree, path: string): void {
  tree.delete(path);
  const prefix = path + "/";
  for (const k of [...tree.keys()]) if (k.startsWith(prefix)) tree.delete(k);
}

/**
 * Apply layers (bottom first) the OCI way: per layer, first every deletion it
 * encodes (opaque markers, then whiteouts: they only affect lower layers), then
 * its entries (a directory over a directory keeps the children; anything else replaces).
 */
export function ociApply(layers: readonly Layer[]): FlatTree {
  const tree: FlatTree = new Map();
  for (const layer of layers) {
    const entries: [string, FlatNode][] = [];
    const opaques: string[] = [];
    const whiteouts: string[] = [];
    const walk = (lp: string): void => {
      for (const name of layer.readdir(lp).sort()) {
        const child = lp === "" ? name : lp + "/" + name;
        const up = "/" + lp;
        const unionDir = up === "/" ? "" : up;
        if (name === ".wh..wh..opq") { opaques.push(unionDir); continue; }
        if (name.startsWith(".wh..wh.")) continue;
        if (name.startsWith(".wh.")) { whiteouts.push(unionDir + "/" + name.slice(4)); continue; }
        const st = layer.stat(child)!;
        const p = "/" + child;
        if (st.type === "dir") {
          entries.push([p, { type: "dir", mode: st.mode }]);
          walk(child);
        } else if (st.type === "symlink") {
          entries.push([p, { type: "symlink", mode: 0, target: layer.readlink(child) }]);
        } else {
          entries.push([p, { type: "file", mode: st.mode, content: readAll(layer, child) }]);
        }
      }
    };
    walk("");
    for (const d of opaques) {
      const prefix = d + "/";
      for (const k of [...tree.keys()]) if (k.startsWith(prefix)) tree.delete(k);
    }
    for (const w of whiteouts) deleteTree(tree, w);
    for (const [p, n] of entries) {
      const old = tree.get(p);
      if (!(old?.type === "dir" && n.type === "dir")) deleteTree(tree, p);
      tree.set(p, n);
    }
  }
  return tree;
}

/** Differences between two flat trees, as readable lines (empty when equal). */
export function diffTrees(actual: FlatTree, expected: FlatTree, limit = 10): string[] {
  const out: string[] = [];
  const keys = new Set([...actual.keys(), ...expected.keys()]);
  for (const k of [...keys].sort()) {
    const a = actual.get(k);
    const e = expected.get(k);
    const sa = a === undefined ? "(absent)" : JSON.stringify(a);
    const se = e === undefined ? "(absent)" : JSON.stringify(e);
    if (sa !== se) out.push(`${k}: got ${sa}, want ${se}`);
    if (out.length >= limit) break;
  }
  return out;
}

/** Raw listing of a layer in OCI form ("a/", "a/.wh.b", ...), sorted. */
export function rawLayer(layer: Layer): string[] {
  const out: string[] = [];
  const walk = (lp: string): void => {
    for (const name of layer.readdir(lp)) {
      const child = lp === "" ? name : lp + "/" + name;
      const st = layer.stat(child)!;
      out.push(st.type === "dir" ? child + "/" : child);
      if (st.type === "dir") walk(child);
    }
  };
  walk("");
  return out.sort();
}
