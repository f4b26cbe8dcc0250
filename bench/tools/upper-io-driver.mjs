// Interleave runners of one or more bundles of upper-io.mts in one process and measure
// each run inside the guest's own timed window (its first to its last clock_time_get):
// CPU time (user, system), minor page faults, GC time and JS heap growth in that window.
// usage: node --expose-gc bench/tools/upper-io-driver.mjs WORK ORDER ROUNDS [NAME=BUNDLE.mjs ...]
//   WORK: churn-upper | writebig-upper | readbig | churn
//   ORDER: runners of one round, comma list: NAME (that bundle's layerfs CLI), node, shim, hog
//     (node/shim/hog/floor come from the first bundle; floor: churn on plain node:fs with layerfs's host calls); rotated each round, as the bench's roundRobin did.
//   UPPER_IO_DIR (default /dev/shm/upper-io), UPPER_IO_SHUFFLE=1 (see below); UPPER_IO_IMPORTS=1 also times every import. Not part of `npm run bench`.
// With --max-semi-space-size=64 (MiB) a run allocating less than that triggers no
// scavenge, so the heap growth in the window is the bytes it allocated.
import { PerformanceObserver, performance } from "node:perf_hooks";

const [work, orderArg, roundsArg, ...bundleArgs] = process.argv.slice(2);
const DIR = process.env.UPPER_IO_DIR ?? "/dev/shm/upper-io";
const order = orderArg.split(",");
const rounds = Number(roundsArg ?? 9);
// UPPER_IO_SHUFFLE=1: each round in a fresh (seeded) random order instead of the rotation, whose runners
// always follow the same one (in the bench's host rows layerfs always runs right after browser_wasi_shim).
const shuffle = process.env.UPPER_IO_SHUFFLE === "1";
let seed = 12345;
const shuffled = (xs) => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const bundles = new Map();
for (const b of bundleArgs) {
  const [name, file] = b.split("=");
  bundles.set(name, await import(new URL(file, `file://${process.cwd()}/`).href));
}
const first = [...bundles.values()][0];
first.setup(DIR);

// The guest window: resource usage at each clock_time_get (bench.wasm calls it at its start and end only).
let marks = [];
// GC entries arrive after the fact: each is matched to the window by its start time.
const gcs = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push(e); }).observe({ entryTypes: ["gc"] });
const gcIn = (t0, t1) => gcs.filter((e) => e.startTime >= t0 && e.startTime < t1).reduce((s, e) => s + e.duration, 0);
const mark = () => marks.push({ ru: process.resourceUsage(), heap: process.memoryUsage().heapUsed, t: performance.now() });
// UPPER_IO_IMPORTS=1: also time every import (ms per run by import name, in the summary).
const timeImports = process.env.UPPER_IO_IMPORTS === "1";
let importMs = new Map();
const timed = (w) => {
  const out = {};
  for (const [name, f] of Object.entries(w)) {
    out[name] = (...a) => { const t = performance.now(); try { return f(...a); } finally { importMs.set(name, (importMs.get(name) ?? 0) + performance.now() - t); } };
  }
  return out;
};
const wrap = (imports) => {
  const w = imports?.wasi_snapshot_preview1;
  if (w === undefined || typeof w.clock_time_get !== "function") return imports;
  const clock = w.clock_time_get;
  const inner = timeImports ? timed(w) : w;
  return { ...imports, wasi_snapshot_preview1: { ...inner, clock_time_get: (...a) => { mark(); return clock(...a); } } };
};
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = (m, imports) => instantiate(m, wrap(imports));

const runners = {
  node: () => first.node(DIR, work),
  shim: () => first.shim(DIR, work),
  hog: () => first.hog(DIR),
  floor: () => first.floor(DIR, mark),
};
for (const [name, mod] of bundles) runners[name] = () => mod.layerfs(DIR, work, name);
process.removeAllListeners("warning");

const rows = new Map(order.map((k) => [k, { ms: [], user: [], sys: [], faults: [], gc: [], heap: [], after: new Map(), imports: new Map() }]));
let previous = "";
for (let r = 0; r <= rounds; r++) {
  const round = shuffle ? shuffled(order) : order.map((_, j) => order[(r + j) % order.length]);
  for (let j = 0; j < order.length; j++) {
    const name = round[j];
    marks = [];
    importMs = new Map();
    const res = await runners[name]();
    await new Promise((ok) => setImmediate(ok)); // GC entries of the run are delivered
    const before = previous;
    previous = name;
    if (r === 0) continue; // warm-up round
    const row = rows.get(name);
    row.ms.push(res.ms);
    for (const [imp, ms] of importMs) (row.imports.get(imp) ?? row.imports.set(imp, []).get(imp)).push(ms);
    (row.after.get(before) ?? row.after.set(before, []).get(before)).push(res.ms);
    if (marks.length >= 2) {
      const a = marks[0], b = marks[marks.length - 1];
      row.user.push((b.ru.userCPUTime - a.ru.userCPUTime) / 1000);
      row.sys.push((b.ru.systemCPUTime - a.ru.systemCPUTime) / 1000);
      row.faults.push(b.ru.minorPageFault - a.ru.minorPageFault);
      row.gc.push(gcIn(a.t, b.t));
      row.heap.push((b.heap - a.heap) / 1024);
    }
  }
}
const med = (x) => { if (x.length === 0) return NaN; const s = [...x].sort((p, q) => p - q); return s[s.length >> 1]; };
console.log(`${work}: ${rounds} rounds of ${order.join(",")} (rotated); medians in the guest's window`);
for (const [k, v] of rows) {
  console.log(`  ${k.padEnd(8)} ${med(v.ms).toFixed(2).padStart(7)} ms  user ${med(v.user).toFixed(1)} sys ${med(v.sys).toFixed(1)} ms  faults ${med(v.faults)}  gc ${med(v.gc).toFixed(2)} ms  heap +${med(v.heap).toFixed(0)} KiB  [${v.ms.map((x) => x.toFixed(1)).join(" ")}]`);
  if (v.imports.size > 0) console.log(`           imports (ms, median): ${[...v.imports].map(([k, x]) => [k, med(x)]).filter(([, m]) => m >= 0.05).sort((a, b) => b[1] - a[1]).map(([k, m]) => `${k} ${m.toFixed(2)}`).join(", ")}`);
  if (order.length > 2) console.log(`           by the runner before it: ${[...v.after].map(([p, x]) => `after ${p} ${med(x).toFixed(2)} (${x.length})`).join(", ")}`);
}
