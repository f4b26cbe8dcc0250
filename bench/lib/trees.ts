/**
 * The benchmark tree, built identically for every runtime: `tree/dA/eB/fC`
 * (100 files per leaf directory, 10 leaf directories per top directory) plus
 * one big file `big.bin`. For an image of L layers, every directory exists in
 * every layer and file i lives in layer i % L (the worst case for merging:
 * each directory listing is merged from all L layers); big.bin is in the bottom layer.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { Directory, File, PreopenDirectory } from "@bjorn3/browser_wasi_shim";
import type { Inode } from "@bjorn3/browser_wasi_shim";
import { MemoryLayer } from "../../src/mod.ts";
import type { MemorySpec } from "../../src/mod.ts";

export const FILE_BYTES = new TextEncoder().encode("benchmark file content, 64 bytes long.........................\n");

export function treeFiles(n: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const leaf = Math.floor(i / 100);
    paths.push(`tree/d${Math.floor(leaf / 10)}/e${leaf % 10}/f${i % 100}`);
  }
  return paths;
}

/** The big file's bytes: real memory with a pattern (not a generated zero file). */
export function bigBytes(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 512) b[i] = (i >>> 9) & 0xff;
  return b;
}

/** Layers (bottom first) of an L-layer image holding the tree and big.bin. */
export function memoryLayers(layers: number, files: readonly string[], big: Uint8Array): MemoryLayer[] {
  const specs: MemorySpec[] = Array.from({ length: layers }, () => ({}));
  const dirs = new Set<string>();
  files.forEach((p, i) => {
    specs[i % layers]![p] = FILE_BYTES;
    dirs.add(p.slice(0, p.lastIndexOf("/")));
  });
  for (const spec of specs) for (const d of dirs) spec[d + "/"] = {};
  specs[0]!["big.bin"] = big;
  return specs.map((s) => MemoryLayer.from(s, { timeNs: 0n, freeze: true }));
}

/** browser_wasi_shim's own in-memory tree (fresh directories; `big` is shared, it is only read). */
export function shimRoot(files: readonly string[], big: File | undefined): PreopenDirectory {
  const root = new Map<string, Inode>();
  const dirOf = (path: string): Map<string, Inode> => {
    let m = root;
    for (const name of path.split("/")) {
      let d = m.get(name);
      if (d === undefined) {
        d = new Directory(new Map());
        m.set(name, d);
      }
      m = (d as Directory).contents;
    }
    return m;
  };
  for (const p of files) dirOf(p.slice(0, p.lastIndexOf("/"))).set(p.slice(p.lastIndexOf("/") + 1), new File(FILE_BYTES));
  if (big !== undefined) root.set("big.bin", big);
  return new PreopenDirectory("/", root);
}

/**
 * rm -rf in this process. (Not a child process: a fork of this big process
 * write-protects its pages, so the run after it would pay page faults; and
 * node's recursive rmSync sometimes fails with ENOTEMPTY on big tmpfs trees.)
 */
export function removeTree(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isDirectory()) return unlinkSync(path);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = `${path}/${e.name}`;
    if (e.isDirectory()) removeTree(p);
    else unlinkSync(p);
  }
  rmdirSync(path);
}

/** The same tree on the host under `dir` (replaced if present). */
export function hostTree(dir: string, files: readonly string[], big: Uint8Array | undefined): void {
  removeTree(dir);
  const made = new Set<string>();
  for (const p of files) {
    const d = `${dir}/${p.slice(0, p.lastIndexOf("/"))}`;
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(`${dir}/${p}`, FILE_BYTES);
  }
  mkdirSync(dir, { recursive: true });
  if (big !== undefined) writeFileSync(`${dir}/big.bin`, big);
}

/**
 * The 4/stat stack on the host: in each of `layerDirs` (top last) a d/ holding `unrelated`
 * files named u<layer>_<j>, and d/target, the statted file, in the bottom one.
 */
export function statStack(layerDirs: readonly string[], unrelated: number): void {
  for (const [l, dir] of layerDirs.entries()) {
    mkdirSync(`${dir}/d`, { recursive: true });
    for (let j = 0; j < unrelated; j++) writeFileSync(`${dir}/d/u${l}_${j}`, "x");
  }
  writeFileSync(`${layerDirs[0]}/d/target`, "the statted file\n");
}

/** What a bench.wasm run writes into its root (writebig's /out.bin, churn's /bench), removed after a run straight on a host directory. */
export function removeGuestOutput(dir: string): void {
  rmSync(`${dir}/out.bin`, { force: true });
  removeTree(`${dir}/bench`);
}
