// Interleave two bundles of walk-ab.mts in one process: node walk-ab-driver.mjs A.mjs B.mjs WORKLOAD ROUNDS
// WORKLOAD: host:DIR | stats:DIR:PATH:N | tar:FILE. Prints the median ms of each and B/A.
const [a, b, work, roundsArg] = process.argv.slice(2);
const A = await import(a), B = await import(b);
const rounds = Number(roundsArg ?? 10);
const [kind, ...rest] = work.split(":");
const call = (m) => kind === "host" ? m.hostWalk(rest[0]) : kind === "stats" ? m.hostStats(rest[0], rest[1], Number(rest[2])) : m.tarWalk(rest[0]);
const ta = [], tb = [];
for (let i = 0; i < 3; i++) { await call(A); await call(B); }
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) { ta.push(await call(A)); tb.push(await call(B)); } else { tb.push(await call(B)); ta.push(await call(A)); }
}
const med = (x) => { const s = [...x].sort((p, q) => p - q); return s[s.length >> 1]; };
console.log(`A ${med(ta).toFixed(2)} ms  B ${med(tb).toFixed(2)} ms  B/A ${(med(tb) / med(ta)).toFixed(3)}  (A ${ta.map((x) => x.toFixed(1)).join(" ")}) (B ${tb.map((x) => x.toFixed(1)).join(" ")})`);
