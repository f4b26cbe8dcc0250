// Where the guest's timed window of 4/readbig goes, layerfs (`layerfs run --layer`, memory
// upper, through the CLI in process) against node:wasi, interleaved in one process: each
// import call is timed (performance.now before and after, the same wrapper for both), and
// the window is split into the calls before the first fd_read (path_open and friends), the
// first fd_read, the other fd_reads (per call), the calls after the last one (fd_close, the
// stderr line), and the time spent in the guest between calls.
// usage: npx esbuild bench/tools/read-window.mts --bundle --platform=node --format=esm \
//          --external:@bjorn3/browser_wasi_shim --outfile=DIR/lib/read-window.mjs   (DIR/wasm -> bench/wasm)
//        node --expose-gc --input-type=module -e 'await import("DIR/lib/read-window.mjs")'
//   (imported, not run as the script: the CLI module in the bundle would take itself for the entry)
//   READ_WINDOW_DIR (default /dev/shm/read-window), READ_WINDOW_ROUNDS (9), READ_WINDOW_LIST=1: also each call of one run,
//   READ_WINDOW_SHIM=1: browser_wasi_shim runs before layerfs each round (see below).
// Not part of `npm run bench`.
import { performance } from "node:perf_hooks";
import { layerfs, node, setup, shim } from "./upper-io.mts";

const DIR = process.env.READ_WINDOW_DIR ?? "/dev/shm/read-window";
const ROUNDS = Number(process.env.READ_WINDOW_ROUNDS ?? 9);

interface Call { name: string; t0: number; t1: number }
let calls: Call[] = [];
const wrap = (imports: WebAssembly.Imports): WebAssembly.Imports => {
  const w = imports.wasi_snapshot_preview1 as Record<string, (...a: unknown[]) => unknown> | undefined;
  if (w === undefined) return imports;
  const out: Record<string, (...a: unknown[]) => unknown> = {};
  for (const [name, f] of Object.entries(w)) {
    out[name] = (...a: unknown[]) => {
      const t0 = performance.now();
      const r = f(...a);
      calls.push({ name, t0, t1: performance.now() });
      return r;
    };
  }
  return { ...imports, wasi_snapshot_preview1: out };
};
const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (m: WebAssembly.Module, i: WebAssembly.Imports) => Promise<WebAssembly.Instance>;
(WebAssembly as { instantiate: unknown }).instantiate = (m: WebAssembly.Module, i: WebAssembly.Imports) => instantiate(m, wrap(i));

/** The window's parts (µs), from the calls between the first and the last clock_time_get. */
function split(cs: Call[]): Record<string, number> {
  const first = cs.findIndex((c) => c.name === "clock_time_get");
  let last = cs.length - 1;
  while (cs[last]!.name !== "clock_time_get") last--;
  const w = cs.slice(first + 1, last);
  const reads = w.filter((c) => c.name === "fd_read");
  const r0 = w.indexOf(reads[0]!);
  const rn = w.indexOf(reads[reads.length - 1]!);
  const sum = (x: Call[]) => x.reduce((s, c) => s + (c.t1 - c.t0), 0) * 1000;
  const window = (cs[last]!.t0 - cs[first]!.t1) * 1000;
  const inCalls = sum(w);
  return {
    window,
    before: sum(w.slice(0, r0)),
    firstRead: sum([reads[0]!]),
    perRead: (sum(reads) - sum([reads[0]!])) / (reads.length - 1),
    lastRead: sum([reads[reads.length - 1]!]),
    after: sum(w.slice(rn + 1)),
    guest: window - inCalls,
    calls: w.length,
  };
}

setup(DIR);
process.removeAllListeners("warning");
const runners = { layerfs: () => layerfs(DIR, "readbig"), "node:wasi": () => node(DIR, "readbig"), shim: () => shim(DIR, "readbig") };
// READ_WINDOW_SHIM=1: each round browser_wasi_shim, layerfs, node:wasi in that order, as the bench's
// rotation has them (layerfs always right after the shim's garbage-heavy run), else the two alternating.
const withShim = process.env.READ_WINDOW_SHIM === "1";
const parts = new Map<string, Record<string, number>[]>();
for (let r = 0; r <= ROUNDS; r++) {
  const order = withShim ? ["shim", "layerfs", "node:wasi"] : r % 2 === 0 ? ["layerfs", "node:wasi"] : ["node:wasi", "layerfs"];
  for (const name of order as (keyof typeof runners)[]) {
    calls = [];
    await runners[name]();
    if (r === 0 || name === "shim") continue;
    (parts.get(name) ?? parts.set(name, []).get(name)!).push(split(calls));
  }
}
const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1]!;
console.log(`readbig window parts, µs (median of ${ROUNDS}; each import call timed)`);
for (const [name, rows] of parts) {
  const keys = Object.keys(rows[0]!);
  console.log(`  ${name.padEnd(10)} ${keys.map((k) => `${k} ${med(rows.map((x) => x[k]!)).toFixed(k === "perRead" ? 3 : 1)}`).join("  ")}`);
}
if (process.env.READ_WINDOW_LIST === "1") {
  for (const name of ["layerfs", "node:wasi"] as const) {
    calls = [];
    await runners[name]();
    const first = calls.findIndex((c) => c.name === "clock_time_get");
    const r0 = calls.findIndex((c) => c.name === "fd_read");
    let rn = calls.length - 1;
    while (calls[rn]!.name !== "fd_read") rn--;
    const show = (cs: Call[]) => cs.map((c) => `${c.name} ${((c.t1 - c.t0) * 1000).toFixed(1)}`).join(", ");
    console.log(`  ${name}: before the first read: ${show(calls.slice(first, r0))}; after the last: ${show(calls.slice(rn + 1))}`);
  }
}
