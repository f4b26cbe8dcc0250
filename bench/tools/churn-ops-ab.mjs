// Interleave the Union-API churn of two or more bundles of churn-ops.mts (and the node:fs
// floor, from the first) in one process: ms per run by kind of call, median of ROUNDS.
// usage: node --expose-gc bench/tools/churn-ops-ab.mjs ROUNDS NAME=BUNDLE.mjs ...
// Not part of `npm run bench`.
const [roundsArg, ...bundleArgs] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 9);
const runners = [];
let kinds;
for (const b of bundleArgs) {
  const [name, file] = b.split("=");
  const mod = await import(new URL(file, `file://${process.cwd()}/`).href);
  kinds ??= mod.kinds;
  if (runners.length === 0) runners.push(["floor", () => mod.floor()]);
  runners.push([name, mod.layerfs]);
}
const runs = new Map(runners.map(([n]) => [n, []]));
for (let r = 0; r <= rounds; r++) {
  for (let j = 0; j < runners.length; j++) {
    const [name, fn] = runners[(r + j) % runners.length];
    const t = fn();
    if (r > 0) runs.get(name).push(t);
  }
}
const med = (x) => { const s = [...x].sort((p, q) => p - q); return s[s.length >> 1]; };
console.log(`churn ops, ms per run (median of ${rounds}, rotated):`);
for (const [name, ts] of runs) {
  const total = med(ts.map((t) => kinds.reduce((s, k) => s + (t[k] ?? 0), 0)));
  console.log(`  ${name.padEnd(8)} total ${total.toFixed(2).padStart(6)}  ${kinds.map((k) => `${k} ${med(ts.map((t) => t[k] ?? 0)).toFixed(2)}`).join("  ")}`);
}
