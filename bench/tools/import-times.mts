// Where a bench.wasm run's time goes, by WASI import: every import of
// node:wasi, of layerfs (a read-only DirLayer lower and, for writebig, a
// locked host-directory upper, as `layerfs run --layer DIR [--upper DIR]`) and
// of the bare JavaScript host (bench/lib/bare-host.ts: the least a host on
// node:fs does) wrapped to sum its time and count its calls; path_open's
// creations (O_CREAT) apart from its opens of what exists. The wrapper costs the same on
// both sides (~0.1 µs a call), so compare totals per import, not with the bench.
// Runs alternate (node:wasi, layerfs, ...), one fresh WASI per run. Not part of `npm run bench`.
//
// usage: node --expose-gc --import tsx bench/tools/import-times.mts
//   IMPORT_TIMES_WORK: readbig | writebig | churn | churn-upper (default readbig; writebig and churn-upper on a host upper), IMPORT_TIMES_ROUNDS (9),
//   IMPORT_TIMES_DIR (default /dev/shm/layerfs-import-times), IMPORT_TIMES_SIDES (default node:wasi,layerfs,bare).
import { mkdirSync } from "node:fs";
import { WASI as NodeWasi } from "node:wasi";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/node.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { underBareHost } from "../lib/bare-host.ts";
import { benchArgs, benchModule } from "../lib/guest.ts";
import { median } from "../lib/stats.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree } from "../lib/trees.ts";

const DIR = process.env.IMPORT_TIMES_DIR ?? "/dev/shm/layerfs-import-times";
const WORK = process.env.IMPORT_TIMES_WORK ?? "readbig";
const ROUNDS = Number(process.env.IMPORT_TIMES_ROUNDS ?? 9);
const plain = `${DIR}/plain`, upper = `${DIR}/upper`;
hostTree(plain, [], bigBytes(256 * 1024 * 1024));
const args = ["bench.wasm", ...benchArgs(WORK)];
const hostUpper = WORK === "writebig" || WORK === "churn-upper";
const mod = await benchModule();

type Fn = (...a: unknown[]) => unknown;
/** Per import name: [ms, calls] of the current run. */
let sums = new Map<string, [number, number]>();
function timed(imports: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(imports)) {
    const fn = f as Fn;
    const slot: [number, number] = [0, 0];
    const created: [number, number] = [0, 0]; // path_open with O_CREAT (oflags bit 0)
    const createdName = `${name} O_CREAT`;
    out[name] = (...a: unknown[]) => {
      const creates = name === "path_open" && ((a[4] as number) & 1) !== 0;
      const s = creates ? created : slot;
      const key = creates ? createdName : name;
      if (sums.get(key) !== s) sums.set(key, s);
      const t = performance.now();
      try { return fn(...a); } finally { s[0] += performance.now() - t; s[1]++; }
    };
    sums.set(name, slot);
  }
  return out;
}
function reset(): void {
  for (const s of sums.values()) { s[0] = 0; s[1] = 0; }
  sums = new Map();
}

const decoder = new TextDecoder();
function guestMs(out: string): number {
  const m = /ms=([\d.]+)/.exec(out);
  if (m === null) throw new Error(`no result line: ${out}`);
  return Number(m[1]);
}

async function nodeRun(): Promise<number> {
  mkdirSync(`${DIR}/scratch`, { recursive: true });
  const { openSync, closeSync, readFileSync } = await import("node:fs");
  const outPath = `${DIR}/scratch/out`;
  const fd = openSync(outPath, "w");
  const wasi = new NodeWasi({ version: "preview1", args, env: {}, preopens: { "/": plain }, returnOnExit: true, stdout: fd, stderr: fd });
  const imp = wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, unknown> };
  const inst = await WebAssembly.instantiate(mod, { wasi_snapshot_preview1: timed(imp.wasi_snapshot_preview1) } as WebAssembly.Imports);
  wasi.start(inst);
  closeSync(fd);
  const ms = guestMs(readFileSync(outPath, "utf8"));
  removeGuestOutput(plain);
  return ms;
}

async function layerfsRun(): Promise<number> {
  let out = "";
  const up = hostUpper ? (removeTree(upper), mkdirSync(upper), dirLayer(upper, { writable: true, lock: true })) : undefined;
  const union = new Union(new Image([dirLayer(plain)]), up ?? new MemoryLayer());
  const wasi = createWasi({ union, args, stdout: (b: Uint8Array) => void (out += decoder.decode(b)), stderr: () => {} });
  const inst = await WebAssembly.instantiate(mod, { wasi_snapshot_preview1: timed(wasi.imports.wasi_snapshot_preview1 as unknown as Record<string, unknown>) } as WebAssembly.Imports);
  wasi.start(inst as unknown as { exports: Record<string, unknown> });
  union.dispose();
  return guestMs(out);
}

async function bareRun(): Promise<number> {
  const r = await underBareHost(plain, args.slice(1), (imports) => timed(imports) as typeof imports);
  removeGuestOutput(plain);
  return r.ms;
}

process.removeAllListeners("warning");
const sides = (process.env.IMPORT_TIMES_SIDES ?? "node:wasi,layerfs,bare").split(",");
const all: Record<string, () => Promise<number>> = { "node:wasi": nodeRun, layerfs: layerfsRun, bare: bareRun };
const runners: [string, () => Promise<number>][] = sides.map((s) => {
  if (all[s] === undefined) throw new Error(`IMPORT_TIMES_SIDES: unknown side '${s}' (node:wasi, layerfs, bare)`);
  return [s, all[s]!];
});
const guest = new Map<string, number[]>();
const byImport = new Map<string, Map<string, { ms: number[]; calls: number }>>();
for (let r = 0; r <= ROUNDS; r++) {
  for (const [name, run] of r % 2 === 0 ? runners : [...runners].reverse()) {
    reset();
    const ms = await run();
    if (r === 0) continue;
    (guest.get(name) ?? guest.set(name, []).get(name)!).push(ms);
    const m = byImport.get(name) ?? byImport.set(name, new Map()).get(name)!;
    for (const [imp, [t, n]] of sums) {
      if (n === 0) continue;
      const e = m.get(imp) ?? m.set(imp, { ms: [], calls: n }).get(imp)!;
      e.ms.push(t);
    }
  }
}
console.log(`${WORK}: guest ms (median of ${ROUNDS}) and time inside each import (ms, median; calls per run)`);
for (const [name, ms] of guest) {
  const m = byImport.get(name)!;
  const parts = [...m].sort((a, b) => median(b[1].ms) - median(a[1].ms))
    .map(([imp, e]) => `${imp} ${median(e.ms).toFixed(3)} (${e.calls}; ${((median(e.ms) * 1000) / e.calls).toFixed(2)} µs)`);
  console.log(`  ${name.padEnd(10)} guest ${median(ms).toFixed(2)}  ${parts.join(", ")}`);
}
