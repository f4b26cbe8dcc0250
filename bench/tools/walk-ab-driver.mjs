// Interleave two bundles of walk-ab.mts in one process: node walk-ab-driver.mjs A.mjs B.mjs WORKLOAD ROUNDS
// WORKLOAD: host:DIR | stats:DIR:PATH:N | tar:FILE. Prints the median ms of each and B/A.
const [a, b, work, roundsArg] = process.argv.slice(2);
const A = await import(a), B = await import(b);
const rounds = Number(roundsArg ?? 10);
const [kind, ...rest] = work.split(":");
import { PerformanceObserver } from "node:perf_hooks";
let gcMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ["gc"] });
const gcA = [], gcB = [];
const timed = async (m, gcs) => { const g0 = gcMs; const ms = await call(m); await new Promise((r) => setImmediate(r)); gcs.push(gcMs - g0); return ms; };
const call = (m) => kind === "host" ? m.hostWalk(rest[0]) : kind === "stats" ? m.hostStats(rest[0], rest[1], Number(rest[2])) : m.tarWalk(rest[0]);
const ta = [], tb = [];
for (let i = 0; i < 3; i++) { await call(A); await call(B); }
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) { ta.push(await timed(A, gcA)); tb.push(await timed(B, gcB)); } else { tb.push(await timed(B, gcB)); ta.push(await timed(A, gcA)); }
}
const med = (x) => { const s = [...x].sort((p, q) => p - q); return s[s.length >> 1]; };
const q1 = (x) => { const s = [...x].sort((p, q) => p - q); return s[s.length >> 2]; };
const ratios = ta.map((x, i) => tb[i] / x);
console.log(`median A ${med(ta).toFixed(2)} B ${med(tb).toFixed(2)} ms (B/A ${(med(tb) / med(ta)).toFixed(3)}); lower quartile A ${q1(ta).toFixed(2)} B ${q1(tb).toFixed(2)} (B/A ${(q1(tb) / q1(ta)).toFixed(3)}); median of paired B/A ${med(ratios).toFixed(3)}; GC per run (median) A ${med(gcA).toFixed(2)} B ${med(gcB).toFixed(2)} ms; ${rounds} rounds`);
