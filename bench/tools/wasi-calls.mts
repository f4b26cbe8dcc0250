// Per-call cost of the path calls a tree walk makes (path_filestat_get, fd_readdir,
// path_open + fd_close of a directory), straight through the dispatcher's import table
// over a `layerfs run --layer DIR` union or a TarLayer: ns per call, and bytes allocated
// per call (heap delta over a batch, run with a large semi-space so no GC lands inside it).
// usage: bundle with esbuild into bench/tools, then
//   node --expose-gc --max-semi-space-size=512 X.mjs host:DIR | tar:FILE [ROUNDS]
import { readFileSync } from "node:fs";
import { openUnion } from "../../src/cli/open-union.ts";
import { nodeRuntime } from "../../src/cli/runtime-node.ts";
import { Image, MemoryLayer, TarLayer, Union } from "../../src/mod.ts";
import { Dispatcher } from "../../src/wasi/dispatcher.ts";
import { DIR_RIGHTS, DIR_INHERITING } from "../../src/wasi/rights.ts";
import { treeFiles } from "../lib/trees.ts";

export function makeUnion(spec: string): Union {
  const [kind, arg] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
  if (kind === "host") return openUnion(nodeRuntime(), { layer: [arg] });
  return new Union(new Image([TarLayer.fromBytes(new Uint8Array(readFileSync(arg)))]), new MemoryLayer());
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const none = { read: () => 0, available: () => 0 };
const sink = { write: () => {} };

/** Time and allocation of `fn(i)` for i < n, after warm-up; [ns per call, bytes per call]. */
function measure(n: number, fn: (i: number) => void): [number, number] {
  for (let i = 0; i < n; i++) fn(i);
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  const after = process.memoryUsage().heapUsed;
  return [ns / n, (after - before) / n];
}

/** The calls of a walk over `spec`'s union, warmed (the lower index built). */
export function setup(spec: string, files = 10_000) {
  const union = makeUnion(spec);
  const d = new Dispatcher({ args: ["x"], env: [], stdin: none, stdout: sink, stderr: sink, preopens: [{ name: "/", union, path: "/" }] });
  const memory = new WebAssembly.Memory({ initial: 64 });
  d.setMemory(memory);
  const im = d.imports as unknown as Record<string, (...a: unknown[]) => number>;
  const bytes = new Uint8Array(memory.buffer);
  // Paths at 64-byte slots from 1 MiB (as the guest lays them out: relative to the "/" preopen).
  const enc = new TextEncoder();
  const paths = treeFiles(files);
  const lens: number[] = [];
  const at = (i: number) => 1 << 20 | (i * 64);
  paths.forEach((p, i) => { const b = enc.encode(p); bytes.set(b, at(i)); lens.push(b.length); });
  const dirs = [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf("/"))))];
  const dirBase = 3 << 20;
  const dirLens: number[] = [];
  dirs.forEach((p, i) => { const b = enc.encode(p); bytes.set(b, dirBase + i * 64); dirLens.push(b.length); });
  const stat = (i: number) => {
    const e = im.path_filestat_get!(3, 0, at(i % files), lens[i % files], 4096);
    if (e !== 0) throw new Error(`path_filestat_get ${paths[i % files]}: ${e}`);
  };
  const opendir = (i: number) => {
    const k = i % dirs.length;
    const e = im.path_open!(3, 0, dirBase + k * 64, dirLens[k], 2, BigInt(DIR_RIGHTS), BigInt(DIR_INHERITING), 0, 8192);
    if (e !== 0) throw new Error(`path_open ${dirs[k]}: ${e}`);
    const fd = new DataView(memory.buffer).getUint32(8192, true);
    return fd;
  };
  const openClose = (i: number) => { im.fd_close!(opendir(i)); };
  // Every directory listed whole (cookie 0, a 32 KiB buffer: one call per 100-file directory), as readdir(3) asks.
  const readdir = (i: number) => {
    const fd = opendir(i);
    const e = im.fd_readdir!(fd, 65536, 32768, 0n, 8200);
    if (e !== 0) throw new Error(`fd_readdir: ${e}`);
    im.fd_close!(fd);
  };
  readdir(0);
  for (let i = 0; i < files; i++) stat(i); // builds the lower index
  return { stat, openClose, readdir, files, dirs: dirs.length };
}

export function callCosts(spec: string, files = 10_000): Record<string, [number, number]> {
  const { stat, openClose, readdir, dirs } = setup(spec, files);
  const out: Record<string, [number, number]> = {};
  out.path_filestat_get = measure(files, stat);
  out["path_open+fd_close (dir)"] = measure(dirs * 4, openClose);
  const oc = out["path_open+fd_close (dir)"];
  const rd = measure(dirs * 4, readdir);
  out["fd_readdir (100 entries, cookie 0)"] = [rd[0] - oc[0], rd[1] - oc[1]];
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = process.argv[2] ?? "host:/dev/shm/wasicalls/plain";
  const rounds = Number(process.argv[3] ?? 5);
  const all: Record<string, [number, number][]> = {};
  for (let r = 0; r < rounds; r++) for (const [k, v] of Object.entries(callCosts(spec))) (all[k] ??= []).push(v);
  for (const [k, v] of Object.entries(all)) {
    const ns = v.map((x) => x[0]).sort((a, b) => a - b)[v.length >> 1]!;
    const b = v.map((x) => x[1]).sort((a, b) => a - b)[v.length >> 1]!;
    console.log(`${k.padEnd(36)} ${ns.toFixed(0).padStart(7)} ns  ${b.toFixed(0).padStart(6)} B/call`);
  }
}
