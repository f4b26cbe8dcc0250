// The fixed lower layers that test/wasm/src/union_ops.c runs on, in the
// MemoryLayer.from spec format (src/layers/memory.ts), bottom layer first.
// Layers are aufs/OCI form: `.wh.NAME` whiteouts and `.wh..wh..opq` markers are
// plain entries here; only the union interprets them.
//
// Build the image with:
//   new Image(lowerLayers.map((spec) => MemoryLayer.from(spec, { timeNs: fixtureTimeNs })))
// For the kernel oracle, materialise them as directories with
//   npx tsx test/wasm/fixture-to-dirs.mjs OUTDIR      (prints the oracle's LOWER_TOP:...:LOWER_BOTTOM)
//
// Portable: no node:* imports (used by tests in Node, Deno and the browser).
import type { MemorySpec } from "../../src/layers/memory.ts";

/** mtime (and atime/ctime) of every fixture entry: 2020-09-13T12:26:40Z. */
export const fixtureTimeNs = 1_600_000_000_000_000_000n;

/** Bottom layer. */
const layer0: MemorySpec = {
  "etc/passwd": "root:x:0:0\n",
  "etc/hosts": "127.0.0.1 lower0\n",
  "data/big.txt": "lower data\n",
  "data/keep.txt": "keep\n",
  "data/gone.txt": "gone\n", // whited out by layer1
  "data/trunc.txt": "truncate me\n",
  "ro.txt": "read me\n", // read through an fd opened before its copy-up
  "times.txt": "t\n",
  "opq/old1": "o1\n", // hidden: layer1 makes opq/ opaque
  "opq/sub/old2": "o2\n",
  "merged/fromL0": "m0\n", // merged with layer1's merged/
  "rmme/onlyL0": "r0\n", // rmdir after removing both layers' children
  "tree/top.txt": "top\n", // deep rename of a lower directory
  "tree/a/b/deep.txt": "deep\n",
  "wh/x": "x\n", // whited out by layer1, then mkdir over the whiteout
  "wh/dirx/inner": "inner\n",
  "wh/y": "y\n",
  "bin/tool": { file: "#!/bin/sh\necho tool\n", mode: 0o755 },
  "bin/link": { symlink: "tool" },
  "bin/h1": "hard\n",
  "bin/h2": { link: "bin/h1" },
  "empty/": {},
};

/** Upper lower layer: overrides, whiteouts and an opaque directory. */
const layer1: MemorySpec = {
  "etc/hosts": "127.0.0.1 layer1\n",
  "data/.wh.gone.txt": "",
  "opq/.wh..wh..opq": "",
  "opq/new": "new\n",
  "merged/fromL1": "m1\n",
  "rmme/onlyL1": "r1\n",
  "wh/.wh.x": "",
  "wh/.wh.dirx": "",
  "bin/abs": { symlink: "/etc/passwd" }, // absolute target: resolves inside the union (layerfs)
  "bin/up": { symlink: "../../../../etc/hosts" }, // `..` chain clamped at the union root (layerfs)
};

/** The lower layers of union_ops.wasm, bottom first. */
export const lowerLayers: readonly MemorySpec[] = [layer0, layer1];
